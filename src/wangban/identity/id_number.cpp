// GB 11643-1999 validation. Checks run from the cheapest and most telling (length, format) to
// the check character, so a user who typed a wrong digit in the date hears about the date.
#include "wangban/identity/id_number.hpp"

#include "wangban/common/calendar.hpp"

#include <array>

#include "wangban/identity/internal/region_code.hpp"

namespace wangban::identity {
namespace {

constexpr std::size_t kIdLength = 18;
constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckChars = "10X98765432";
// Residence permits for Taiwan residents use region code 830000, outside GB/T 2260.
constexpr std::string_view kTaiwanResidentPermitProvince = "83";
constexpr std::string_view kFormatMessage = "ID number must be 17 digits followed by a digit or X";
constexpr std::chrono::year_month_day kEarliestBirth{std::chrono::year{1900}, std::chrono::January,
                                                     std::chrono::day{1}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int DigitsToInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

std::unexpected<Error> Invalid(std::string_view field, std::string code, std::string_view message) {
  return Fail(
      Error::Validation({FieldError{std::string(field), std::move(code), std::string(message)}}));
}

}  // namespace

std::string NormalizeIdNumber(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  std::string out(text);
  if (out.size() == kIdLength && out.back() == 'x') out.back() = 'X';
  return out;
}

std::optional<char> IdNumberCheckChar(std::string_view first17) {
  if (first17.size() != kWeights.size()) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) {
    if (!IsDigit(first17[i])) return std::nullopt;
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kCheckChars[static_cast<std::size_t>(sum % 11)];
}

Result<IdNumberInfo> ParseIdNumber(std::string_view id, std::chrono::year_month_day today,
                                   std::string_view field) {
  if (id.empty()) return Invalid(field, "required", "ID number is required");
  if (id.size() != kIdLength) return Invalid(field, "length", "ID number must be 18 characters");
  const std::string_view body = id.substr(0, 17);
  const char last = id.back() == 'x' ? 'X' : id.back();
  for (char c : body) {
    if (!IsDigit(c)) return Invalid(field, "format", kFormatMessage);
  }
  if (!IsDigit(last) && last != 'X') return Invalid(field, "format", kFormatMessage);

  const std::string_view province = id.substr(0, 2);
  if (!internal::IsProvinceCode(province) && province != kTaiwanResidentPermitProvince) {
    return Invalid(field, "region", "ID number has an unknown region code");
  }

  const std::chrono::year_month_day birth{
      std::chrono::year{DigitsToInt(id.substr(6, 4))},
      std::chrono::month{static_cast<unsigned>(DigitsToInt(id.substr(10, 2)))},
      std::chrono::day{static_cast<unsigned>(DigitsToInt(id.substr(12, 2)))}};
  if (!birth.ok()) return Invalid(field, "birth_date", "ID number has an invalid birth date");
  if (birth < kEarliestBirth || birth > today) {
    return Invalid(field, "birth_date", "ID number has a birth date out of range");
  }

  if (IdNumberCheckChar(body) != last) {
    return Invalid(field, "checksum", "ID number check character does not match");
  }

  return IdNumberInfo{.region_code = std::string(id.substr(0, 6)),
                      .birth_date = birth,
                      .male = (id[16] - '0') % 2 == 1};
}

Result<void> ValidateIdNumber(std::string_view id, std::chrono::year_month_day today,
                              std::string_view field) {
  auto parsed = ParseIdNumber(id, today, field);
  if (!parsed) return Fail(std::move(parsed.error()));
  return {};
}

std::chrono::year_month_day ChinaDate(Timestamp now) { return wangban::ChinaDate(now); }

}  // namespace wangban::identity
