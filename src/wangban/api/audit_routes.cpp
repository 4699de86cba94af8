// Audit routes: verification of the tamper-evident audit trail (docs/audit.md). A case's own
// trail is served with the case routes.
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/audit/audit.hpp"

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
}

}  // namespace wangban::api
