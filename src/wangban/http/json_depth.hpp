// The nesting limit of JSON request bodies, without the JSON library (the server checks it
// before any handler parses the body).
#pragma once

#include <string_view>

namespace wangban::http {

// How deep a JSON request body may nest objects and arrays. Domain code walks JSON recursively
// (conversions, canonical forms, dumps); a body of a quarter megabyte could otherwise nest
// 100,000 levels, store them, and overflow a thread's stack wherever they are read later. The
// deepest legitimate documents — a rule set at its 32 levels of expressions, a catalog item's
// form schema — stay well below it.
inline constexpr int kMaxJsonDepth = 128;

// True if `text` nests objects and arrays deeper than `max_depth` (brackets inside strings do
// not count). A linear scan that does not parse: malformed text is left to the parser.
bool JsonNestsDeeperThan(std::string_view text, int max_depth);

}  // namespace wangban::http
