// Province-level codes of GB/T 2260, shared by the ID number and USCC checks; only the first
// two digits are checked because county codes change every year and old numbers stay valid.
#pragma once

#include <string_view>

namespace wangban::identity::internal {

// True if `two_digits` is a province-level code of GB/T 2260: 11-15, 21-23, 31-37, 41-46,
// 50-54, 61-65, 71 (Taiwan), 81 (Hong Kong), 82 (Macao). False for anything else, including
// input that is not exactly two ASCII digits.
bool IsProvinceCode(std::string_view two_digits);

}  // namespace wangban::identity::internal
