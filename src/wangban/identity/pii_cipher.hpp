// Encryption at rest of personal data (ID numbers, phone numbers) with the national algorithms
// SM4 and SM3, and keyed hashes for looking such values up without decrypting every row.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::identity {

// Encrypts and authenticates short personal values under subkeys derived from one 64-byte
// master key. Tokens are base64url (no padding) of
//   0x01 (version) || 16-byte random IV || SM4-CTR ciphertext || 32-byte HMAC-SM3 tag,
// the tag covering everything before it (encrypt-then-MAC). The SM4 key, the MAC key and the
// LookupHash key are HMAC-SM3(master key, label) for three fixed labels, so one secret backs
// all three without any two being related. Thread-safe: all methods are const
// and the object is immutable after creation. Copies share nothing; destruction wipes the keys.
class PiiCipher {
 public:
  static constexpr std::size_t kMasterKeyBytes = 64;

  // A cipher for the raw 64-byte `master_key`. Internal error if the key has another length,
  // OpenSSL lacks SM3 or SM4, or libsodium cannot start (checked here, so that the methods
  // below cannot fail later).
  static Result<PiiCipher> FromKeyBytes(std::string_view master_key);

  // A cipher for the key in `path`: 128 hex characters, surrounding whitespace ignored.
  // Internal error if the file cannot be read or does not hold exactly that; the message names
  // the path but never echoes the content.
  static Result<PiiCipher> FromKeyFile(const std::filesystem::path& path);

  // A new random master key as 128 lowercase hex characters, for `wangban` key generation.
  // Aborts if libsodium cannot be initialised (no randomness to be had).
  static std::string GenerateKeyHex();

  PiiCipher(const PiiCipher&) = default;
  PiiCipher& operator=(const PiiCipher&) = default;
  PiiCipher(PiiCipher&&) = default;
  PiiCipher& operator=(PiiCipher&&) = default;
  ~PiiCipher();

  // A token for `plaintext`; a fresh random IV each call, so equal values give unequal tokens.
  // REQUIRES: plaintext.size() < 2 GiB (OpenSSL's int lengths); meant for short values.
  std::string Encrypt(std::string_view plaintext) const;

  // The plaintext of a token made by Encrypt under the same master key. kBadRequest with reason
  // "pii_corrupt" if the token is not base64url, too short, of an unknown version, or fails
  // authentication (tampered, truncated, or made under another key).
  Result<std::string> Decrypt(std::string_view token) const;

  // 64 lowercase hex characters: HMAC-SM3 of `normalized_value` under a derived lookup key.
  // Deterministic for one master key and different under another, so it can back a unique
  // index ("is this ID number registered?") without storing the value. Normalize first
  // (NormalizeIdNumber, NormalizePhone): different spellings hash differently.
  std::string LookupHash(std::string_view normalized_value) const;

 private:
  PiiCipher() = default;

  std::array<unsigned char, 16> encryption_key_{};
  std::array<unsigned char, 32> mac_key_{};
  std::array<unsigned char, 32> lookup_key_{};
};

}  // namespace wangban::identity
