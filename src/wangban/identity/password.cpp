// Password policy and hashing. The common-password list is parsed once, on first use.
#include "wangban/identity/password.hpp"

#include <sodium.h>

#include <unordered_set>

#include "wangban/identity/internal/crypto.hpp"

namespace wangban::identity {
namespace {

static_assert(PasswordHashParams{}.opslimit == crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
static_assert(PasswordHashParams{}.memlimit == crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
static_assert(PasswordHashParams::Minimum().opslimit == crypto_pwhash_argon2id_OPSLIMIT_MIN);
static_assert(PasswordHashParams::Minimum().memlimit == crypto_pwhash_argon2id_MEMLIMIT_MIN);

char ToLowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLowerAscii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out.push_back(ToLowerAscii(c));
  return out;
}

const std::unordered_set<std::string>& CommonPasswords() {
  static const std::unordered_set<std::string> passwords = [] {
    std::unordered_set<std::string> set;
    std::string_view text = kCommonPasswordsText;
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      set.insert(ToLowerAscii(line));
    }
    return set;
  }();
  return passwords;
}

// Code points, counted as the bytes that are not UTF-8 continuation bytes (10xxxxxx).
std::size_t CountCharacters(std::string_view s) {
  std::size_t count = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

// True if `s` is its first UTF-8 character repeated ("aaaaaaaa", "我我我我我我我我").
// REQUIRES: !s.empty()
bool IsOneCharacterRepeated(std::string_view s) {
  std::size_t first_length = 1;
  while (first_length < s.size() && (static_cast<unsigned char>(s[first_length]) & 0xC0) == 0x80) {
    ++first_length;
  }
  if (s.size() % first_length != 0) return false;
  const std::string_view first = s.substr(0, first_length);
  for (std::size_t i = first_length; i < s.size(); i += first_length) {
    if (s.substr(i, first_length) != first) return false;
  }
  return true;
}

std::unexpected<Error> Invalid(std::string_view field, std::string code, std::string message) {
  return Fail(
      Error::Validation({FieldError{std::string(field), std::move(code), std::move(message)}}));
}

}  // namespace

Result<void> CheckPasswordPolicy(std::string_view password, std::string_view field) {
  if (password.empty()) return Invalid(field, "required", "password is required");
  if (password.size() > kMaxPasswordBytes) {
    return Invalid(field, "too_long", "password must be at most 128 bytes");
  }
  if (CountCharacters(password) < kMinPasswordCharacters) {
    return Invalid(field, "too_short", "password must be at least 8 characters");
  }
  if (IsOneCharacterRepeated(password) || CommonPasswords().contains(ToLowerAscii(password))) {
    return Invalid(field, "common", "password is too common; choose another");
  }
  return {};
}

Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params) {
  if (!internal::SodiumReady()) return Fail(Error::Internal("libsodium failed to initialise"));
  if (params.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      params.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
      params.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      params.memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return Fail(Error::Internal("password hash parameters are out of range"));
  }
  char out[crypto_pwhash_argon2id_STRBYTES] = {};
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), params.opslimit,
                                 params.memlimit) != 0) {
    return Fail(Error::Internal("password hashing failed (out of memory?)"));
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!internal::SodiumReady()) return false;
  // libsodium reads a NUL-terminated string of fewer than STRBYTES bytes; an embedded NUL
  // would make it check only a prefix of what was stored.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES ||
      hash.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view hash, const PasswordHashParams& params) {
  if (!internal::SodiumReady()) return true;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES ||
      hash.find('\0') != std::string_view::npos) {
    return true;
  }
  const std::string terminated(hash);
  // 0: argon2id with these parameters; 1: other parameters; -1: not argon2id, or unparsable.
  // (The generic crypto_pwhash_str_needs_rehash would accept argon2i with equal parameters.)
  return crypto_pwhash_argon2id_str_needs_rehash(terminated.c_str(), params.opslimit,
                                                 params.memlimit) != 0;
}

}  // namespace wangban::identity
