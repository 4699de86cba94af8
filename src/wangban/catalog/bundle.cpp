#include "wangban/catalog/bundle.hpp"

#include <nlohmann/json.hpp>

namespace wangban::catalog {

Result<CatalogBundle> ParseCatalogBundle(std::string_view json) {
  auto doc = nlohmann::ordered_json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Fail(Error::BadRequest("the catalog bundle is not valid JSON", "malformed_json"));
  if (!doc.is_object()) return Fail(Error::Validation({{"", "type", "a catalog bundle is a JSON object"}}));
  CatalogBundle bundle;
  FieldErrors errors;
  auto each = [&](const char* key, auto&& read) {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_array()) {
      errors.Add(key, "required", "must be a list");
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) read((*it)[i], std::string(key) + "[" + std::to_string(i) + "]");
  };
  auto merge = [&](const Error& e, const std::string& at) {
    for (const auto& f : e.field_errors) errors.Add(f.field.empty() ? at : at + "." + f.field, f.code, f.message);
    if (e.field_errors.empty()) errors.Add(at, std::string(e.StableCode()), e.message);
  };
  each("regions", [&](const nlohmann::ordered_json& v, const std::string& at) {
    auto r = RegionFromJson(v);
    r ? bundle.regions.push_back(std::move(*r)) : merge(r.error(), at);
  });
  each("departments", [&](const nlohmann::ordered_json& v, const std::string& at) {
    auto d = DepartmentFromJson(v);
    d ? bundle.departments.push_back(std::move(*d)) : merge(d.error(), at);
  });
  each("items", [&](const nlohmann::ordered_json& v, const std::string& at) {
    auto item = ItemFromJson(v);
    item ? bundle.items.push_back(std::move(*item)) : merge(item.error(), at);
  });
  if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
  return bundle;
}

Result<ImportResult> LoadCatalogBundle(CatalogStore& store, const CatalogBundle& bundle, std::string_view actor,
                                       std::string batch) {
  if (auto r = store.UpsertRegions(bundle.regions); !r) return std::unexpected(r.error());
  if (auto r = store.UpsertDepartments(bundle.departments); !r) return std::unexpected(r.error());
  return store.Import(bundle.items, actor, {.publish = true, .batch = std::move(batch)});
}

}  // namespace wangban::catalog
