// The built web front end (web/dist): files by path, index.html for client-side routes.
#pragma once

#include <filesystem>
#include <string_view>

#include "wangban/http/request.hpp"

namespace wangban::http::internal {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // The file for a decoded request path. Paths that look like files (a dot in the last
  // segment) must exist; other paths get index.html (the SPA decides). kNotFound otherwise.
  // Never reads outside the root.
  HandlerResult Serve(std::string_view path, bool head) const;

 private:
  std::filesystem::path root_;
};

// The Content-Type for a file name, by extension.
std::string_view ContentTypeFor(std::string_view filename);

}  // namespace wangban::http::internal
