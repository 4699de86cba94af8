// A whole catalog in one JSON document, {"regions": [...], "departments": [...], "items": [...]}:
// the demo catalog the binary embeds (data/catalog bundled at build time) and a convenient
// form for moving a catalog between installations.
#pragma once

#include <string_view>
#include <vector>

#include "wangban/catalog/item.hpp"
#include "wangban/catalog/store.hpp"

namespace wangban::catalog {

struct CatalogBundle {
  std::vector<Region> regions;
  std::vector<Department> departments;
  std::vector<Item> items;
};

// Every entry checked as the API checks it; kValidationFailed lists every problem with paths
// such as "items[12].promised_limit_days"; kBadRequest "malformed_json".
Result<CatalogBundle> ParseCatalogBundle(std::string_view json);

// Upserts the regions and departments, then imports and publishes the items that differ from
// their latest version (in `batch` when anything is published). Idempotent.
Result<ImportResult> LoadCatalogBundle(CatalogStore& store, const CatalogBundle& bundle, std::string_view actor,
                                       std::string batch);

}  // namespace wangban::catalog
