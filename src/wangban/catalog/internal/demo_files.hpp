// Tests only: the demo catalog read from data/catalog (WANGBAN_SOURCE_DIR) as one bundle, the
// way the build embeds it.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace wangban::catalog::internal {

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path DemoCatalogDir() {
  const char* root = std::getenv("WANGBAN_SOURCE_DIR");
  return std::filesystem::path(root ? root : ".") / "data" / "catalog";
}

inline std::string DemoCatalogBundleText() {
  const auto dir = DemoCatalogDir();
  std::vector<std::filesystem::path> items;
  for (const auto& e : std::filesystem::directory_iterator(dir / "items")) items.push_back(e.path());
  std::sort(items.begin(), items.end());
  std::string out = "{\"regions\": " + ReadText(dir / "regions.json") +
                    ", \"departments\": " + ReadText(dir / "departments.json") + ", \"items\": [";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + ReadText(items[i]);
  return out + "]}";
}

}  // namespace wangban::catalog::internal
