// List paging (API.md): `?limit=` (default 20, 1..200) and an opaque `cursor` that encodes the
// sort key of the last item returned (keyset paging: stable under inserts, O(page) per page).
#pragma once

#include <optional>
#include <string>

#include "wangban/common/error.hpp"
#include "wangban/http/request.hpp"

namespace wangban::api {

struct Page {
  int limit = 20;
  std::optional<std::string> after;  // the decoded cursor: the last sort key seen
};

// Reads limit and cursor from the query. kValidationFailed (fields "limit", "cursor").
Result<Page> ReadPage(const http::Request& request);

// The opaque cursor for a sort key (base64url), and back.
std::string EncodeCursor(std::string_view sort_key);
std::optional<std::string> DecodeCursor(std::string_view cursor);

}  // namespace wangban::api
