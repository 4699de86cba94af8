// Routes of the 秒批 rules: reading an item's rule set (any version), writing its next version,
// and replaying a case's decision records. The language and the decision record: docs/rules.md.
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/cases/service.hpp"
#include "wangban/catalog/store.hpp"
#include "wangban/identity/principal.hpp"
#include "wangban/rules/service.hpp"
#include "wangban/rules/store.hpp"
#include "wangban/workflow/value.hpp"

namespace wangban::api {
namespace {

using identity::Principal;
using nlohmann::json;
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

// Where the replay differs from the record: the paths (JSON pointers) of the JSON Patch that turns
// one into the other (json::diff), at most 20.
std::vector<std::string> Differences(const json& recorded, const json& replayed) {
  std::vector<std::string> out;
  for (const json& op : json::diff(recorded, replayed)) {
    if (out.size() == 20) break;
    out.push_back(op["path"].get<std::string>());
  }
  return out;
}

json Outcome(const json& record) {
  json out = json::object();
  for (const char* key : {"decision", "reason", "summary"}) {
    if (record.is_object() && record.contains(key)) out[key] = record[key];
  }
  return out;
}

// One stored record replayed on the rule set version it names (rules::ReplayDecision): `same`
// when the replay gives the record back field for field. A record that cannot be replayed
// (edited into something no evaluation makes, its version gone) is a finding, not a failure of
// the request.
json ReplayOne(rules::RuleStore& store, const cases::StoredDecisionRecord& stored) {
  json out = {{"source", stored.source}, {"at", FormatRfc3339(stored.at)}};
  if (stored.event_seq) out["event_seq"] = *stored.event_seq;
  const json record = json::parse(stored.record_json, nullptr, /*allow_exceptions=*/false);
  out["rule_set_version"] =
      record.is_object() && record.contains("rule_set_version") ? record["rule_set_version"] : json();
  out["recorded"] = Outcome(record);
  out["record"] = record.is_discarded() ? json(stored.record_json) : record;
  if (record.is_discarded() || !record.is_object()) {
    out["same"] = false;
    out["replayed"] = nullptr;
    out["error"] = "the stored record is not a JSON object";
    return out;
  }
  if (const auto reason = record.find("reason");
      reason != record.end() && reason->is_string() && reason->get_ref<const std::string&>() == rules::kReasonNoRules) {
    // No rules decided: nothing was evaluated, so there is nothing to replay.
    out["same"] = true;
    out["replayed"] = nullptr;
    out["error"] = nullptr;
    out["note"] = "no_rules";
    return out;
  }
  auto replayed = rules::ReplayDecision(store, workflow::ValueFromJson(record));
  if (!replayed) {
    out["same"] = false;
    out["replayed"] = nullptr;
    out["error"] = replayed.error().message;
    return out;
  }
  const json again = workflow::ValueToJson(*replayed);
  const std::vector<std::string> differences = Differences(record, again);
  out["same"] = differences.empty();
  out["replayed"] = Outcome(again);
  out["differences"] = differences;
  if (!differences.empty()) out["replayed_record"] = again;
  out["error"] = nullptr;
  return out;
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

  // 秒批 decisions explained and replayed: every record kept with the case evaluated again on
  // its own inputs and the rule set version it names (no registry asked). For reviewing staff
  // and supervisors who may see the case; an audit record of the reading.
  AddRoute(router, ctx, http::Method::kGet, "/api/v1/cases/{id}/decision/replay", "rules.read",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             if (ctx.rules == nullptr || ctx.cases == nullptr) {
               return Fail(Error::Unavailable("the rules module is not configured"));
             }
             auto stored = ctx.cases->DecisionRecords(*p, r.PathParam("id"));
             if (!stored) return std::unexpected(stored.error());
             json replays = json::array();
             bool ok = true;
             for (const auto& record : stored->records) {
               json one = ReplayOne(*ctx.rules, record);
               ok = ok && one["same"].get<bool>();
               replays.push_back(std::move(one));
             }
             return http::Response::Json(200, {{"case_id", stored->case_id},
                                               {"number", stored->number ? json(*stored->number) : json()},
                                               {"item_code", stored->item_code},
                                               {"status", stored->status},
                                               {"ok", ok},
                                               {"replays", replays}});
           });
}

}  // namespace wangban::api
