// Mobile number normalisation and validation. Segments are not checked against carriers'
// allocations (145, 166, 19x, ...), which grow every year; the 1[3-9] prefix is stable.
#include "wangban/identity/phone.hpp"

namespace wangban::identity {
namespace {

constexpr std::size_t kMobileLength = 11;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

std::unexpected<Error> Invalid(std::string_view field, std::string code, std::string message) {
  return Fail(
      Error::Validation({FieldError{std::string(field), std::move(code), std::move(message)}}));
}

}  // namespace

std::string NormalizePhone(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '-') out.push_back(c);
  }
  std::string_view digits = out;
  if (digits.starts_with("+86")) {
    digits.remove_prefix(3);
  } else if (digits.size() == kMobileLength + 2 && digits.starts_with("86") && AllDigits(digits)) {
    // Only strip a bare 86 when the rest is a full number, so "86..." typos stay visible.
    digits.remove_prefix(2);
  }
  return std::string(digits);
}

Result<std::string> ValidatePhone(std::string_view text, std::string_view field) {
  if (text.find_first_not_of(" -") == std::string_view::npos) {
    return Invalid(field, "required", "mobile number is required");
  }
  std::string phone = NormalizePhone(text);
  if (phone.size() != kMobileLength || !AllDigits(phone) || phone[0] != '1' || phone[1] < '3') {
    return Invalid(field, "format", "must be an 11-digit mainland China mobile number");
  }
  return phone;
}

}  // namespace wangban::identity
