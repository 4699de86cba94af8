// The SM2 key that signs audit checkpoints, and verification of its signatures.
//
// Signatures are SM2 with SM3 (GB/T 32918, GB/T 32905) with the standard distinguishing ID
// "1234567812345678" (GB/T 35276), DER-encoded, so that any GM/T tool verifies them, e.g.
//   openssl dgst -sm3 -verify public.pem -sigopt distid:1234567812345678 -signature sig.der msg
// (OpenSSL 3 would otherwise use an empty ID, which nothing else uses.)
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "wangban/common/error.hpp"

namespace wangban::audit {

inline constexpr std::string_view kSm2DistinguishingId = "1234567812345678";

// An SM2 private key. Cheap to copy (the key is shared, immutable); thread-safe.
class AuditSigner {
 public:
  // Parses a PEM private key on the SM2 curve: PKCS#8 ("BEGIN PRIVATE KEY", as written by
  // `openssl genpkey -algorithm SM2`) or SEC 1 ("BEGIN EC PRIVATE KEY"). Encrypted keys are
  // refused (no passphrase prompt). Errors: kBadRequest when it is not an SM2 private key.
  static Result<AuditSigner> FromPem(std::string_view pem);
  // FromPem on a file's content. Errors: also kInternal when the file cannot be read.
  static Result<AuditSigner> FromPemFile(const std::filesystem::path& file);
  // A new random key.
  static Result<AuditSigner> Generate();

  // The private key as unencrypted PKCS#8 PEM.
  Result<std::string> PrivateKeyPem() const;
  // The public key as SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
  const std::string& public_key_pem() const { return public_key_pem_; }

  // The DER signature of `message` (SM2 with SM3, standard distinguishing ID). SM2 signatures
  // are randomized: two signatures of one message differ, and both verify.
  Result<std::string> Sign(std::string_view message) const;

 private:
  struct Key;
  AuditSigner(std::shared_ptr<const Key> key, std::string public_key_pem)
      : key_(std::move(key)), public_key_pem_(std::move(public_key_pem)) {}

  std::shared_ptr<const Key> key_;
  std::string public_key_pem_;
};

// True if `signature` (DER) is a valid SM2-with-SM3 signature of `message` under the public key
// in `public_key_pem`, with the standard distinguishing ID; false for a wrong or malformed
// signature. Errors: kBadRequest when the PEM is not an SM2 public key.
Result<bool> VerifySignature(std::string_view public_key_pem, std::string_view message, std::string_view signature);

// The DER SubjectPublicKeyInfo of an SM2 public key PEM, for comparing keys whatever their PEM
// line breaks. Errors: kBadRequest when it is not an SM2 public key.
Result<std::string> PublicKeyDer(std::string_view public_key_pem);

// The public key PEM in a file that holds an SM2 public key or private key (so that an operator
// can verify with either). Errors: kInternal if unreadable, kBadRequest if neither.
Result<std::string> ReadPublicKeyPem(const std::filesystem::path& file);

// Where `serve` keeps a generated key: <data_dir>/keys/audit-sm2.pem.
std::filesystem::path GeneratedKeyPath(const std::filesystem::path& data_dir);

// The checkpoint key as `serve` finds it:
//  - `key_file` given: loaded from it;
//  - else, when `allow_generate` (SQLite, or a demo): GeneratedKeyPath(data_dir), created with
//    mode 0600 on first use (atomically: concurrent first starts end up with one key);
//  - else kInternal: every node of a PostgreSQL deployment must sign with the one configured key.
Result<AuditSigner> LoadOrCreateSigner(const std::optional<std::filesystem::path>& key_file,
                                       const std::filesystem::path& data_dir, bool allow_generate);

}  // namespace wangban::audit
