// UTF-8 as RFC 3629 defines it: what text from outside must be before it is stored or bound as a
// database text parameter (PostgreSQL refuses anything else).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace wangban {

struct Utf8Char {
  char32_t code_point = 0;
  std::size_t length = 0;  // bytes of its sequence, 1 to 4
};

// The code point whose sequence starts at `pos`, or nullopt when the bytes there are not one:
// a stray continuation byte, a truncated sequence, an overlong form, a surrogate, beyond
// U+10FFFF. REQUIRES: pos < text.size().
std::optional<Utf8Char> DecodeUtf8At(std::string_view text, std::size_t pos);

// True if all of `text` is valid UTF-8 (the empty text is).
bool IsValidUtf8(std::string_view text);

}  // namespace wangban
