// Mainland China mobile numbers: 11 digits, "1" then 3-9, optionally written with the +86
// country code and spaces or hyphens between groups.
#pragma once

#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::identity {

// `text` with spaces and hyphens removed and a leading "+86" (or "86" before 11 more digits)
// dropped: "+86 138-0013-8000" -> "13800138000". Never fails: anything else is kept as is for
// ValidatePhone to reject.
std::string NormalizePhone(std::string_view text);

// The normalized number if `text` is a mainland mobile number after NormalizePhone. Otherwise a
// kValidationFailed error with one FieldError on `field` whose code is "required" (nothing but
// separators) or "format".
Result<std::string> ValidatePhone(std::string_view text, std::string_view field = "phone");

}  // namespace wangban::identity
