// Password policy for applicants and staff, and argon2id password hashing (libsodium).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::identity {

// The shipped list of common passwords, common_passwords.txt embedded at build time (one per
// line, '#' starts a comment line). Defined by a generated source file.
extern const std::string_view kCommonPasswordsText;

inline constexpr std::size_t kMinPasswordCharacters = 8;  // Unicode code points
inline constexpr std::size_t kMaxPasswordBytes = 128;     // UTF-8 bytes

// Ok if `password` may be chosen: at least kMinPasswordCharacters code points (counted as
// UTF-8 lead bytes, so malformed UTF-8 cannot crash it), at most kMaxPasswordBytes bytes, not
// on the common list (ignoring ASCII case) and not one character repeated. Otherwise a
// kValidationFailed error with one FieldError on `field` whose code is "required",
// "too_long", "too_short" or "common", checked in that order.
Result<void> CheckPasswordPolicy(std::string_view password, std::string_view field = "password");

// Argon2id cost parameters. Raising them makes existing hashes report PasswordNeedsRehash.
struct PasswordHashParams {
  // Passes over memory; libsodium's crypto_pwhash_OPSLIMIT_INTERACTIVE.
  unsigned long long opslimit = 2;
  // Memory in bytes; libsodium's crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB).
  std::size_t memlimit = std::size_t{64} << 20;

  // The cheapest parameters libsodium accepts (1 pass, 8 KiB); for tests only.
  static constexpr PasswordHashParams Minimum() { return {.opslimit = 1, .memlimit = 8192}; }
};

// An argon2id hash of `password` in the PHC string format ("$argon2id$v=19$m=...") with a random
// salt, ready to store. Internal error if libsodium cannot be initialised, `params` are out of
// libsodium's range, or the memory cannot be allocated. Does not apply CheckPasswordPolicy.
Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params = {});

// True if `password` matches `hash` (from HashPassword, any parameters). False on mismatch
// and on a malformed or empty hash.
bool VerifyPassword(std::string_view hash, std::string_view password);

// True if `hash` is not an argon2id hash with exactly `params` (argon2i, other costs, or not
// parsable as a PHC string); only the header is read, the digest is not checked. After a
// successful VerifyPassword, hash the password again and store the new hash.
bool PasswordNeedsRehash(std::string_view hash, const PasswordHashParams& params = {});

}  // namespace wangban::identity
