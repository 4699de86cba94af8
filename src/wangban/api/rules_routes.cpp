// Routes of the 秒批 rules: reading an item's rule set (any version) and writing its next
// version. The language and the decision record: docs/rules.md.
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/catalog/store.hpp"
#include "wangban/identity/principal.hpp"
#include "wangban/rules/store.hpp"

namespace wangban::api {
namespace {

using identity::Principal;
using nlohmann::ordered_json;

Result<std::optional<int>> VersionQuery(const http::Request& r) {
  auto v = r.Query("version");
  if (!v || v->empty()) return std::optional<int>();
  int version = 0;
  for (char c : *v) {
    if (c < '0' || c > '9' || version > 100'000'000) {
      return Fail(Error::Validation({{"version", "format", "a version number from 1"}}));
    }
    version = version * 10 + (c - '0');
  }
  if (version < 1) return Fail(Error::Validation({{"version", "format", "a version number from 1"}}));
  return std::optional<int>(version);
}

// The item the rules belong to (published, else its draft), checked against the writer's
// region like any edit of the item; its form schema, so that form variables name its fields.
Result<rules::PutOptions> ItemChecks(ApiContext& ctx, std::string_view code, const Principal& p) {
  rules::PutOptions options;
  if (ctx.catalog == nullptr) return options;
  auto item = ctx.catalog->GetPublished(code);
  if (!item && item.error().code == ErrorCode::kNotFound) item = ctx.catalog->GetDraft(code);
  if (!item) {
    if (item.error().code == ErrorCode::kNotFound)
      return Fail(Error::NotFound("no item has the code " + std::string(code)));
    return std::unexpected(item.error());
  }
  auto doc = ordered_json::parse(item->document, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    if (auto region = doc.find("region"); region != doc.end() && region->is_string()) {
      if (!identity::RegionCovers(p.region, region->get_ref<const std::string&>())) {
        return Fail(Error{.code = ErrorCode::kForbidden,
                          .message = "the item belongs to a region outside yours",
                          .reason = "out_of_scope"});
      }
    }
    if (auto schema = doc.find("form_schema"); schema != doc.end()) {
      options.form_schema = schema->is_string() ? schema->get<std::string>() : schema->dump();
    }
  }
  return options;
}

}  // namespace

void RegisterRulesRoutes(http::Router& router, ApiContext& ctx) {
  AddRoute(router, ctx, http::Method::kGet, "/api/v1/items/{code}/rules", "rules.read",
           [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
             if (ctx.rules == nullptr) return Fail(Error::Unavailable("the rules module is not configured"));
             auto version = VersionQuery(r);
             if (!version) return std::unexpected(version.error());
             auto stored = ctx.rules->Get(r.PathParam("code"), *version);
             if (!stored) return std::unexpected(stored.error());
             ordered_json out;
             out["item_code"] = stored->item_code;
             out["version"] = stored->version;
             out["latest_version"] = stored->latest_version;
             out["created_at"] = FormatRfc3339(stored->created_at);
             out["created_by"] = stored->created_by;
             out["rules"] = ordered_json::parse(stored->document);
             return http::Response::Text(200, out.dump(), "application/json");
           });

  AddRoute(router, ctx, http::Method::kPut, "/api/v1/items/{code}/rules", "rules.write",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             if (ctx.rules == nullptr) return Fail(Error::Unavailable("the rules module is not configured"));
             const std::string code(r.PathParam("code"));
             auto options = ItemChecks(ctx, code, *p);
             if (!options) return std::unexpected(options.error());
             auto put = ctx.rules->Put(code, r.body, p->user_id, *options);
             if (!put) return std::unexpected(put.error());
             return http::Response::Json(
                 put->created ? 201 : 200,
                 {{"item_code", put->item_code}, {"version", put->version}, {"created", put->created}});
           },
           {.body = http::BodyKind::kJson, .max_body_bytes = rules::kMaxRuleSetBytes});
}

}  // namespace wangban::api
