// Thin wrappers over the primitives the identity module needs: SM3, HMAC-SM3 and SM4-CTR from
// OpenSSL 3, randomness from libsodium. Byte strings travel as std::string so that callers
// need neither library's headers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::identity::internal {

inline constexpr std::size_t kSm3Bytes = 32;
inline constexpr std::size_t kSm4KeyBytes = 16;
inline constexpr std::size_t kSm4BlockBytes = 16;

// True once libsodium is initialised; initialises it on the first call. Thread-safe. False only
// if sodium_init() failed, after which no libsodium function may be used.
bool SodiumReady();

// `count` cryptographically random bytes. Internal error if libsodium cannot be initialised.
Result<std::string> RandomBytes(std::size_t count);

// The 32-byte SM3 digest (GB/T 32905) of `data`. Internal error if OpenSSL lacks SM3.
Result<std::string> Sm3(std::string_view data);

// The 32-byte HMAC-SM3 (GM/T 0042) of `data` under `key` (any length). Internal error if
// OpenSSL lacks SM3.
Result<std::string> HmacSm3(std::string_view key, std::string_view data);

// SM4 (GB/T 32907) in CTR mode with a 128-bit big-endian counter block starting at `iv`; the
// same call encrypts and decrypts. Output has the length of `data`.
// REQUIRES: key.size() == kSm4KeyBytes, iv.size() == kSm4BlockBytes; otherwise Internal error.
Result<std::string> Sm4Ctr(std::string_view key, std::string_view iv, std::string_view data);

// True if the two byte strings are equal, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);

}  // namespace wangban::identity::internal
