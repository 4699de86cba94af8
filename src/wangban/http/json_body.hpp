// The limits of JSON request bodies that the server checks before any handler parses the body,
// without the JSON library.
#pragma once

#include <string_view>

namespace wangban::http {

// How deep a JSON request body may nest objects and arrays. Domain code walks JSON recursively
// (conversions, canonical forms, dumps); a body of a quarter megabyte could otherwise nest
// 100,000 levels, store them, and overflow a thread's stack wherever they are read later. The
// deepest legitimate documents — a rule set at its 32 levels of expressions, a catalog item's
// form schema — stay well below it.
inline constexpr int kMaxJsonDepth = 128;

// What the server refuses in a JSON body before any handler parses it.
enum class JsonBodyProblem {
  kNone,
  kTooDeep,  // objects and arrays nested deeper than the limit
  // U+0000 in a string (as the escape \u0000; a raw NUL byte is malformed JSON anyway). No text
  // field of a government service holds it, and PostgreSQL's text columns cannot: libpq would
  // cut the value short at it, storing a different text than the one answered "saved".
  kNulCharacter,
};

// Scans `text` once (strings, escapes included, are skipped over, not parsed): the first
// problem found, or kNone. Malformed text is left to the parser.
JsonBodyProblem CheckJsonBody(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace wangban::http
