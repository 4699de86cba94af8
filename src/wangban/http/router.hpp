// Routes: method + path template ("/api/v1/cases/{id}") -> handler and options. The router is
// also the list the OpenAPI test compares with the document.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/http/request.hpp"

namespace wangban::http {

using Handler = std::function<HandlerResult(Request&)>;

enum class BodyKind {
  kNone,  // no body expected; one that arrives anyway is ignored
  kJson,  // Content-Type must be application/json (415 otherwise)
  kRaw,   // any content type (file uploads)
};

struct RouteOptions {
  BodyKind body = BodyKind::kNone;
  // Larger bodies are refused with 413 as soon as the headers arrive.
  std::size_t max_body_bytes = 1 << 20;
  // Run on the I/O thread. Only for handlers that never block (no database, no disk).
  bool inline_io = false;
  // The authorization action the route was registered under (set by api::AddRoute), so the
  // router alone answers "which action guards this route".
  std::string action;
};

struct Route {
  Method method;
  std::string path_template;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds a route. Templates are '/'-separated; a segment "{name}" matches any one non-empty
  // segment. Literal segments win over parameters.
  // REQUIRES: the same method and template are not added twice.
  void Add(Method method, std::string path_template, Handler handler, RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;  // null if nothing matched
    std::vector<std::pair<std::string, std::string>> params;
    // When route is null: the methods that the path does support (for 405 + Allow).
    std::vector<Method> allowed;
  };
  // Finds the route for a percent-decoded path.
  Match Find(Method method, std::string_view path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace wangban::http
