// Masking never inspects what the value means, so it is safe on unvalidated input.
#include "wangban/identity/mask.hpp"

namespace wangban::identity {
namespace {

// Below this length, showing 7-8 characters of the ends would reveal most of the value.
constexpr std::size_t kMinMaskedLength = 9;

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// One star per UTF-8 character: every byte except continuation bytes (10xxxxxx) starts one.
std::string AllStars(std::string_view s) {
  std::size_t count = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return std::string(count, '*');
}

std::string MaskMiddle(std::string_view s, std::size_t keep_front, std::size_t keep_back) {
  if (s.size() < kMinMaskedLength || !IsAscii(s)) return AllStars(s);
  std::string out(s.substr(0, keep_front));
  out.append(s.size() - keep_front - keep_back, '*');
  out.append(s.substr(s.size() - keep_back));
  return out;
}

}  // namespace

std::string MaskIdNumber(std::string_view id) { return MaskMiddle(id, 4, 4); }

std::string MaskPhone(std::string_view phone) { return MaskMiddle(phone, 3, 4); }

std::string MaskUscc(std::string_view code) { return MaskMiddle(code, 4, 4); }

}  // namespace wangban::identity
