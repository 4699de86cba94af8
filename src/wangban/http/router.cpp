// A segment trie: literal children first, then one parameter child, with backtracking.
#include "wangban/http/router.hpp"

#include <cassert>
#include <functional>
#include <map>

namespace wangban::http {

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literal;
  std::unique_ptr<Node> param;
  std::string param_name;
  std::map<Method, const Route*> routes;
};

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  if (!path.empty() && path.front() == '/') start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::Add(Method method, std::string path_template, Handler handler, RouteOptions options) {
  routes_.push_back(std::make_unique<Route>(Route{method, path_template, std::move(handler), options}));
  Node* node = root_.get();
  for (std::string_view seg : Split(routes_.back()->path_template)) {
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = std::string(seg.substr(1, seg.size() - 2));
      }
      node = node->param.get();
    } else {
      auto it = node->literal.find(seg);
      if (it == node->literal.end()) {
        it = node->literal.emplace(std::string(seg), std::make_unique<Node>()).first;
      }
      node = it->second.get();
    }
  }
  assert(!node->routes.contains(method) && "route added twice");
  node->routes[method] = routes_.back().get();
}

Router::Match Router::Find(Method method, std::string_view path) const {
  const auto segments = Split(path);
  Match match;
  std::vector<std::pair<std::string, std::string>> params;
  const Node* path_node = nullptr;  // deepest full-path match, for 405
  // Depth-first search preferring literals; the first node with the method wins.
  std::function<bool(const Node*, std::size_t)> walk = [&](const Node* node, std::size_t i) -> bool {
    if (i == segments.size()) {
      if (node->routes.empty()) return false;
      auto it = node->routes.find(method == Method::kHead && !node->routes.contains(Method::kHead)
                                      ? Method::kGet
                                      : method);
      if (it != node->routes.end()) {
        match.route = it->second;
        match.params = params;
        return true;
      }
      if (!path_node) path_node = node;
      return false;
    }
    const std::string_view seg = segments[i];
    if (auto it = node->literal.find(seg); it != node->literal.end()) {
      if (walk(it->second.get(), i + 1)) return true;
    }
    if (node->param && !seg.empty()) {
      params.emplace_back(node->param_name, std::string(seg));
      if (walk(node->param.get(), i + 1)) return true;
      params.pop_back();
    }
    return false;
  };
  if (walk(root_.get(), 0)) return match;
  if (path_node) {
    for (const auto& [m, r] : path_node->routes) match.allowed.push_back(m);
  }
  return match;
}

}  // namespace wangban::http
