// Catalog routes: the public catalog (departments, regions, item search and guides, figures)
// and its administration (drafts, publishing, batches, import and export, the 四级四同 report).
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/paging.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/catalog/store.hpp"
#include "wangban/catalog/table.hpp"
#include "wangban/http/json.hpp"
#include "wangban/identity/policy.hpp"
#include "wangban/sheets/sheets.hpp"

namespace wangban::api {
namespace {

using identity::Principal;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr std::size_t kMaxImportBytes = std::size_t{32} << 20;

json OptionalTime(const std::optional<Timestamp>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

json SharesJson(const catalog::Shares& s) {
  auto pct = [&](std::int64_t n) {
    return s.items == 0 ? 0.0 : static_cast<double>(n * 1000 / s.items) / 10.0;  // one decimal, rounded down
  };
  return {{"items", s.items},
          {"online", s.online},
          {"online_pct", pct(s.online)},
          {"instant", s.instant},
          {"instant_pct", pct(s.instant)},
          {"promised_half", s.promised_half},
          {"promised_half_pct", pct(s.promised_half)}};
}

json SummaryJson(const catalog::ItemSummary& s) {
  json audience = json::array();
  for (const char* a : {"person", "company", "organization"}) {
    if (s.audience & catalog::AudienceBit(a).value_or(0)) audience.push_back(a);
  }
  return {{"code", s.code},
          {"basic_code", s.basic_code},
          {"name", s.name},
          {"type", s.type},
          {"type_name", catalog::TypeName(s.type)},
          {"level", s.level},
          {"department", s.department},
          {"department_name", s.department_name},
          {"region", s.region},
          {"online", s.online},
          {"instant", s.instant},
          {"legal_limit_days", s.legal_limit_days},
          {"promised_limit_days", s.promised_limit_days},
          {"audience", audience},
          {"has_fees", s.has_fees},
          {"process_key", s.process_key},
          {"version", s.version}};
}

// The whole guide: the stored document with what the server knows about it.
http::Response ItemDocument(const catalog::StoredItem& stored) {
  ordered_json doc = ordered_json::parse(stored.document);
  doc["code"] = stored.code;
  doc["version"] = stored.version;
  doc["status"] = stored.status;
  doc["published_at"] = stored.published_at ? ordered_json(FormatRfc3339(*stored.published_at)) : ordered_json();
  doc["batch"] = stored.batch ? ordered_json(*stored.batch) : ordered_json();
  doc["type_name"] = catalog::TypeName(doc.value("type", ""));
  doc["level_name"] = catalog::LevelName(doc.value("level", 0));
  doc["department_name"] = stored.department_name;
  doc["region_name"] = stored.region_name;
  return http::Response::Text(200, doc.dump(), "application/json");
}

json DeviationsJson(const std::vector<catalog::Deviation>& deviations) {
  json out = json::array();
  for (const auto& d : deviations) {
    json items = json::array();
    for (const auto& i : d.items) {
      items.push_back({{"code", i.code},
                       {"name", i.name},
                       {"type", i.type},
                       {"level", i.level},
                       {"department", i.department},
                       {"region", i.region}});
    }
    out.push_back({{"basic_code", d.basic_code}, {"fields", d.fields}, {"items", items}});
  }
  return out;
}

Result<std::optional<bool>> BoolQuery(const http::Request& r, std::string_view name, FieldErrors& errors) {
  auto v = r.Query(name);
  if (!v || v->empty()) return std::optional<bool>();
  if (*v == "true" || *v == "1") return std::optional<bool>(true);
  if (*v == "false" || *v == "0") return std::optional<bool>(false);
  errors.Add(std::string(name), "format", "true or false");
  return std::optional<bool>();
}

// The item document of a create or update body, in its key order (form fields keep theirs).
Result<catalog::Item> ReadItemBody(const http::Request& r) {
  auto doc = ordered_json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Fail(Error::BadRequest("the body is not valid JSON", "malformed_json"));
  if (!doc.is_object()) return Fail(Error::BadRequest("the body must be a JSON object", "expected_object"));
  // Fields the server adds when it answers may come back on a save; they are not the item's.
  for (const char* added : {"code", "version", "status", "published_at", "batch", "type_name", "level_name",
                            "department_name", "region_name"}) {
    doc.erase(added);
  }
  return catalog::ItemFromJson(doc);
}

// Catalog administrators manage the items of their region (an administrator of 460000 the
// whole province).
Result<void> AuthorizeItemRegion(const Principal& p, std::string_view region) {
  if (identity::RegionCovers(p.region, region)) return {};
  return Fail(Error{.code = ErrorCode::kForbidden,
                    .message = "the item belongs to a region outside yours",
                    .reason = "out_of_scope"});
}

bool CanReadDrafts(const Principal* p) { return p && identity::Authorize(p, "catalog.review").has_value(); }

constexpr http::RouteOptions kItemBody{.body = http::BodyKind::kJson, .max_body_bytes = 512 * 1024};

}  // namespace

void RegisterCatalogRoutes(http::Router& router, ApiContext& ctx) {
  AddRoute(router, ctx, http::Method::kGet, "/api/v1/departments", "catalog.read",
           [&ctx](http::Request&, const Principal*) -> http::HandlerResult {
             auto departments = ctx.catalog->Departments();
             if (!departments) return std::unexpected(departments.error());
             json items = json::array();
             for (const auto& d : *departments) {
               items.push_back({{"code", d.code},
                                {"name", d.name},
                                {"region", d.region},
                                {"level", d.level},
                                {"parent", d.parent ? json(*d.parent) : json(nullptr)},
                                {"phone", d.phone}});
             }
             return http::Response::Json(200, {{"items", items}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/regions", "catalog.read",
           [&ctx](http::Request&, const Principal*) -> http::HandlerResult {
             auto regions = ctx.catalog->Regions();
             if (!regions) return std::unexpected(regions.error());
             json items = json::array();
             for (const auto& r : *regions) {
               items.push_back({{"code", r.code},
                                {"name", r.name},
                                {"level", r.level},
                                {"parent", r.parent ? json(*r.parent) : json(nullptr)}});
             }
             return http::Response::Json(200, {{"items", items}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/items", "catalog.read",
           [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
             auto page = ReadPage(r);
             if (!page) return std::unexpected(page.error());
             FieldErrors errors;
             catalog::ItemFilter filter;
             filter.q = r.Query("q").value_or("");
             if (filter.q.size() > 200) errors.Add("q", "too_long", "a query is at most 200 bytes");
             if (auto t = r.Query("type"); t && !t->empty()) {
               if (catalog::TypeName(*t).empty()) errors.Add("type", "enum", "a type code: 01-10 or 20");
               filter.type = *t;
             }
             if (auto l = r.Query("level"); l && !l->empty()) {
               if (l->size() != 1 || (*l)[0] < '1' || (*l)[0] > '6') {
                 errors.Add("level", "enum", "a level from 1 to 6");
               } else {
                 filter.level = (*l)[0] - '0';
               }
             }
             if (auto d = r.Query("department"); d && !d->empty()) filter.department = *d;
             if (auto g = r.Query("region"); g && !g->empty()) {
               if (g->size() > 12 || g->find_first_not_of("0123456789") != std::string::npos) {
                 errors.Add("region", "format", "a region code (digits)");
               } else {
                 filter.region = *g;
               }
             }
             if (auto a = r.Query("audience"); a && !a->empty()) {
               filter.audience = catalog::AudienceBit(*a);
               if (!filter.audience) errors.Add("audience", "enum", "person, company or organization");
             }
             auto online = BoolQuery(r, "online", errors);
             filter.online = *online;
             if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
             auto result = ctx.catalog->Search(filter, page->limit, page->after);
             if (!result) return std::unexpected(result.error());
             json items = json::array();
             for (const auto& s : result->items) items.push_back(SummaryJson(s));
             return http::Response::Json(
                 200, {{"items", items},
                       {"next_cursor", result->next_after ? json(EncodeCursor(*result->next_after)) : json(nullptr)},
                       {"total", result->total}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/items/{code}", "catalog.read",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             const std::string code(r.PathParam("code"));
             FieldErrors errors;
             auto draft = BoolQuery(r, "draft", errors);
             std::optional<int> version;
             if (auto v = r.Query("version"); v && !v->empty()) {
               try {
                 std::size_t used = 0;
                 version = std::stoi(*v, &used);
                 if (used != v->size() || *version < 1) throw std::out_of_range("version");
               } catch (...) {
                 errors.Add("version", "format", "a version number from 1");
               }
             }
             if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
             Result<catalog::StoredItem> stored = Fail(Error::NotFound());
             if (draft->value_or(false)) {
               if (!CanReadDrafts(p)) return Fail(p ? Error::Forbidden("drafts are for catalog staff") : Error::Unauthenticated());
               stored = ctx.catalog->GetDraft(code);
             } else if (version) {
               stored = ctx.catalog->GetVersion(code, *version);
               // An unpublished draft is not public, whatever its number.
               if (stored && stored->status == "draft" && !CanReadDrafts(p)) return Fail(Error::NotFound());
             } else {
               stored = ctx.catalog->GetPublished(code);
             }
             if (!stored) return std::unexpected(stored.error());
             return ItemDocument(*stored);
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/items/{code}/versions", "catalog.review",
           [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
             auto versions = ctx.catalog->Versions(r.PathParam("code"));
             if (!versions) return std::unexpected(versions.error());
             json items = json::array();
             for (const auto& v : *versions) {
               items.push_back({{"version", v.version},
                                {"status", v.status},
                                {"created_at", FormatRfc3339(v.created_at)},
                                {"created_by", v.created_by},
                                {"published_at", OptionalTime(v.published_at)},
                                {"published_by", v.published_by ? json(*v.published_by) : json(nullptr)},
                                {"batch", v.batch ? json(*v.batch) : json(nullptr)}});
             }
             return http::Response::Json(200, {{"items", items}});
           });

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/items", "catalog.manage",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto item = ReadItemBody(r);
        if (!item) return std::unexpected(item.error());
        if (auto ok = AuthorizeItemRegion(*p, item->region); !ok) return std::unexpected(ok.error());
        auto saved = ctx.catalog->SaveDraft(*item, p->user_id, /*create=*/true);
        if (!saved) return std::unexpected(saved.error());
        return http::Response::Json(201, {{"code", saved->code}, {"version", saved->version}, {"status", "draft"}});
      },
      kItemBody);

  AddRoute(
      router, ctx, http::Method::kPut, "/api/v1/items/{code}", "catalog.manage",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto item = ReadItemBody(r);
        if (!item) return std::unexpected(item.error());
        if (item->implementation_code != r.PathParam("code")) {
          return Fail(Error::Validation({{"implementation_code", "mismatch",
                                          "the document's implementation_code differs from the path"}}));
        }
        if (auto ok = AuthorizeItemRegion(*p, item->region); !ok) return std::unexpected(ok.error());
        // The stored item's region counts too: moving an item out of one's region is not allowed.
        auto current = ctx.catalog->GetDraft(item->implementation_code);
        if (!current) current = ctx.catalog->GetPublished(item->implementation_code);
        if (current) {
          auto stored = catalog::ItemFromText(current->document, false);
          if (stored) {
            if (auto ok = AuthorizeItemRegion(*p, stored->region); !ok) return std::unexpected(ok.error());
          }
        }
        auto saved = ctx.catalog->SaveDraft(*item, p->user_id, /*create=*/false);
        if (!saved) return std::unexpected(saved.error());
        return http::Response::Json(200, {{"code", saved->code},
                                          {"version", saved->version},
                                          {"status", saved->changed ? "draft" : "unchanged"},
                                          {"changed", saved->changed}});
      },
      kItemBody);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/items/{code}/publish", "catalog.manage",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        std::optional<std::string> batch;
        if (!r.body.empty()) {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          if (auto b = body->find("batch"); b != body->end() && !b->is_null()) {
            if (!b->is_string()) return Fail(Error::Validation({{"batch", "type", "the batch name is text"}}));
            batch = b->get<std::string>();
          }
        }
        const std::string code(r.PathParam("code"));
        auto draft = ctx.catalog->GetDraft(code);
        if (draft) {
          auto item = catalog::ItemFromText(draft->document, false);
          if (item) {
            if (auto ok = AuthorizeItemRegion(*p, item->region); !ok) return std::unexpected(ok.error());
          }
        }
        auto published = ctx.catalog->Publish(code, batch, p->user_id);
        if (!published) return std::unexpected(published.error());
        return http::Response::Json(200, {{"code", published->code},
                                          {"version", published->version},
                                          {"status", "published"},
                                          {"batch", batch ? json(*batch) : json(nullptr)},
                                          {"deviations", DeviationsJson(published->deviations)}});
      },
      {.body = http::BodyKind::kJson, .max_body_bytes = 4096});

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/catalog/batches", "catalog.manage",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto body = http::ParseJsonObject(r);
        if (!body) return std::unexpected(body.error());
        FieldErrors errors;
        std::string name;
        std::vector<std::string> codes;
        if (auto n = body->find("name"); n == body->end() || !n->is_string() || n->get<std::string>().empty()) {
          errors.Add("name", "required", "the batch name, e.g. 第一批不见面事项");
        } else {
          name = n->get<std::string>();
        }
        if (auto c = body->find("codes"); c == body->end() || !c->is_array() || c->empty()) {
          errors.Add("codes", "required", "the codes of the items to publish");
        } else {
          for (std::size_t i = 0; i < c->size(); ++i) {
            if (!(*c)[i].is_string()) {
              errors.Add("codes[" + std::to_string(i) + "]", "type", "an item code");
            } else {
              codes.push_back((*c)[i].get<std::string>());
            }
          }
        }
        if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
        for (std::size_t i = 0; i < codes.size(); ++i) {
          auto draft = ctx.catalog->GetDraft(codes[i]);
          if (!draft) continue;  // reported by PublishBatch
          auto item = catalog::ItemFromText(draft->document, false);
          if (item && !identity::RegionCovers(p->region, item->region)) {
            return Fail(Error{.code = ErrorCode::kForbidden,
                              .message = "codes[" + std::to_string(i) + "] belongs to a region outside yours",
                              .reason = "out_of_scope"});
          }
        }
        auto published = ctx.catalog->PublishBatch(codes, name, p->user_id);
        if (!published) return std::unexpected(published.error());
        json items = json::array();
        std::string batch_id;
        for (const auto& x : *published) {
          items.push_back({{"code", x.code}, {"version", x.version}});
          batch_id = x.batch_id.value_or("");
        }
        return http::Response::Json(201, {{"id", batch_id}, {"name", name}, {"items", items}});
      },
      {.body = http::BodyKind::kJson, .max_body_bytes = 1 << 20});

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/catalog/drafts", "catalog.review",
           [&ctx](http::Request&, const Principal* p) -> http::HandlerResult {
             auto drafts = ctx.catalog->Drafts(p->region);
             if (!drafts) return std::unexpected(drafts.error());
             json items = json::array();
             for (const auto& d : *drafts) {
               items.push_back({{"code", d.code},
                                {"name", d.name},
                                {"department", d.department},
                                {"region", d.region},
                                {"version", d.version},
                                {"created_at", FormatRfc3339(d.created_at)},
                                {"created_by", d.created_by}});
             }
             return http::Response::Json(200, {{"items", items}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/catalog/consistency", "catalog.review",
           [&ctx](http::Request&, const Principal*) -> http::HandlerResult {
             auto report = ctx.catalog->Consistency();
             if (!report) return std::unexpected(report.error());
             return http::Response::Json(200, {{"deviations", DeviationsJson(*report)}, {"count", report->size()}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/catalog/figures", "catalog.read",
           [&ctx](http::Request&, const Principal*) -> http::HandlerResult {
             auto figures = ctx.catalog->ComputeFigures();
             if (!figures) return std::unexpected(figures.error());
             json by_department = json::array();
             for (const auto& d : figures->by_department) {
               json j = SharesJson(d.shares);
               j["department"] = d.department;
               j["name"] = d.name;
               by_department.push_back(std::move(j));
             }
             json by_level = json::array();
             for (const auto& l : figures->by_level) {
               json j = SharesJson(l.shares);
               j["level"] = l.level;
               j["level_name"] = catalog::LevelName(l.level);
               by_level.push_back(std::move(j));
             }
             return http::Response::Json(
                 200, {{"overall", SharesJson(figures->overall)}, {"by_department", by_department}, {"by_level", by_level}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/items/export", "catalog.review",
           [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
             const std::string format = r.Query("format").value_or("xlsx");
             if (format != "xlsx" && format != "csv") {
               return Fail(Error::Validation({{"format", "enum", "xlsx or csv"}}));
             }
             auto all = ctx.catalog->AllPublished();
             if (!all) return std::unexpected(all.error());
             std::vector<sheets::Row> rows = {catalog::ItemColumns()};
             rows.reserve(all->size() + 1);
             for (const auto& stored : *all) {
               auto item = catalog::ItemFromText(stored.document, false);
               if (!item) return std::unexpected(item.error());
               rows.push_back(catalog::ItemToRow(*item, stored.department_name));
             }
             http::Response response;
             if (format == "csv") {
               response = http::Response::Text(200, sheets::WriteCsv(rows), "text/csv; charset=utf-8");
             } else {
               auto bytes = sheets::WriteXlsx({{"事项目录", std::move(rows)}});
               if (!bytes) return std::unexpected(bytes.error());
               response = http::Response::Text(200, std::move(*bytes), std::string(kXlsxType));
             }
             response.headers.emplace_back("content-disposition",
                                           "attachment; filename=\"catalog." + format + "\"; filename*=UTF-8''" +
                                               "%E4%BA%8B%E9%A1%B9%E7%9B%AE%E5%BD%95." + format);
             return response;
           });

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/items/import", "catalog.manage",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        FieldErrors errors;
        auto publish = BoolQuery(r, "publish", errors);
        std::optional<std::string> batch = r.Query("batch");
        if (batch && batch->empty()) batch.reset();
        if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
        const std::string type(r.Header("content-type").value_or(""));
        const std::string base = type.substr(0, type.find(';'));
        if (base != "text/csv" && base != kXlsxType && base != "application/octet-stream") {
          return Fail(Error{.code = ErrorCode::kUnsupportedMediaType,
                            .message = "send the spreadsheet as text/csv (UTF-8) or " + std::string(kXlsxType)});
        }
        auto sheets = sheets::ReadTable(r.body);
        if (!sheets) return std::unexpected(sheets.error());
        if (sheets->empty()) return Fail(Error::Validation({{"rows", "required", "the file holds no sheet"}}));
        auto table = catalog::ItemsFromTable(sheets->front().rows);
        if (!table) return std::unexpected(table.error());
        for (const auto& item : table->items) {
          if (!identity::RegionCovers(p->region, item.region)) {
            return Fail(Error{.code = ErrorCode::kForbidden,
                              .message = "the item " + item.implementation_code + " belongs to a region outside yours",
                              .reason = "out_of_scope"});
          }
        }
        auto result = ctx.catalog->Import(table->items, p->user_id,
                                          {.publish = publish->value_or(false), .batch = batch});
        if (!result) return std::unexpected(catalog::RowError(result.error(), *table));
        return http::Response::Json(200, {{"rows", table->items.size()},
                                          {"created", result->created},
                                          {"updated", result->updated},
                                          {"unchanged", result->unchanged},
                                          {"published", result->published},
                                          {"batch_id", result->batch_id ? json(*result->batch_id) : json(nullptr)},
                                          {"ignored_columns", table->ignored_columns}});
      },
      {.body = http::BodyKind::kRaw, .max_body_bytes = kMaxImportBytes});
}

}  // namespace wangban::api
