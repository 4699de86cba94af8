// Tests only: the demo rule files (data/rules) and the 秒批 items of the demo catalog
// (data/catalog/items), read from WANGBAN_SOURCE_DIR.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wangban::rules::internal {

inline std::filesystem::path SourceDir() {
  const char* root = std::getenv("WANGBAN_SOURCE_DIR");
  return std::filesystem::path(root && *root ? root : ".");
}

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// (implementation code, JSON text) of every data/rules/<code>.json, by code.
inline std::vector<std::pair<std::string, std::string>> DemoRuleFiles() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : std::filesystem::directory_iterator(SourceDir() / "data" / "rules")) {
    if (e.path().extension() != ".json") continue;
    out.emplace_back(e.path().stem().string(), ReadText(e.path()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct DemoItem {
  std::string code;
  std::string name;
  std::string form_schema;               // compact JSON
  std::vector<std::string> plain_rules;  // auto_approval_rules
};

// The demo catalog's items run by the auto_approval process, by code.
inline std::vector<DemoItem> AutoApprovalItems() {
  std::vector<DemoItem> out;
  for (const auto& e : std::filesystem::directory_iterator(SourceDir() / "data" / "catalog" / "items")) {
    auto doc = nlohmann::ordered_json::parse(ReadText(e.path()));
    if (doc.value("process_key", "") != "auto_approval") continue;
    out.push_back({doc["implementation_code"].get<std::string>(), doc["name"].get<std::string>(),
                   doc["form_schema"].dump(), doc["auto_approval_rules"].get<std::vector<std::string>>()});
  }
  std::sort(out.begin(), out.end(), [](const DemoItem& a, const DemoItem& b) { return a.code < b.code; });
  return out;
}

}  // namespace wangban::rules::internal
