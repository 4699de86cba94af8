// Audit routes: verification of the tamper-evident audit trail (docs/audit.md). A case's own
// trail is served with the case routes.
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/audit/audit.hpp"
#include "wangban/cases/service.hpp"

namespace wangban::api {
namespace {

using identity::Principal;
using nlohmann::json;

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json ReportJson(const audit::VerifyReport& report) {
  json first_bad = nullptr;
  if (report.first_bad) {
    const auto& bad = *report.first_bad;
    first_bad = {{"id", OrNull(bad.id)},
                 {"stream", OrNull(bad.stream)},
                 {"seq", bad.seq},
                 {"reason", bad.reason},
                 {"message", bad.message}};
  }
  json last = nullptr;
  if (report.last_checkpoint) {
    last = {{"seq", report.last_checkpoint->seq},
            {"id", report.last_checkpoint->id},
            {"at", FormatRfc3339(report.last_checkpoint->at)},
            {"records", report.last_checkpoint->records}};
  }
  return {{"ok", report.ok},
          {"records", report.records},
          {"streams", report.streams},
          {"checkpoints", report.checkpoints},
          {"unsigned_records", report.unsigned_records},
          {"problems", report.problems},
          {"last_checkpoint", last},
          {"first_bad", first_bad}};
}

json NumbersJson(const std::string& date, const std::string& scope, const std::vector<cases::NumberReport>& reports) {
  json regions = json::array();
  bool ok = true;
  for (const cases::NumberReport& r : reports) {
    if (!identity::RegionCovers(scope, r.region)) continue;
    json voids = json::array(), unaccounted = json::array();
    for (const auto& v : r.void_numbers) voids.push_back({{"number", r.Number(v.seq)}, {"case_id", v.case_id}});
    for (std::int64_t seq : r.unaccounted) unaccounted.push_back(r.Number(seq));
    regions.push_back({{"region", r.region},
                       {"issued", r.last},
                       {"on_cases", r.on_cases},
                       {"void", voids},
                       {"unaccounted", unaccounted},
                       {"inconsistent", r.inconsistent},
                       {"ok", r.ok()}});
    ok = ok && r.ok();
  }
  return {{"date", date}, {"scope", scope}, {"regions", regions}, {"ok", ok}};
}

}  // namespace

void RegisterAuditRoutes(http::Router& router, ApiContext& ctx) {
  // Walks the whole trail: O(records). A damaged trail is a 200 with ok=false; the answer is a
  // finding about the data, not a failure of the request.
  AddRoute(router, ctx, http::Method::kGet, "/api/v1/audit/verify", "audit.verify",
           [&ctx](http::Request&, const Principal*) -> http::HandlerResult {
             auto report = ctx.audit->Verify();
             if (!report) return std::unexpected(report.error());
             return http::Response::Json(200, ReportJson(*report));
           });
  // Whether every case number issued on a day in the caller's region (and the regions under it)
  // is on a case or void (docs/cases.md, "Case numbers"). A finding about the data is a 200
  // with ok=false.
  AddRoute(router, ctx, http::Method::kGet, "/api/v1/audit/numbers", "audit.verify",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             const std::string date = r.Query("date").value_or("");
             if (date.empty()) return Fail(Error::Validation({{"date", "required", "the day, YYYY-MM-DD"}}));
             auto reports = cases::CheckNumbers(ctx.db, date);
             if (!reports) return std::unexpected(reports.error());
             return http::Response::Json(200, NumbersJson(date, p->region, *reports));
           });
}

}  // namespace wangban::api
