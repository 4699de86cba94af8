// Resident identity numbers (公民身份号码) per GB 11643-1999: 6-digit region code, 8-digit
// birth date, 3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"

namespace wangban::identity {

// What an ID number says about its holder.
struct IdNumberInfo {
  std::string region_code;                 // the first six digits (address code)
  std::chrono::year_month_day birth_date;  // digits 7-14
  bool male = false;                       // digit 17 is odd
};

// `text` with surrounding ASCII whitespace removed and a lowercase check character 'x' made
// 'X'; the form to store and compare. Never fails: invalid input comes back trimmed, for
// ValidateIdNumber to reject.
std::string NormalizeIdNumber(std::string_view text);

// Ok if `id` is a well-formed ID number: 18 characters, 17 digits then a digit or 'X' (also
// 'x'), a known province in the region code, a real birth date in [1900-01-01, today], and a
// matching check character. Otherwise a kValidationFailed error with one FieldError on `field`
// whose code is "required", "length", "format", "region", "birth_date" or "checksum", checked
// in that order. Messages never echo the number.
// Province codes are those of GB/T 2260 plus 83, which the police assign to Taiwan residents'
// residence permits (港澳台居民居住证; Hong Kong and Macao residents get 81 and 82).
// REQUIRES: today.ok(); pass ChinaDate(clock.Now()) so the date check follows Beijing time.
Result<void> ValidateIdNumber(std::string_view id, std::chrono::year_month_day today,
                              std::string_view field = "id_number");

// As ValidateIdNumber, and on success the region code, birth date and sex of the holder.
Result<IdNumberInfo> ParseIdNumber(std::string_view id, std::chrono::year_month_day today,
                                   std::string_view field = "id_number");

// The check character ('0'-'9' or 'X') that completes `first17`, or nullopt unless `first17`
// is exactly 17 ASCII digits. For building valid numbers in seed data and tests.
std::optional<char> IdNumberCheckChar(std::string_view first17);

// The calendar date in China (UTC+8, no daylight saving) at instant `now`.
std::chrono::year_month_day ChinaDate(Timestamp now);

}  // namespace wangban::identity
