// Unified social credit codes (统一社会信用代码) of legal persons and other organisations per
// GB 32100-2015: registration authority, organisation type, region, organisation code, check.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::identity {

// The 31 characters a code may contain: digits and capitals without I, O, Z, S, V. A
// character's index here is its value in the check-character computation.
inline constexpr std::string_view kUsccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Registration-authority codes (登记管理部门代码, the first character) of GB 32100-2015 Table 1
// with its amendment No. 1: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教,
// 8 工会, 9 工商/市场监管, A 中央军委改革和编制办公室, N 农业, Y 其他.
inline constexpr std::string_view kUsccAuthorityCodes = "123456789ANY";

// `text` with surrounding ASCII whitespace removed and ASCII letters uppercased; the form to
// store and compare. Never fails: invalid input comes back for ValidateUscc to reject.
std::string NormalizeUscc(std::string_view text);

// Ok if `code` is a well-formed USCC: 18 characters from kUsccCharset (lowercase letters are
// accepted as their capitals), a first character from kUsccAuthorityCodes, six digits in
// places 3-8 starting with a GB/T 2260 province code, and a matching check character.
// Otherwise a kValidationFailed error with one FieldError on `field` whose code is "required",
// "length", "format", "region" or "checksum", checked in that order.
Result<void> ValidateUscc(std::string_view code, std::string_view field = "uscc");

// The check character that completes `first17` (MOD 31 with weights 3^i mod 31, GB 32100 §5),
// or nullopt unless all 17 characters are in kUsccCharset (uppercase). For seed data and tests.
std::optional<char> UsccCheckChar(std::string_view first17);

}  // namespace wangban::identity
