// Masked forms of personal identifiers for display, logs and audit records, following the
// common practice of Chinese government sites (keep the ends, star the middle).
#pragma once

#include <string>
#include <string_view>

namespace wangban::identity {

// First 4 and last 4 characters with one '*' for each character between:
// "460100198801011234" -> "4601**********1234". Inputs shorter than 9 characters, or with
// any non-ASCII byte, come back as all stars (one per UTF-8 character) so nothing leaks.
std::string MaskIdNumber(std::string_view id);

// First 3 and last 4 characters with stars between: "13812345678" -> "138****5678". Same rules
// for short or non-ASCII input as MaskIdNumber.
std::string MaskPhone(std::string_view phone);

// First 4 and last 4 characters with stars between: "91350100M000100Y43" ->
// "9135**********0Y43". Same rules for short or non-ASCII input as MaskIdNumber.
std::string MaskUscc(std::string_view code);

}  // namespace wangban::identity
