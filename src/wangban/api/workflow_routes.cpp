// Calendar and process routes: working-day arithmetic, loading a calendar year, reading and
// deploying BPMN processes.
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/common/calendar.hpp"
#include "wangban/workflow/bpmn_parser.hpp"
#include "wangban/workflow/calendar_store.hpp"
#include "wangban/workflow/engine.hpp"

namespace wangban::api {
namespace {

using identity::Principal;

bool IsXml(std::optional<std::string_view> ct) {
  if (!ct) return false;
  std::string_view base = ct->substr(0, ct->find(';'));
  return base == "application/xml" || base == "text/xml" || base == "application/bpmn+xml";
}

}  // namespace

void RegisterWorkflowRoutes(http::Router& router, ApiContext& ctx) {
  AddRoute(router, ctx, http::Method::kGet, "/api/v1/calendar/working-days", "calendar.read",
           [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
             FieldErrors errors;
             const auto from_text = r.Query("from");
             const auto days_text = r.Query("days");
             std::optional<std::chrono::year_month_day> from;
             int days = 0;
             if (!from_text) {
               errors.Add("from", "required", "a date, YYYY-MM-DD");
             } else if (!(from = ParseIsoDate(*from_text))) {
               errors.Add("from", "format", "a date, YYYY-MM-DD");
             }
             if (!days_text) {
               errors.Add("days", "required", "a number of working days");
             } else {
               try {
                 std::size_t used = 0;
                 days = std::stoi(*days_text, &used);
                 if (used != days_text->size() || days < 0 || days > 3650) throw std::out_of_range("days");
               } catch (...) {
                 errors.Add("days", "format", "a whole number from 0 to 3650");
               }
             }
             if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
             auto date = ctx.calendar->AddWorkingDays(*from, days);
             if (!date) {
               if (date.error().reason == "calendar_year_missing") {
                 return Fail(Error::Validation({{"days", "calendar_year_missing", date.error().message}},
                                               "the calendar does not cover the result yet"));
               }
               return std::unexpected(date.error());
             }
             return http::Response::Json(200, {{"date", FormatIsoDate(*date)}, {"from", *from_text}, {"days", days}});
           });

  AddRoute(
      router, ctx, http::Method::kPut, "/api/v1/calendar/{year}", "calendar.load",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        int year = 0;
        try {
          std::size_t used = 0;
          const std::string text(r.PathParam("year"));
          year = std::stoi(text, &used);
          if (used != text.size() || year < 2000 || year > 2100) throw std::out_of_range("year");
        } catch (...) {
          return Fail(Error::Validation({{"year", "format", "a year from 2000 to 2100"}}));
        }
        auto stored = workflow::StoreCalendarYear(ctx.db, ctx.clock, r.body, year, p->user_id);
        if (!stored) return std::unexpected(stored.error());
        if (auto loaded = ctx.calendar->LoadYear(r.body); !loaded) return std::unexpected(loaded.error());
        int off = 0, worked = 0;
        for (const auto& d : stored->days) (d.off_day ? off : worked) += 1;
        return http::Response::Json(200, {{"year", year}, {"holidays", off}, {"make_up_working_days", worked}});
      },
      {.body = http::BodyKind::kJson, .max_body_bytes = 256 * 1024});

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/processes/{key}", "process.read",
           [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
             std::optional<int> version;
             if (auto v = r.Query("version")) {
               try {
                 version = std::stoi(*v);
               } catch (...) {
                 return Fail(Error::Validation({{"version", "format", "a version number"}}));
               }
             }
             auto text = ctx.workflow->DefinitionText(r.PathParam("key"), version);
             if (!text) return std::unexpected(text.error());
             return http::Response::Text(200, std::move(*text), "application/xml; charset=utf-8");
           });

  AddRoute(
      router, ctx, http::Method::kPut, "/api/v1/processes/{key}", "process.deploy",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        if (!IsXml(r.Header("content-type"))) {
          return Fail(Error{.code = ErrorCode::kUnsupportedMediaType,
                            .message = "send the BPMN 2.0 XML as application/xml"});
        }
        // The process id in the document must be the key in the path.
        auto parsed = workflow::ParseBpmn(r.body);
        if (!parsed) return std::unexpected(parsed.error());
        const std::string parsed_key = parsed->key;
        if (parsed_key != r.PathParam("key")) {
          return Fail(Error::Validation({{"process.id", "mismatch",
                                          "the process id in the document (" + parsed_key +
                                              ") differs from the path (" + std::string(r.PathParam("key")) + ")"}}));
        }
        auto deployed = ctx.workflow->Deploy(r.body, p->user_id);
        if (!deployed) return std::unexpected(deployed.error());
        return http::Response::Json(deployed->created ? 201 : 200, {{"key", deployed->key},
                                                                    {"version", deployed->version},
                                                                    {"name", deployed->name},
                                                                    {"created", deployed->created}});
      },
      {.body = http::BodyKind::kRaw, .max_body_bytes = 2 << 20});
}

}  // namespace wangban::api
