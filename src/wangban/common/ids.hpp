// Identifiers: UUIDv7 (RFC 9562), time-ordered so that primary-key indexes stay append-mostly,
// and random tokens.
#pragma once

#include <cstddef>
#include <string>

#include "wangban/common/clock.hpp"

namespace wangban {

// A new UUIDv7 as 36 lowercase characters. Ids made in one process are strictly increasing,
// also within one millisecond (RFC 9562 §6.2 method 3: a counter in rand_a). Thread-safe.
std::string NewId(const Clock& clock = SystemClock::Instance());

// True if `text` is a UUID in canonical lowercase or uppercase form.
bool IsUuid(std::string_view text);

// `bytes` cryptographically random bytes (libsodium), hex-encoded.
std::string RandomHex(std::size_t bytes);

// Lowercase hex of arbitrary bytes.
std::string ToHex(std::string_view bytes);

}  // namespace wangban
