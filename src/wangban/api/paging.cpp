#include "wangban/api/paging.hpp"

#include <sodium.h>

#include "wangban/common/utf8.hpp"

namespace wangban::api {

std::string EncodeCursor(std::string_view sort_key) {
  std::string out(sodium_base64_ENCODED_LEN(sort_key.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(sort_key.data()), sort_key.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> DecodeCursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 1024) return std::nullopt;
  std::string out(cursor.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), cursor.data(), cursor.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  // Sort keys are text: a cursor this server made decodes to UTF-8, and anything else would
  // reach the database as a text parameter it refuses.
  if (!IsValidUtf8(out)) return std::nullopt;
  return out;
}

Result<Page> ReadPage(const http::Request& request) {
  Page page;
  FieldErrors errors;
  if (auto limit = request.Query("limit")) {
    try {
      std::size_t used = 0;
      page.limit = std::stoi(*limit, &used);
      if (used != limit->size() || page.limit < 1 || page.limit > 200) throw std::out_of_range("limit");
    } catch (...) {
      errors.Add("limit", "format", "a whole number from 1 to 200");
    }
  }
  if (auto cursor = request.Query("cursor"); cursor && !cursor->empty()) {
    page.after = DecodeCursor(*cursor);
    if (!page.after) errors.Add("cursor", "format", "not a cursor this server returned");
  }
  if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
  return page;
}

}  // namespace wangban::api
