// Case and task routes: applicants' drafts, materials, submission, withdrawal and resubmission;
// staff work lists, claims and decisions. The rules live in cases/service.hpp.
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/idempotency.hpp"
#include "wangban/api/paging.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/audit/audit.hpp"
#include "wangban/cases/service.hpp"
#include "wangban/files/files.hpp"
#include "wangban/http/json.hpp"

namespace wangban::api {
namespace {

using identity::Principal;
using nlohmann::json;

constexpr http::RouteOptions kJsonBody{.body = http::BodyKind::kJson, .max_body_bytes = 256 * 1024};

http::Response CaseJson(int status, const cases::CaseResult& r) {
  return http::Response::Text(status, r.view_json, "application/json");
}

// The form keeps the key order the applicant sent (ParseJsonObject sorts keys).
Result<std::string> OrderedForm(const http::Request& r) {
  auto doc = nlohmann::ordered_json::parse(r.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return Fail(Error::BadRequest("the body is not a JSON object", "malformed_json"));
  auto it = doc.find("form");
  if (it == doc.end() || it->is_null()) return std::string("{}");
  if (!it->is_object()) return Fail(Error::Validation({{"form", "type", "the form is a JSON object"}}));
  return it->dump();
}

std::string Caller(const Principal* p) { return p ? p->user_id : "-"; }

// A case number as the list filter takes it: <6-digit region>-<YYYYMMDD>-<sequence of 6 or more digits>.
bool IsCaseNumberText(std::string_view s) {
  if (s.size() < 22 || s.size() > 40 || s[6] != '-' || s[15] != '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 6 || i == 15) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace

void RegisterCaseRoutes(http::Router& router, ApiContext& ctx) {
  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/cases", "case.create",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        return WithIdempotency(ctx.db, ctx.clock, r, Caller(p), [&]() -> http::HandlerResult {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          auto code = body->find("item_code");
          if (code == body->end() || !code->is_string() || code->get<std::string>().empty()) {
            return Fail(Error::Validation({{"item_code", "required", "the code of the item to apply for"}}));
          }
          auto form = OrderedForm(r);
          if (!form) return std::unexpected(form.error());
          auto created = ctx.cases->Create(*p, code->get<std::string>(), *form);
          if (!created) return std::unexpected(created.error());
          return CaseJson(201, *created);
        });
      },
      kJsonBody);

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/cases", "case.read",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             auto page = ReadPage(r);
             if (!page) return std::unexpected(page.error());
             cases::CaseListFilter filter{.limit = page->limit, .after = page->after};
             if (auto s = r.Query("status"); s && !s->empty()) filter.status = *s;
             if (auto n = r.Query("number"); n && !n->empty()) {
               if (!IsCaseNumberText(*n)) {
                 return Fail(Error::Validation({{"number", "format", "a case number such as 460100-20261121-000123"}}));
               }
               filter.number = *n;
             }
             auto list = ctx.cases->List(*p, filter);
             if (!list) return std::unexpected(list.error());
             json out = {{"items", json::parse(list->items_json)},
                         {"next_cursor", list->next_after ? json(EncodeCursor(*list->next_after)) : json(nullptr)}};
             return http::Response::Json(200, out);
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/cases/{id}", "case.read",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             auto c = ctx.cases->Get(*p, r.PathParam("id"));
             if (!c) return std::unexpected(c.error());
             return CaseJson(200, *c);
           });

  AddRoute(
      router, ctx, http::Method::kPatch, "/api/v1/cases/{id}", "case.edit",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto form = OrderedForm(r);
        if (!form) return std::unexpected(form.error());
        auto c = ctx.cases->PatchForm(*p, r.PathParam("id"), *form);
        if (!c) return std::unexpected(c.error());
        return CaseJson(200, *c);
      },
      kJsonBody);

  AddRoute(
      router, ctx, http::Method::kPut, "/api/v1/cases/{id}/materials/{material_code}", "case.edit",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto body = http::ParseJsonObject(r);
        if (!body) return std::unexpected(body.error());
        cases::CaseService::MaterialInput input;
        FieldErrors errors;
        if (auto f = body->find("file_id"); f != body->end() && !f->is_null()) {
          f->is_string() ? void(input.file_id = f->get<std::string>()) : errors.Add("file_id", "type", "text");
        }
        if (auto l = body->find("license_id"); l != body->end() && !l->is_null()) {
          l->is_string() ? void(input.license_id = l->get<std::string>()) : errors.Add("license_id", "type", "text");
        }
        if (auto c = body->find("commitment"); c != body->end() && !c->is_null()) {
          c->is_boolean() ? void(input.commitment = c->get<bool>()) : errors.Add("commitment", "type", "true or false");
        }
        if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
        auto c = ctx.cases->PutMaterial(*p, r.PathParam("id"), r.PathParam("material_code"), input);
        if (!c) return std::unexpected(c.error());
        return CaseJson(200, *c);
      },
      kJsonBody);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/cases/{id}/submit", "case.submit",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        return WithIdempotency(ctx.db, ctx.clock, r, Caller(p), [&]() -> http::HandlerResult {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          bool signed_commitment = false;
          if (auto c = body->find("commitment_signed"); c != body->end()) {
            if (!c->is_boolean()) return Fail(Error::Validation({{"commitment_signed", "type", "true or false"}}));
            signed_commitment = c->get<bool>();
          }
          auto c = ctx.cases->Submit(*p, r.PathParam("id"), signed_commitment);
          if (!c) return std::unexpected(c.error());
          return CaseJson(200, *c);
        });
      },
      kJsonBody);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/cases/{id}/resubmit", "case.submit",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto c = ctx.cases->Resubmit(*p, r.PathParam("id"));
        if (!c) return std::unexpected(c.error());
        return CaseJson(200, *c);
      },
      kJsonBody);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/cases/{id}/withdraw", "case.withdraw",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        std::string reason;
        if (!r.body.empty()) {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          if (auto it = body->find("reason"); it != body->end() && it->is_string()) reason = it->get<std::string>();
        }
        auto c = ctx.cases->Withdraw(*p, r.PathParam("id"), reason);
        if (!c) return std::unexpected(c.error());
        return CaseJson(200, *c);
      },
      kJsonBody);

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/cases/{id}/audit", "case.read",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             const std::string id(r.PathParam("id"));
             if (auto visible = ctx.cases->CheckVisible(*p, id); !visible) return std::unexpected(visible.error());
             auto records = audit::ListStream(ctx.db, id);
             if (!records) return std::unexpected(records.error());
             json items = json::array();
             for (const auto& rec : *records) {
               json details = json::parse(rec.details_json.empty() ? "{}" : rec.details_json, nullptr, false);
               items.push_back({{"seq", rec.seq},
                                {"at", FormatRfc3339(rec.at)},
                                {"actor", rec.actor},
                                {"action", rec.action},
                                {"subject", rec.subject},
                                {"details", details.is_discarded() ? json(rec.details_json) : details},
                                {"hash", rec.hash}});
             }
             return http::Response::Json(200, {{"items", items}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/cases/{id}/materials/{material_code}/file", "case.read",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             if (ctx.files == nullptr) return Fail(Error::Unavailable("file storage is not configured"));
             // Visibility, and the audit record of a staff download, come with the lookup.
             auto ref = ctx.cases->MaterialFile(*p, r.PathParam("id"), r.PathParam("material_code"));
             if (!ref) return std::unexpected(ref.error());
             auto content = ctx.files->Read(ref->id);
             if (!content) return std::unexpected(content.error());
             auto response = http::Response::Text(200, std::move(content->bytes), content->file.media_type);
             response.headers.emplace_back("content-disposition", files::AttachmentDisposition(content->file.name));
             response.headers.emplace_back("content-security-policy", "sandbox; default-src 'none'");
             response.headers.emplace_back("cache-control", "private, no-store");
             return response;
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/tasks", "task.work",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             const std::string state = r.Query("state").value_or("open");
             if (state != "open" && state != "done") {
               return Fail(Error::Validation({{"state", "enum", "open or done"}}));
             }
             auto page = ReadPage(r);
             if (!page) return std::unexpected(page.error());
             auto tasks = ctx.cases->Tasks(*p, state, page->limit);
             if (!tasks) return std::unexpected(tasks.error());
             return http::Response::Text(200, *tasks, "application/json");
           });

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/tasks/{id}/claim", "task.work",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto claimed = ctx.cases->Claim(*p, r.PathParam("id"));
        if (!claimed) return std::unexpected(claimed.error());
        return http::Response::Text(200, *claimed, "application/json");
      },
      kJsonBody);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/tasks/{id}/complete", "task.work",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto body = http::ParseJsonObject(r);
        if (!body) return std::unexpected(body.error());
        cases::TaskCompletion done;
        FieldErrors errors;
        auto text = [&](const char* name, std::string& out) {
          if (auto it = body->find(name); it != body->end() && !it->is_null()) {
            it->is_string() ? void(out = it->get<std::string>()) : errors.Add(name, "type", "text");
          }
        };
        text("outcome", done.outcome);
        text("opinion", done.opinion);
        text("procedure", done.procedure);
        if (done.outcome.empty() && !errors.Has("outcome")) errors.Add("outcome", "required", "the task's outcome");
        if (auto m = body->find("missing"); m != body->end() && !m->is_null()) {
          if (!m->is_array()) {
            errors.Add("missing", "type", "a list of {material_code, reason}");
          } else {
            for (std::size_t i = 0; i < m->size(); ++i) {
              const auto& e = (*m)[i];
              const std::string at = "missing[" + std::to_string(i) + "]";
              if (!e.is_object() || !e.value("material_code", json()).is_string()) {
                errors.Add(at + ".material_code", "required", "a material code, or \"form\"");
                continue;
              }
              done.missing.push_back({e["material_code"].get<std::string>(),
                                      e.value("reason", json()).is_string() ? e["reason"].get<std::string>() : ""});
            }
          }
        }
        if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
        auto c = ctx.cases->Complete(*p, r.PathParam("id"), done);
        if (!c) return std::unexpected(c.error());
        return CaseJson(200, *c);
      },
      kJsonBody);
}

}  // namespace wangban::api
