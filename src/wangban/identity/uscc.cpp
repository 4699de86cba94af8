// GB 32100-2015 validation.
#include "wangban/identity/uscc.hpp"

#include <array>

#include "wangban/identity/internal/region_code.hpp"

namespace wangban::identity {
namespace {

constexpr std::size_t kUsccLength = 18;
constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                          29, 25, 13, 8,  24, 10, 30, 28};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char ToUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::unexpected<Error> Invalid(std::string_view field, std::string code, std::string message) {
  return Fail(
      Error::Validation({FieldError{std::string(field), std::move(code), std::move(message)}}));
}

}  // namespace

std::string NormalizeUscc(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  std::string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(ToUpper(c));
  return out;
}

std::optional<char> UsccCheckChar(std::string_view first17) {
  if (first17.size() != kWeights.size()) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) {
    const std::size_t value = kUsccCharset.find(first17[i]);
    if (value == std::string_view::npos) return std::nullopt;
    sum += static_cast<int>(value) * kWeights[i];
  }
  return kUsccCharset[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

Result<void> ValidateUscc(std::string_view code, std::string_view field) {
  if (code.empty()) return Invalid(field, "required", "unified social credit code is required");
  if (code.size() != kUsccLength) {
    return Invalid(field, "length", "unified social credit code must be 18 characters");
  }
  std::string upper;
  upper.reserve(kUsccLength);
  for (char c : code) upper.push_back(ToUpper(c));

  for (char c : upper) {
    if (kUsccCharset.find(c) == std::string_view::npos) {
      return Invalid(field, "format",
                     "unified social credit code may contain only digits and capitals "
                     "other than I, O, Z, S, V");
    }
  }
  if (kUsccAuthorityCodes.find(upper[0]) == std::string_view::npos) {
    return Invalid(field, "format",
                   "unified social credit code has an unknown registration authority");
  }
  for (std::size_t i = 2; i < 8; ++i) {
    if (!IsDigit(upper[i])) {
      return Invalid(field, "format", "unified social credit code has a non-digit region code");
    }
  }
  if (!internal::IsProvinceCode(std::string_view(upper).substr(2, 2))) {
    return Invalid(field, "region", "unified social credit code has an unknown region code");
  }
  if (UsccCheckChar(std::string_view(upper).substr(0, 17)) != upper[17]) {
    return Invalid(field, "checksum", "unified social credit code check character does not match");
  }
  return {};
}

}  // namespace wangban::identity
