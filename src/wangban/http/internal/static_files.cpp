#include "wangban/http/internal/static_files.hpp"

#include <fstream>
#include <iterator>

namespace wangban::http::internal {

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::filesystem::weakly_canonical(root)) {}

std::string_view ContentTypeFor(std::string_view filename) {
  const auto dot = filename.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view{} : filename.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "gif") return "image/gif";
  if (ext == "webp") return "image/webp";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "ttf") return "font/ttf";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "pdf") return "application/pdf";
  if (ext == "wasm") return "application/wasm";
  return "application/octet-stream";
}

HandlerResult StaticFiles::Serve(std::string_view path, bool head) const {
  // Reject traversal outright rather than normalising it.
  for (std::size_t pos = 0; pos <= path.size();) {
    const auto next = path.find('/', pos);
    const auto seg = path.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    if (seg == ".." || seg == "." || seg.find('\\') != std::string_view::npos) {
      return Fail(Error::NotFound("no such file"));
    }
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  std::string_view rel = path;
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  const auto last_slash = rel.rfind('/');
  const std::string_view last = last_slash == std::string_view::npos ? rel : rel.substr(last_slash + 1);
  const bool looks_like_file = last.find('.') != std::string_view::npos;

  std::filesystem::path file = rel.empty() ? root_ / "index.html" : root_ / std::string(rel);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    if (looks_like_file) return Fail(Error::NotFound("no such file"));
    file = root_ / "index.html";
    if (!std::filesystem::is_regular_file(file, ec)) {
      return Fail(Error::NotFound("the web front end is not built (web/dist/index.html is missing)"));
    }
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(Error::NotFound("no such file"));
  Response r;
  r.status = 200;
  const std::string name = file.filename().string();
  r.content_type = std::string(ContentTypeFor(name));
  if (!head) r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  // Vite names assets by content hash, so they never change; index.html must be revalidated.
  const bool hashed_asset = rel.starts_with("assets/");
  r.headers.emplace_back("Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace wangban::http::internal
