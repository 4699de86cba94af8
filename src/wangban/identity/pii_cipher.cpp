// SM4-CTR + HMAC-SM3 encrypt-then-MAC. The subkey labels and the token layout are part of the
// stored data's format: changing either makes existing rows unreadable, so a change needs a
// new version byte and a migration.
#include "wangban/identity/pii_cipher.hpp"

#include <openssl/crypto.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "wangban/identity/internal/crypto.hpp"

namespace wangban::identity {
namespace {

constexpr unsigned char kVersion = 0x01;
constexpr std::size_t kIvBytes = internal::kSm4BlockBytes;
constexpr std::size_t kTagBytes = internal::kSm3Bytes;
constexpr std::size_t kMinTokenBytes = 1 + kIvBytes + kTagBytes;
constexpr std::size_t kKeyFileHexChars = PiiCipher::kMasterKeyBytes * 2;
// Key files are tiny; refuse to read anything large that was put there by mistake.
constexpr std::uintmax_t kMaxKeyFileBytes = 4096;

constexpr std::string_view kEncryptionLabel = "wangban/pii/v1/sm4-ctr-key";
constexpr std::string_view kMacLabel = "wangban/pii/v1/hmac-sm3-key";
constexpr std::string_view kLookupLabel = "wangban/pii/v1/lookup-hmac-sm3-key";

// For failures that FromKeyBytes has ruled out (algorithms present, keys of the right size),
// which could now come only from memory exhaustion inside OpenSSL: there is no sane way on.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "wangban: PiiCipher: %s\n", what);
  std::abort();
}

std::string_view AsChars(const auto& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Fills `out` with the first N bytes of HMAC-SM3(master_key, label), wiping the full output.
template <std::size_t N>
Result<void> DeriveKey(std::string_view master_key, std::string_view label,
                       std::array<unsigned char, N>& out) {
  static_assert(N <= internal::kSm3Bytes);
  auto derived = internal::HmacSm3(master_key, label);
  if (!derived) return Fail(std::move(derived.error()));
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<unsigned char>((*derived)[i]);
  OPENSSL_cleanse(derived->data(), derived->size());
  return {};
}

Error Corrupt() { return Error::BadRequest("the protected value cannot be read", "pii_corrupt"); }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

Result<PiiCipher> PiiCipher::FromKeyBytes(std::string_view master_key) {
  if (master_key.size() != kMasterKeyBytes) {
    return Fail(Error::Internal("the PII master key must be 64 bytes"));
  }
  PiiCipher cipher;
  auto derived = DeriveKey(master_key, kEncryptionLabel, cipher.encryption_key_);
  if (derived) derived = DeriveKey(master_key, kMacLabel, cipher.mac_key_);
  if (derived) derived = DeriveKey(master_key, kLookupLabel, cipher.lookup_key_);
  if (!derived) return Fail(std::move(derived.error()));
  // Prove SM4-CTR and libsodium work here (HMAC-SM3 just did), so that Encrypt and LookupHash
  // need no failure path of their own.
  if (!internal::SodiumReady()) return Fail(Error::Internal("libsodium failed to initialise"));
  auto probe = internal::Sm4Ctr(AsChars(cipher.encryption_key_), std::string(kIvBytes, '\0'), "x");
  if (!probe) return Fail(std::move(probe.error()));
  return cipher;
}

Result<PiiCipher> PiiCipher::FromKeyFile(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Fail(Error::Internal("cannot read the PII key file " + path.string()));
  if (size > kMaxKeyFileBytes) {
    return Fail(Error::Internal("the PII key file " + path.string() + " is too large"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Internal("cannot read the PII key file " + path.string()));
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return Fail(Error::Internal("cannot read the PII key file " + path.string()));
  }
  std::string_view hex = text;
  while (!hex.empty() && IsSpace(hex.front())) hex.remove_prefix(1);
  while (!hex.empty() && IsSpace(hex.back())) hex.remove_suffix(1);

  std::array<unsigned char, kMasterKeyBytes> key{};
  std::size_t key_length = 0;
  const bool ok = hex.size() == kKeyFileHexChars && internal::SodiumReady() &&
                  sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr,
                                 &key_length, nullptr) == 0 &&
                  key_length == kMasterKeyBytes;
  OPENSSL_cleanse(text.data(), text.size());
  if (!ok) {
    return Fail(Error::Internal("the PII key file " + path.string() +
                                " must hold exactly 128 hex characters"));
  }
  auto cipher = FromKeyBytes(AsChars(key));
  OPENSSL_cleanse(key.data(), key.size());
  return cipher;
}

std::string PiiCipher::GenerateKeyHex() {
  auto key = internal::RandomBytes(kMasterKeyBytes);
  if (!key) Die("libsodium failed to initialise; no random key can be made");
  std::string hex = internal::HexEncode(*key);
  OPENSSL_cleanse(key->data(), key->size());
  return hex;
}

PiiCipher::~PiiCipher() {
  OPENSSL_cleanse(encryption_key_.data(), encryption_key_.size());
  OPENSSL_cleanse(mac_key_.data(), mac_key_.size());
  OPENSSL_cleanse(lookup_key_.data(), lookup_key_.size());
}

std::string PiiCipher::Encrypt(std::string_view plaintext) const {
  auto iv = internal::RandomBytes(kIvBytes);
  if (!iv) Die("libsodium failed to initialise; no IV can be made");
  auto ciphertext = internal::Sm4Ctr(AsChars(encryption_key_), *iv, plaintext);
  if (!ciphertext) Die("SM4-CTR failed after a successful self-test");

  std::string raw;
  raw.reserve(kMinTokenBytes + plaintext.size());
  raw.push_back(static_cast<char>(kVersion));
  raw += *iv;
  raw += *ciphertext;
  auto tag = internal::HmacSm3(AsChars(mac_key_), raw);
  if (!tag) Die("HMAC-SM3 failed after a successful self-test");
  raw += *tag;

  std::string token(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
  sodium_bin2base64(token.data(), token.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  token.resize(token.size() - 1);  // the encoded length counts the terminating NUL
  return token;
}

Result<std::string> PiiCipher::Decrypt(std::string_view token) const {
  if (!internal::SodiumReady()) return Fail(Error::Internal("libsodium failed to initialise"));
  std::string raw(token.size() * 3 / 4 + 1, '\0');
  std::size_t raw_length = 0;
  // Strict: no whitespace, no padding, no stray trailing bits.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), token.data(),
                        token.size(), nullptr, &raw_length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return Fail(Corrupt());
  }
  raw.resize(raw_length);
  if (raw.size() < kMinTokenBytes || static_cast<unsigned char>(raw[0]) != kVersion) {
    return Fail(Corrupt());
  }
  const std::string_view authenticated = std::string_view(raw).substr(0, raw.size() - kTagBytes);
  const std::string_view tag = std::string_view(raw).substr(raw.size() - kTagBytes);
  auto expected = internal::HmacSm3(AsChars(mac_key_), authenticated);
  if (!expected) return Fail(std::move(expected.error()));
  if (!internal::ConstantTimeEquals(*expected, tag)) return Fail(Corrupt());

  const std::string_view iv = authenticated.substr(1, kIvBytes);
  const std::string_view ciphertext = authenticated.substr(1 + kIvBytes);
  return internal::Sm4Ctr(AsChars(encryption_key_), iv, ciphertext);
}

std::string PiiCipher::LookupHash(std::string_view normalized_value) const {
  auto mac = internal::HmacSm3(AsChars(lookup_key_), normalized_value);
  if (!mac) Die("HMAC-SM3 failed after a successful self-test");
  return internal::HexEncode(*mac);
}

}  // namespace wangban::identity
