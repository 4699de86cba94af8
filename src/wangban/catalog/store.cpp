#include "wangban/catalog/store.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "wangban/catalog/search.hpp"
#include "wangban/common/ids.hpp"
#include "wangban/storage/blob_store.hpp"

namespace wangban::catalog {
namespace {

using storage::Backend;
using storage::Params;
using storage::Row;
using storage::Tx;

// ---- SQL. Constant text; the two backends differ only in the full-text and string functions.

// Filters shared by every list query; a null parameter disables its condition. (Each
// parameter appears once: SOCI binds a name to one placeholder.)
#define WB_FILTERS_SQLITE                                 \
  " AND (:f_type IS NULL OR i.type = :f_type_v)"          \
  " AND (:f_level IS NULL OR i.level = :f_level_v)"       \
  " AND (:f_dept IS NULL OR i.department = :f_dept_v)"    \
  " AND (:f_region IS NULL OR i.region LIKE :f_region_v)" \
  " AND (:f_aud IS NULL OR (i.audience & :f_aud_v) <> 0)" \
  " AND (:f_online IS NULL OR i.online = :f_online_v)"
#define WB_FILTERS_PG                                                                       \
  " AND (CAST(:f_type AS TEXT) IS NULL OR i.type = CAST(:f_type_v AS TEXT))"                \
  " AND (CAST(:f_level AS INTEGER) IS NULL OR i.level = CAST(:f_level_v AS INTEGER))"       \
  " AND (CAST(:f_dept AS TEXT) IS NULL OR i.department = CAST(:f_dept_v AS TEXT))"          \
  " AND (CAST(:f_region AS TEXT) IS NULL OR i.region LIKE CAST(:f_region_v AS TEXT))"       \
  " AND (CAST(:f_aud AS INTEGER) IS NULL OR (i.audience & CAST(:f_aud_v AS INTEGER)) <> 0)" \
  " AND (CAST(:f_online AS INTEGER) IS NULL OR i.online = CAST(:f_online_v AS INTEGER))"

#define WB_SUMMARY_COLUMNS                                                                             \
  "i.code, i.basic_code, i.name, i.type, i.level, i.department, d.name AS department_name, i.region, " \
  "i.audience, i.online, i.instant, i.legal_limit_days, i.promised_limit_days, i.has_fees, "           \
  "i.process_key, i.version"

// Ranking tiers (store.hpp: Search).
#define WB_TIER(instr)                                                              \
  "CASE WHEN i.name_norm = :q1 OR lower(i.code) = :q2 OR i.basic_code = :q3 THEN 0" \
  " WHEN " instr "(i.name_norm, :q4) = 1 THEN 1 WHEN " instr                        \
  "(i.name_norm, :q5) > 0 THEN 2"                                                   \
  " WHEN " instr "(t.alias_norm, :q6) > 0 THEN 3 ELSE 4 END"

// The exact substring check of every term (not needed when each term is one token: see
// SearchQuery::exact).
#define WB_TERMS(instr) \
  " AND " instr "(t.search_text, :t1) > 0 AND " instr "(t.search_text, :t2) > 0 AND " instr "(t.search_text, :t3) > 0"

#define WB_PAGE                                                                                                        \
  ") ranked WHERE (tier, name_len, code) > (CAST(:c_tier AS INTEGER), CAST(:c_len AS INTEGER), CAST(:c_code AS TEXT))" \
  " ORDER BY tier, name_len, code LIMIT :limit"

#define WB_RANKED_SQLITE \
  "SELECT * FROM (SELECT " WB_SUMMARY_COLUMNS ", " WB_TIER("instr") " AS tier, length(i.name_norm) AS name_len"
#define WB_RANKED_PG \
  "SELECT * FROM (SELECT " WB_SUMMARY_COLUMNS ", " WB_TIER("strpos") " AS tier, char_length(i.name_norm) AS name_len"

#define WB_FTS_FROM                                                                     \
  " FROM item_search s JOIN items i ON i.id = s.rowid JOIN item_texts t ON t.id = i.id" \
  " JOIN departments d ON d.code = i.department WHERE item_search MATCH :match"
#define WB_FTS_COUNT_FROM                                                                              \
  "SELECT COUNT(*) FROM item_search s JOIN items i ON i.id = s.rowid JOIN item_texts t ON t.id = i.id" \
  " WHERE item_search MATCH :match"
#define WB_GIN_FROM                                                                            \
  " FROM item_texts t JOIN items i ON i.id = t.id JOIN departments d ON d.code = i.department" \
  " WHERE t.grams @> CAST(:match AS TEXT[])"
#define WB_GIN_COUNT_FROM \
  "SELECT COUNT(*) FROM item_texts t JOIN items i ON i.id = t.id WHERE t.grams @> CAST(:match AS TEXT[])"
#define WB_SCAN_FROM \
  " FROM item_texts t JOIN items i ON i.id = t.id JOIN departments d ON d.code = i.department WHERE 1 = 1"
#define WB_SCAN_COUNT_FROM "SELECT COUNT(*) FROM item_texts t JOIN items i ON i.id = t.id WHERE 1 = 1"

// A query: the index finds candidates; terms that are not single tokens are checked as substrings.
constexpr const char* kSearchExactSqlite = WB_RANKED_SQLITE WB_FTS_FROM WB_FILTERS_SQLITE WB_PAGE;
constexpr const char* kCountExactSqlite = WB_FTS_COUNT_FROM WB_FILTERS_SQLITE;
constexpr const char* kSearchIndexedSqlite = WB_RANKED_SQLITE WB_FTS_FROM WB_TERMS("instr") WB_FILTERS_SQLITE WB_PAGE;
constexpr const char* kCountIndexedSqlite = WB_FTS_COUNT_FROM WB_TERMS("instr") WB_FILTERS_SQLITE;
constexpr const char* kSearchScanSqlite = WB_RANKED_SQLITE WB_SCAN_FROM WB_TERMS("instr") WB_FILTERS_SQLITE WB_PAGE;
constexpr const char* kCountScanSqlite = WB_SCAN_COUNT_FROM WB_TERMS("instr") WB_FILTERS_SQLITE;

constexpr const char* kSearchExactPg = WB_RANKED_PG WB_GIN_FROM WB_FILTERS_PG WB_PAGE;
constexpr const char* kCountExactPg = WB_GIN_COUNT_FROM WB_FILTERS_PG;
constexpr const char* kSearchIndexedPg = WB_RANKED_PG WB_GIN_FROM WB_TERMS("strpos") WB_FILTERS_PG WB_PAGE;
constexpr const char* kCountIndexedPg = WB_GIN_COUNT_FROM WB_TERMS("strpos") WB_FILTERS_PG;
constexpr const char* kSearchScanPg = WB_RANKED_PG WB_SCAN_FROM WB_TERMS("strpos") WB_FILTERS_PG WB_PAGE;
constexpr const char* kCountScanPg = WB_SCAN_COUNT_FROM WB_TERMS("strpos") WB_FILTERS_PG;

// Lists without a query, by code. With a department, its index (department, code) drives the
// scan (the commonest browse); otherwise the code order stops at the page.
constexpr const char* kListSqlite = "SELECT " WB_SUMMARY_COLUMNS
                                    " FROM items i JOIN departments d ON d.code = i.department"
                                    " WHERE i.code > :c_code" WB_FILTERS_SQLITE " ORDER BY i.code LIMIT :limit";
constexpr const char* kCountListSqlite = "SELECT COUNT(*) FROM items i WHERE 1 = 1" WB_FILTERS_SQLITE;
constexpr const char* kListDeptSqlite =
    "SELECT " WB_SUMMARY_COLUMNS
    " FROM items i JOIN departments d ON d.code = i.department"
    " WHERE i.department = :dept AND i.code > :c_code" WB_FILTERS_SQLITE " ORDER BY i.department, i.code LIMIT :limit";
constexpr const char* kCountListDeptSqlite =
    "SELECT COUNT(*) FROM items i WHERE i.department = :dept" WB_FILTERS_SQLITE;
constexpr const char* kListPg = "SELECT " WB_SUMMARY_COLUMNS
                                " FROM items i JOIN departments d ON d.code = i.department"
                                " WHERE i.code > :c_code" WB_FILTERS_PG " ORDER BY i.code LIMIT :limit";
constexpr const char* kCountListPg = "SELECT COUNT(*) FROM items i WHERE 1 = 1" WB_FILTERS_PG;
constexpr const char* kListDeptPg =
    "SELECT " WB_SUMMARY_COLUMNS
    " FROM items i JOIN departments d ON d.code = i.department"
    " WHERE i.department = :dept AND i.code > :c_code" WB_FILTERS_PG " ORDER BY i.department, i.code LIMIT :limit";
constexpr const char* kCountListDeptPg = "SELECT COUNT(*) FROM items i WHERE i.department = :dept" WB_FILTERS_PG;

#undef WB_FILTERS_SQLITE
#undef WB_FILTERS_PG
#undef WB_SUMMARY_COLUMNS
#undef WB_TIER
#undef WB_TERMS
#undef WB_PAGE
#undef WB_RANKED_SQLITE
#undef WB_RANKED_PG
#undef WB_FTS_FROM
#undef WB_FTS_COUNT_FROM
#undef WB_GIN_FROM
#undef WB_GIN_COUNT_FROM
#undef WB_SCAN_FROM
#undef WB_SCAN_COUNT_FROM

constexpr const char* kUpsertItem =
    "INSERT INTO items (code, version, basic_code, name, type, level, department, region, audience, online,"
    " instant, legal_limit_days, promised_limit_days, has_fees, process_key, basis_digest, name_norm,"
    " published_at) VALUES (:code, :version, :basic_code, :name, :type, :level, :department, :region,"
    " :audience, :online, :instant, :legal, :promised, :has_fees, :process_key, :basis_digest, :name_norm,"
    " :published_at)"
    " ON CONFLICT (code) DO UPDATE SET version = excluded.version, basic_code = excluded.basic_code,"
    " name = excluded.name, type = excluded.type, level = excluded.level, department = excluded.department,"
    " region = excluded.region, audience = excluded.audience, online = excluded.online,"
    " instant = excluded.instant, legal_limit_days = excluded.legal_limit_days,"
    " promised_limit_days = excluded.promised_limit_days, has_fees = excluded.has_fees,"
    " process_key = excluded.process_key, basis_digest = excluded.basis_digest, name_norm = excluded.name_norm,"
    " published_at = excluded.published_at RETURNING id";
constexpr const char* kUpsertTextSqlite =
    "INSERT INTO item_texts (id, alias_norm, search_text) VALUES (:id, :alias_norm, :search_text)"
    " ON CONFLICT (id) DO UPDATE SET alias_norm = excluded.alias_norm, search_text = excluded.search_text";
constexpr const char* kUpsertTextPg =
    "INSERT INTO item_texts (id, alias_norm, search_text, grams) VALUES (:id, :alias_norm, :search_text,"
    " CAST(:grams AS TEXT[])) ON CONFLICT (id) DO UPDATE SET alias_norm = excluded.alias_norm,"
    " search_text = excluded.search_text, grams = excluded.grams";

constexpr const char* kVersionColumns =
    "v.code, v.document, v.version, v.status, v.created_at, v.created_by, v.published_at, b.name AS batch_name,"
    " COALESCE(d.name, '') AS department_name, COALESCE(r.name, '') AS region_name";
constexpr const char* kVersionJoins =
    " FROM item_versions v LEFT JOIN catalog_batches b ON b.id = v.batch_id"
    " LEFT JOIN departments d ON d.code = v.department LEFT JOIN regions r ON r.code = v.region";

// ---- Helpers.

// "460100" covers "4601..": the codes under a region share its code without trailing zeros
// (pairs for the 6-digit levels, triples for streets and communities).
std::string RegionPrefix(std::string_view code) {
  std::string p(code);
  if (p.size() == 12 && p.ends_with("000")) p.resize(9);
  if (p.size() == 9 && p.ends_with("000")) p.resize(6);
  while (p.size() > 2 && p.size() <= 6 && p.ends_with("00")) p.resize(p.size() - 2);
  return p;
}

std::string BasisDigest(const Item& item) {
  nlohmann::ordered_json basis = nlohmann::ordered_json::array();
  for (const auto& b : item.legal_basis) basis.push_back({{"name", b.name}, {"article", b.article}});
  return storage::Sha256Hex(basis.dump());
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

StoredItem ReadStored(const Row& row) {
  StoredItem s;
  s.code = row.Text(0);
  s.document = row.Text(1);
  s.version = static_cast<int>(row.Int(2));
  s.status = row.Text(3);
  s.created_at = FromMicros(row.Int(4));
  s.created_by = row.Text(5);
  if (auto p = row.OptInt(6)) s.published_at = FromMicros(*p);
  s.batch = row.OptText(7);
  s.department_name = row.Text(8);
  s.region_name = row.Text(9);
  return s;
}

ItemSummary ReadSummary(const Row& row) {
  ItemSummary s;
  s.code = row.Text(0);
  s.basic_code = row.Text(1);
  s.name = row.Text(2);
  s.type = row.Text(3);
  s.level = static_cast<int>(row.Int(4));
  s.department = row.Text(5);
  s.department_name = row.Text(6);
  s.region = row.Text(7);
  s.audience = static_cast<int>(row.Int(8));
  s.online = row.Bool(9);
  s.instant = row.Bool(10);
  s.legal_limit_days = static_cast<int>(row.Int(11));
  s.promised_limit_days = static_cast<int>(row.Int(12));
  s.has_fees = row.Bool(13);
  s.process_key = row.Text(14);
  s.version = static_cast<int>(row.Int(15));
  return s;
}

Error Wrap(Error e, std::string_view prefix) {
  if (prefix.empty()) return e;
  for (auto& f : e.field_errors) f.field = std::string(prefix) + f.field;
  return e;
}

struct DepartmentRef {
  std::string region;
  int level = 0;
};

// Checks what an item needs from the database: its department.
Result<void> CheckReferences(const Item& item, const std::map<std::string, DepartmentRef>& departments,
                             std::string_view prefix) {
  FieldErrors errors;
  auto it = departments.find(item.department);
  if (it == departments.end()) {
    errors.Add(std::string(prefix) + "department", "unknown_department",
               "no department has the code " + item.department);
  } else {
    if (it->second.region != item.region) {
      errors.Add(std::string(prefix) + "region", "region_mismatch",
                 "the department " + item.department + " is in region " + it->second.region);
    }
    if (it->second.level != item.level) {
      errors.Add(std::string(prefix) + "level", "level_mismatch",
                 "the department " + item.department + " is at level " + std::to_string(it->second.level));
    }
  }
  return errors.Finish();
}

Result<std::map<std::string, DepartmentRef>> LoadDepartmentRefs(Tx& tx) {
  auto rows = tx.Query("SELECT code, region, level FROM departments");
  if (!rows) return std::unexpected(rows.error());
  std::map<std::string, DepartmentRef> out;
  for (const auto& r : *rows) out[r.Text(0)] = {r.Text(1), static_cast<int>(r.Int(2))};
  return out;
}

Result<SavedDraft> SaveDraftInTx(Tx& tx, const Item& item, const std::string& document, std::string_view actor,
                                 std::optional<bool> create, Timestamp now) {
  SavedDraft saved{.code = item.implementation_code};
  auto latest =
      tx.QueryOne("SELECT version, status, digest FROM item_versions WHERE code = :c ORDER BY version DESC LIMIT 1",
                  {{"c", item.implementation_code}});
  if (!latest) return std::unexpected(latest.error());
  if (create && *create && *latest) {
    return Fail(Error::Conflict("an item with the code " + item.implementation_code + " exists", "already_exists"));
  }
  if (create && !*create && !*latest) return Fail(Error::NotFound("no item has the code " + item.implementation_code));
  const std::string digest = storage::Sha256Hex(document);
  saved.created = !*latest;
  if (*latest && (*latest)->Text(2) == digest) {
    saved.version = static_cast<int>((*latest)->Int(0));
    saved.changed = false;
    return saved;
  }
  const Params params = {{"c", item.implementation_code},
                         {"n", item.name},
                         {"dep", item.department},
                         {"r", item.region},
                         {"doc", document},
                         {"dg", digest},
                         {"t", ToMicros(now)},
                         {"a", std::string(actor)}};
  if (*latest && (*latest)->Text(1) == "draft") {
    saved.version = static_cast<int>((*latest)->Int(0));
    Params p = params;
    p.emplace_back("v", saved.version);
    auto r = tx.Exec(
        "UPDATE item_versions SET name = :n, department = :dep, region = :r, document = :doc, digest = :dg,"
        " created_at = :t, created_by = :a WHERE code = :c AND version = :v AND status = 'draft'",
        p);
    if (!r) return std::unexpected(r.error());
    return saved;
  }
  saved.version = *latest ? static_cast<int>((*latest)->Int(0)) + 1 : 1;
  Params p = params;
  p.emplace_back("v", saved.version);
  auto r = tx.Exec(
      "INSERT INTO item_versions (code, version, status, name, department, region, document, digest, created_at,"
      " created_by) VALUES (:c, :v, 'draft', :n, :dep, :r, :doc, :dg, :t, :a)",
      p);
  if (!r) return std::unexpected(r.error());
  return saved;
}

Result<std::vector<Deviation>> DeviationsInTx(Tx& tx, const std::optional<std::string>& basic_code) {
  static constexpr const char* kSql =
      "SELECT i.basic_code, i.code, i.name, i.type, i.level, i.department, i.region, i.basis_digest FROM items i"
      " WHERE i.basic_code IN (SELECT basic_code FROM items GROUP BY basic_code"
      "   HAVING COUNT(DISTINCT name) > 1 OR COUNT(DISTINCT type) > 1 OR COUNT(DISTINCT basis_digest) > 1)"
      " AND (:b IS NULL OR i.basic_code = :b2) ORDER BY i.basic_code, i.level, i.code";
  static constexpr const char* kSqlPg =
      "SELECT i.basic_code, i.code, i.name, i.type, i.level, i.department, i.region, i.basis_digest FROM items i"
      " WHERE i.basic_code IN (SELECT basic_code FROM items GROUP BY basic_code"
      "   HAVING COUNT(DISTINCT name) > 1 OR COUNT(DISTINCT type) > 1 OR COUNT(DISTINCT basis_digest) > 1)"
      " AND (CAST(:b AS TEXT) IS NULL OR i.basic_code = CAST(:b2 AS TEXT)) ORDER BY i.basic_code, i.level, i.code";
  storage::Value b = basic_code ? storage::Value(*basic_code) : storage::Value(storage::kNull);
  auto rows = tx.Query(tx.backend() == Backend::kPostgresql ? kSqlPg : kSql, {{"b", b}, {"b2", b}});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Deviation> out;
  std::vector<std::set<std::string>> names, types, bases;
  for (const auto& r : *rows) {
    if (out.empty() || out.back().basic_code != r.Text(0)) {
      out.push_back({.basic_code = r.Text(0)});
      names.emplace_back();
      types.emplace_back();
      bases.emplace_back();
    }
    out.back().items.push_back({r.Text(1), r.Text(2), r.Text(3), static_cast<int>(r.Int(4)), r.Text(5), r.Text(6)});
    names.back().insert(r.Text(2));
    types.back().insert(r.Text(3));
    bases.back().insert(r.Text(7));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (names[i].size() > 1) out[i].fields.push_back("name");
    if (types[i].size() > 1) out[i].fields.push_back("type");
    if (bases[i].size() > 1) out[i].fields.push_back("legal_basis");
  }
  return out;
}

Result<std::string> CreateBatch(Tx& tx, const std::string& name, std::string_view actor, Timestamp now) {
  if (name.empty() || name.size() > 400) {
    return Fail(Error::Validation({{"batch", "format", "a batch is named by 1 to 100 characters"}}));
  }
  std::string id = NewId();
  auto r =
      tx.Exec("INSERT INTO catalog_batches (id, name, published_at, published_by, items) VALUES (:id, :n, :t, :a, 0)",
              {{"id", id}, {"n", name}, {"t", ToMicros(now)}, {"a", std::string(actor)}});
  if (!r) return std::unexpected(r.error());
  return id;
}

Result<Published> PublishInTx(Tx& tx, std::string_view code, const std::optional<std::string>& batch_id,
                              std::string_view actor, Timestamp now, bool with_deviations) {
  auto draft = tx.QueryOne(
      "SELECT v.version, v.document, COALESCE(d.name, '') FROM item_versions v"
      " LEFT JOIN departments d ON d.code = v.department WHERE v.code = :c AND v.status = 'draft'",
      {{"c", std::string(code)}});
  if (!draft) return std::unexpected(draft.error());
  if (!*draft) {
    auto any = tx.QueryOne("SELECT 1 FROM item_versions WHERE code = :c", {{"c", std::string(code)}});
    if (!any) return std::unexpected(any.error());
    if (!*any) return Fail(Error::NotFound("no item has the code " + std::string(code)));
    return Fail(Error::Conflict("the item has no draft to publish; edit it first", "no_draft"));
  }
  const int version = static_cast<int>((*draft)->Int(0));
  auto item = ItemFromText((*draft)->Text(1), /*check_form=*/false);
  if (!item) return std::unexpected(item.error());
  const std::string department_name = (*draft)->Text(2);

  if (auto r = tx.Exec("UPDATE item_versions SET status = 'superseded' WHERE code = :c AND status = 'published'",
                       {{"c", std::string(code)}});
      !r) {
    return std::unexpected(r.error());
  }
  if (auto r = tx.Exec(
          "UPDATE item_versions SET status = 'published', published_at = :t, published_by = :a, batch_id = :b"
          " WHERE code = :c AND version = :v",
          {{"t", ToMicros(now)}, {"a", std::string(actor)}, {"b", batch_id}, {"c", std::string(code)}, {"v", version}});
      !r) {
    return std::unexpected(r.error());
  }

  std::vector<std::string> alias_parts = item->aliases;
  alias_parts.insert(alias_parts.end(), item->keywords.begin(), item->keywords.end());
  const std::string alias_norm = NormalizeForSearch(Join(alias_parts, " "));
  const std::string name_norm = NormalizeForSearch(item->name);
  std::vector<std::string> fields = {
      item->name,      Join(alias_parts, " "), department_name, Join(item->conditions, " "), item->implementation_code,
      item->basic_code};
  const std::string search_text = NormalizeForSearch(Join(fields, " | "));
  const auto tokens = SearchTokens(search_text);
  const bool pg = tx.backend() == Backend::kPostgresql;
  Params p = {{"code", item->implementation_code},
              {"version", version},
              {"basic_code", item->basic_code},
              {"name", item->name},
              {"type", item->type},
              {"level", item->level},
              {"department", item->department},
              {"region", item->region},
              {"audience", AudienceMask(item->audience)},
              {"online", item->online},
              {"instant", item->instant},
              {"legal", item->legal_limit_days},
              {"promised", item->promised_limit_days},
              {"has_fees", !item->fees.empty()},
              {"process_key", item->process_key},
              {"basis_digest", BasisDigest(*item)},
              {"name_norm", name_norm},
              {"published_at", ToMicros(now)}};
  auto id = tx.QueryOne(kUpsertItem, p);
  if (!id) return std::unexpected(id.error());
  const std::int64_t rowid = (*id)->Int(0);
  Params text = {{"id", rowid}, {"alias_norm", alias_norm}, {"search_text", search_text}};
  if (pg) {
    std::vector<std::string> unique = tokens;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    text.emplace_back("grams", PgArrayLiteral(unique));
  }
  if (auto r = tx.Exec(pg ? kUpsertTextPg : kUpsertTextSqlite, text); !r) return std::unexpected(r.error());
  if (!pg) {
    if (auto r = tx.Exec("DELETE FROM item_search WHERE rowid = :id", {{"id", rowid}}); !r) {
      return std::unexpected(r.error());
    }
    if (auto r = tx.Exec("INSERT INTO item_search (rowid, grams) VALUES (:id, :g)",
                         {{"id", rowid}, {"g", JoinTokens(tokens)}});
        !r) {
      return std::unexpected(r.error());
    }
  }
  Published out{.code = std::string(code), .version = version, .batch_id = batch_id};
  if (with_deviations) {
    auto deviations = DeviationsInTx(tx, item->basic_code);
    if (!deviations) return std::unexpected(deviations.error());
    out.deviations = std::move(*deviations);
  }
  return out;
}

Result<void> CountBatch(Tx& tx, const std::string& batch_id, std::int64_t items) {
  auto r = tx.Exec("UPDATE catalog_batches SET items = :n WHERE id = :id", {{"n", items}, {"id", batch_id}});
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace

CatalogStore::CatalogStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<void> CatalogStore::UpsertRegions(const std::vector<Region>& regions) {
  return db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto rows = tx.Query("SELECT code, level FROM regions");
    if (!rows) return std::unexpected(rows.error());
    std::map<std::string, int> levels;
    for (const auto& r : *rows) levels[r.Text(0)] = static_cast<int>(r.Int(1));
    for (const auto& r : regions) levels[r.code] = r.level;
    FieldErrors errors;
    for (std::size_t i = 0; i < regions.size(); ++i) {
      const auto& r = regions[i];
      const std::string at = "regions[" + std::to_string(i) + "].";
      if (!r.parent) continue;
      auto parent = levels.find(*r.parent);
      if (parent == levels.end()) {
        errors.Add(at + "parent", "unknown_region", "no region has the code " + *r.parent);
      } else if (parent->second >= r.level) {
        errors.Add(at + "level", "level_mismatch", "a region sits below its parent's level");
      }
    }
    if (auto e = errors.Finish(); !e) return e;
    // Parents first, so that the foreign key holds at every insert.
    std::vector<const Region*> ordered;
    for (const auto& r : regions) ordered.push_back(&r);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const Region* a, const Region* b) { return a->level < b->level; });
    for (const Region* r : ordered) {
      auto done = tx.Exec(
          "INSERT INTO regions (code, name, level, parent) VALUES (:c, :n, :l, :p)"
          " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent",
          {{"c", r->code}, {"n", r->name}, {"l", r->level}, {"p", r->parent}});
      if (!done) return std::unexpected(done.error());
    }
    return {};
  });
}

Result<void> CatalogStore::UpsertDepartments(const std::vector<Department>& departments) {
  return db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto rows = tx.Query("SELECT code, level FROM regions");
    if (!rows) return std::unexpected(rows.error());
    std::map<std::string, int> region_levels;
    for (const auto& r : *rows) region_levels[r.Text(0)] = static_cast<int>(r.Int(1));
    auto existing = tx.Query("SELECT code FROM departments");
    if (!existing) return std::unexpected(existing.error());
    std::set<std::string> known;
    for (const auto& r : *existing) known.insert(r.Text(0));
    for (const auto& d : departments) known.insert(d.code);
    FieldErrors errors;
    for (std::size_t i = 0; i < departments.size(); ++i) {
      const auto& d = departments[i];
      const std::string at = "departments[" + std::to_string(i) + "].";
      auto region = region_levels.find(d.region);
      if (region == region_levels.end()) {
        errors.Add(at + "region", "unknown_region", "no region has the code " + d.region);
      } else if (region->second != d.level) {
        errors.Add(at + "level", "level_mismatch",
                   "the region " + d.region + " is at level " + std::to_string(region->second));
      }
      if (d.parent && !known.contains(*d.parent)) {
        errors.Add(at + "parent", "unknown_department", "no department has the code " + *d.parent);
      }
    }
    if (auto e = errors.Finish(); !e) return e;
    // Insert without parents first, then set them, so the order of the list does not matter.
    for (const auto& d : departments) {
      auto done = tx.Exec(
          "INSERT INTO departments (code, name, region, level, parent, phone) VALUES (:c, :n, :r, :l, NULL, :ph)"
          " ON CONFLICT (code) DO UPDATE SET name = excluded.name, region = excluded.region, level = excluded.level,"
          " phone = excluded.phone",
          {{"c", d.code}, {"n", d.name}, {"r", d.region}, {"l", d.level}, {"ph", d.phone}});
      if (!done) return std::unexpected(done.error());
    }
    for (const auto& d : departments) {
      auto done = tx.Exec("UPDATE departments SET parent = :p WHERE code = :c", {{"p", d.parent}, {"c", d.code}});
      if (!done) return std::unexpected(done.error());
    }
    return {};
  });
}

Result<std::vector<Region>> CatalogStore::Regions() {
  return db_.TransactValue<std::vector<Region>>(storage::kReadOnly, [](Tx& tx) -> Result<std::vector<Region>> {
    auto rows = tx.Query("SELECT code, name, level, parent FROM regions ORDER BY code");
    if (!rows) return std::unexpected(rows.error());
    std::vector<Region> out;
    for (const auto& r : *rows) out.push_back({r.Text(0), r.Text(1), static_cast<int>(r.Int(2)), r.OptText(3)});
    return out;
  });
}

Result<std::vector<Department>> CatalogStore::Departments() {
  return db_.TransactValue<std::vector<Department>>(storage::kReadOnly, [](Tx& tx) -> Result<std::vector<Department>> {
    auto rows = tx.Query("SELECT code, name, region, level, parent, phone FROM departments ORDER BY level, code");
    if (!rows) return std::unexpected(rows.error());
    std::vector<Department> out;
    for (const auto& r : *rows) {
      out.push_back({r.Text(0), r.Text(1), r.Text(2), static_cast<int>(r.Int(3)), r.OptText(4), r.Text(5)});
    }
    return out;
  });
}

Result<SavedDraft> CatalogStore::SaveDraft(const Item& item, std::string_view actor, bool create) {
  const std::string document = ItemToText(item);
  return db_.TransactValue<SavedDraft>(storage::kReadWrite, [&](Tx& tx) -> Result<SavedDraft> {
    auto departments = LoadDepartmentRefs(tx);
    if (!departments) return std::unexpected(departments.error());
    if (auto ok = CheckReferences(item, *departments, ""); !ok) return std::unexpected(ok.error());
    return SaveDraftInTx(tx, item, document, actor, create, clock_.Now());
  });
}

Result<Published> CatalogStore::Publish(std::string_view code, std::optional<std::string> batch,
                                        std::string_view actor) {
  return db_.TransactValue<Published>(storage::kReadWrite, [&](Tx& tx) -> Result<Published> {
    const Timestamp now = clock_.Now();
    std::optional<std::string> batch_id;
    if (batch) {
      auto id = CreateBatch(tx, *batch, actor, now);
      if (!id) return std::unexpected(id.error());
      batch_id = *id;
    }
    auto published = PublishInTx(tx, code, batch_id, actor, now, /*with_deviations=*/true);
    if (!published) return published;
    if (batch_id) {
      if (auto r = CountBatch(tx, *batch_id, 1); !r) return std::unexpected(r.error());
    }
    return published;
  });
}

Result<std::vector<Published>> CatalogStore::PublishBatch(const std::vector<std::string>& codes, std::string batch,
                                                          std::string_view actor) {
  if (codes.empty()) return Fail(Error::Validation({{"codes", "required", "name at least one item"}}));
  return db_.TransactValue<std::vector<Published>>(storage::kReadWrite, [&](Tx& tx) -> Result<std::vector<Published>> {
    const Timestamp now = clock_.Now();
    auto batch_id = CreateBatch(tx, batch, actor, now);
    if (!batch_id) return std::unexpected(batch_id.error());
    std::vector<Published> out;
    FieldErrors errors;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      const std::string at = "codes[" + std::to_string(i) + "]";
      if (!seen.insert(codes[i]).second) {
        errors.Add(at, "duplicate", "is listed twice");
        continue;
      }
      auto p = PublishInTx(tx, codes[i], *batch_id, actor, now, /*with_deviations=*/false);
      if (!p) {
        errors.Add(at, std::string(p.error().StableCode()), p.error().message);
        continue;
      }
      out.push_back(std::move(*p));
    }
    if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
    if (auto r = CountBatch(tx, *batch_id, static_cast<std::int64_t>(out.size())); !r) {
      return std::unexpected(r.error());
    }
    return out;
  });
}

Result<StoredItem> CatalogStore::GetPublished(Tx& tx, std::string_view code) {
  auto row = tx.QueryOne(
      std::string("SELECT ") + kVersionColumns + kVersionJoins + " WHERE v.code = :c AND v.status = 'published'",
      {{"c", std::string(code)}});
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::NotFound("no published item has the code " + std::string(code)));
  return ReadStored(**row);
}

Result<StoredItem> CatalogStore::GetPublished(std::string_view code) {
  return db_.TransactValue<StoredItem>(storage::kReadOnly, [&](Tx& tx) { return GetPublished(tx, code); });
}

Result<StoredItem> CatalogStore::GetDraft(std::string_view code) {
  return db_.TransactValue<StoredItem>(storage::kReadOnly, [&](Tx& tx) -> Result<StoredItem> {
    auto row = tx.QueryOne(
        std::string("SELECT ") + kVersionColumns + kVersionJoins + " WHERE v.code = :c AND v.status = 'draft'",
        {{"c", std::string(code)}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(Error::NotFound("the item " + std::string(code) + " has no draft"));
    return ReadStored(**row);
  });
}

Result<StoredItem> CatalogStore::GetVersion(Tx& tx, std::string_view code, int version) {
  auto row =
      tx.QueryOne(std::string("SELECT ") + kVersionColumns + kVersionJoins + " WHERE v.code = :c AND v.version = :v",
                  {{"c", std::string(code)}, {"v", version}});
  if (!row) return std::unexpected(row.error());
  if (!*row)
    return Fail(Error::NotFound("the item " + std::string(code) + " has no version " + std::to_string(version)));
  return ReadStored(**row);
}

Result<StoredItem> CatalogStore::GetVersion(std::string_view code, int version) {
  return db_.TransactValue<StoredItem>(storage::kReadOnly, [&](Tx& tx) { return GetVersion(tx, code, version); });
}

Result<int> CatalogStore::PublishedVersion(Tx& tx, std::string_view code) {
  auto row = tx.QueryOne("SELECT version FROM item_versions WHERE code = :c AND status = 'published'",
                         {{"c", std::string(code)}});
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::NotFound("no published item has the code " + std::string(code)));
  return static_cast<int>((*row)->Int(0));
}

Result<std::vector<VersionInfo>> CatalogStore::Versions(std::string_view code) {
  return db_.TransactValue<std::vector<VersionInfo>>(
      storage::kReadOnly, [&](Tx& tx) -> Result<std::vector<VersionInfo>> {
        auto rows = tx.Query(
            "SELECT v.version, v.status, v.created_at, v.created_by, v.published_at, v.published_by, b.name"
            " FROM item_versions v LEFT JOIN catalog_batches b ON b.id = v.batch_id WHERE v.code = :c"
            " ORDER BY v.version DESC",
            {{"c", std::string(code)}});
        if (!rows) return std::unexpected(rows.error());
        if (rows->empty()) return Fail(Error::NotFound("no item has the code " + std::string(code)));
        std::vector<VersionInfo> out;
        for (const auto& r : *rows) {
          VersionInfo v{.version = static_cast<int>(r.Int(0)),
                        .status = r.Text(1),
                        .created_at = FromMicros(r.Int(2)),
                        .created_by = r.Text(3)};
          if (auto p = r.OptInt(4)) v.published_at = FromMicros(*p);
          v.published_by = r.OptText(5);
          v.batch = r.OptText(6);
          out.push_back(std::move(v));
        }
        return out;
      });
}

Result<std::vector<CatalogStore::DraftSummary>> CatalogStore::Drafts(std::string_view region) {
  const std::string prefix = region.empty() ? std::string("%") : RegionPrefix(region) + "%";
  return db_.TransactValue<std::vector<DraftSummary>>(
      storage::kReadOnly, [&](Tx& tx) -> Result<std::vector<DraftSummary>> {
        auto rows = tx.Query(
            "SELECT code, name, department, region, version, created_at, created_by FROM item_versions"
            " WHERE status = 'draft' AND region LIKE :r ORDER BY code",
            {{"r", prefix}});
        if (!rows) return std::unexpected(rows.error());
        std::vector<DraftSummary> out;
        for (const auto& r : *rows) {
          out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), static_cast<int>(r.Int(4)), FromMicros(r.Int(5)),
                         r.Text(6)});
        }
        return out;
      });
}

Result<ItemPage> CatalogStore::Search(const ItemFilter& filter, int limit, const std::optional<std::string>& after) {
  const SearchQuery query = ParseSearchQuery(filter.q);
  const bool text = !query.terms.empty();
  // The sort key: "code" for lists, "tier|name_len|code" for searches.
  std::int64_t c_tier = -1;
  std::int64_t c_len = -1;
  std::string c_code;
  if (after) {
    if (text) {
      const auto a = after->find('|');
      const auto b = a == std::string::npos ? a : after->find('|', a + 1);
      try {
        if (b == std::string::npos) throw std::invalid_argument("cursor");
        c_tier = std::stoll(after->substr(0, a));
        c_len = std::stoll(after->substr(a + 1, b - a - 1));
        c_code = after->substr(b + 1);
      } catch (...) {
        return Fail(Error::Validation({{"cursor", "format", "the cursor does not belong to this query"}}));
      }
    } else {
      c_code = *after;
    }
  }
  auto opt = [](const auto& v) -> storage::Value {
    if (!v) return storage::kNull;
    using T = std::decay_t<decltype(*v)>;
    if constexpr (std::is_same_v<T, bool>)
      return static_cast<std::int64_t>(*v ? 1 : 0);
    else if constexpr (std::is_same_v<T, int>)
      return static_cast<std::int64_t>(*v);
    else
      return storage::Value(*v);
  };
  std::optional<std::string> region_like;
  if (filter.region) region_like = RegionPrefix(*filter.region) + "%";
  Params filters = {
      {"f_type", opt(filter.type)},      {"f_type_v", opt(filter.type)},     {"f_level", opt(filter.level)},
      {"f_level_v", opt(filter.level)},  {"f_dept", opt(filter.department)}, {"f_dept_v", opt(filter.department)},
      {"f_region", opt(region_like)},    {"f_region_v", opt(region_like)},   {"f_aud", opt(filter.audience)},
      {"f_aud_v", opt(filter.audience)}, {"f_online", opt(filter.online)},   {"f_online_v", opt(filter.online)}};
  Params page = filters;
  page.emplace_back("limit", limit + 1);
  if (text) {
    // Ranking looks at the terms written together: "施工 许可" ranks names containing 施工许可.
    std::string q;
    for (const auto& t : query.terms) q += t;
    auto term = [&](std::size_t i) { return i < query.terms.size() ? query.terms[i] : std::string(); };
    Params terms;
    if (!query.indexable || !query.exact) terms = {{"t1", term(0)}, {"t2", term(1)}, {"t3", term(2)}};
    if (query.indexable) {
      terms.emplace_back("match", db_.backend() == Backend::kPostgresql ? query.pg_array : query.fts_match);
    }
    filters.insert(filters.end(), terms.begin(), terms.end());
    page.insert(page.end(), terms.begin(), terms.end());
    for (const char* name : {"q1", "q2", "q3", "q4", "q5", "q6"}) page.emplace_back(name, q);
    page.emplace_back("c_tier", c_tier);
    page.emplace_back("c_len", c_len);
    page.emplace_back("c_code", c_code);
  } else {
    page.emplace_back("c_code", c_code);
  }
  const bool pg = db_.backend() == Backend::kPostgresql;
  const char* list_sql;
  const char* count_sql;
  if (!text && filter.department) {
    list_sql = pg ? kListDeptPg : kListDeptSqlite;
    count_sql = pg ? kCountListDeptPg : kCountListDeptSqlite;
    page.emplace_back("dept", *filter.department);
    filters.emplace_back("dept", *filter.department);
  } else if (!text) {
    list_sql = pg ? kListPg : kListSqlite;
    count_sql = pg ? kCountListPg : kCountListSqlite;
  } else if (query.indexable && query.exact) {
    list_sql = pg ? kSearchExactPg : kSearchExactSqlite;
    count_sql = pg ? kCountExactPg : kCountExactSqlite;
  } else if (query.indexable) {
    list_sql = pg ? kSearchIndexedPg : kSearchIndexedSqlite;
    count_sql = pg ? kCountIndexedPg : kCountIndexedSqlite;
  } else {
    list_sql = pg ? kSearchScanPg : kSearchScanSqlite;
    count_sql = pg ? kCountScanPg : kCountScanSqlite;
  }
  return db_.TransactValue<ItemPage>(storage::kReadOnly, [&](Tx& tx) -> Result<ItemPage> {
    auto rows = tx.Query(list_sql, page);
    if (!rows) return std::unexpected(rows.error());
    auto count = tx.QueryOne(count_sql, filters);
    if (!count) return std::unexpected(count.error());
    ItemPage out;
    out.total = *count ? (*count)->Int(0) : 0;
    const std::size_t n = std::min(rows->size(), static_cast<std::size_t>(limit));
    for (std::size_t i = 0; i < n; ++i) out.items.push_back(ReadSummary((*rows)[i]));
    if (rows->size() > n && n > 0) {
      const Row& last = (*rows)[n - 1];
      out.next_after =
          text ? std::to_string(last.Int("tier")) + "|" + std::to_string(last.Int("name_len")) + "|" + last.Text("code")
               : last.Text("code");
    }
    return out;
  });
}

Result<std::vector<StoredItem>> CatalogStore::AllPublished() {
  return db_.TransactValue<std::vector<StoredItem>>(storage::kReadOnly, [&](Tx& tx) -> Result<std::vector<StoredItem>> {
    auto rows = tx.Query(std::string("SELECT ") + kVersionColumns + kVersionJoins +
                         " WHERE v.status = 'published' ORDER BY v.code");
    if (!rows) return std::unexpected(rows.error());
    std::vector<StoredItem> out;
    out.reserve(rows->size());
    for (const auto& r : *rows) out.push_back(ReadStored(r));
    return out;
  });
}

Result<ImportResult> CatalogStore::Import(const std::vector<Item>& items, std::string_view actor,
                                          const ImportOptions& options) {
  std::vector<std::string> documents;
  documents.reserve(items.size());
  for (const auto& item : items) documents.push_back(ItemToText(item));
  {
    FieldErrors errors;
    std::map<std::string, std::size_t> first;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto [it, inserted] = first.emplace(items[i].implementation_code, i);
      if (!inserted) {
        errors.Add("items[" + std::to_string(i) + "].implementation_code", "duplicate",
                   "the same code is on row " + std::to_string(it->second + 1) + " too");
      }
    }
    if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
  }
  return db_.TransactValue<ImportResult>({.write = true, .max_attempts = 3}, [&](Tx& tx) -> Result<ImportResult> {
    ImportResult result;
    const Timestamp now = clock_.Now();
    auto departments = LoadDepartmentRefs(tx);
    if (!departments) return std::unexpected(departments.error());
    FieldErrors errors;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (auto ok = CheckReferences(items[i], *departments, "items[" + std::to_string(i) + "]."); !ok) {
        for (const auto& f : ok.error().field_errors) errors.Add(f.field, f.code, f.message);
      }
    }
    if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto saved = SaveDraftInTx(tx, items[i], documents[i], actor, std::nullopt, now);
      if (!saved) return std::unexpected(Wrap(saved.error(), "items[" + std::to_string(i) + "]."));
      if (!saved->changed) {
        ++result.unchanged;
      } else {
        ++(saved->created ? result.created : result.updated);
        if (options.publish) {
          if (options.batch && !result.batch_id) {  // only when something is published
            auto id = CreateBatch(tx, *options.batch, actor, now);
            if (!id) return std::unexpected(id.error());
            result.batch_id = *id;
          }
          auto p = PublishInTx(tx, saved->code, result.batch_id, actor, now, /*with_deviations=*/false);
          if (!p) return std::unexpected(Wrap(p.error(), "items[" + std::to_string(i) + "]."));
          ++result.published;
        }
      }
      if (options.progress && ((i + 1) % 1000 == 0 || i + 1 == items.size())) options.progress(i + 1, items.size());
    }
    if (result.batch_id) {
      if (auto r = CountBatch(tx, *result.batch_id, static_cast<std::int64_t>(result.published)); !r) {
        return std::unexpected(r.error());
      }
    }
    return result;
  });
}

Result<std::vector<Deviation>> CatalogStore::Consistency() {
  return db_.TransactValue<std::vector<Deviation>>(storage::kReadOnly,
                                                   [](Tx& tx) { return DeviationsInTx(tx, std::nullopt); });
}

Result<Figures> CatalogStore::ComputeFigures() {
  static constexpr const char* kByDepartment =
      "SELECT i.department, d.name, COUNT(*), SUM(i.online), SUM(i.instant),"
      " SUM(CASE WHEN 2 * i.promised_limit_days <= i.legal_limit_days THEN 1 ELSE 0 END)"
      " FROM items i JOIN departments d ON d.code = i.department GROUP BY i.department, d.name ORDER BY i.department";
  static constexpr const char* kByLevel =
      "SELECT i.level, COUNT(*), SUM(i.online), SUM(i.instant),"
      " SUM(CASE WHEN 2 * i.promised_limit_days <= i.legal_limit_days THEN 1 ELSE 0 END)"
      " FROM items i GROUP BY i.level ORDER BY i.level";
  return db_.TransactValue<Figures>(storage::kReadOnly, [](Tx& tx) -> Result<Figures> {
    Figures f;
    auto deps = tx.Query(kByDepartment);
    if (!deps) return std::unexpected(deps.error());
    for (const auto& r : *deps) {
      Shares s{r.Int(2), r.Int(3), r.Int(4), r.Int(5)};
      f.by_department.push_back({r.Text(0), r.Text(1), s});
    }
    auto levels = tx.Query(kByLevel);
    if (!levels) return std::unexpected(levels.error());
    for (const auto& r : *levels) {
      Shares s{r.Int(1), r.Int(2), r.Int(3), r.Int(4)};
      f.by_level.push_back({static_cast<int>(r.Int(0)), s});
      f.overall.items += s.items;
      f.overall.online += s.online;
      f.overall.instant += s.instant;
      f.overall.promised_half += s.promised_half;
    }
    return f;
  });
}

}  // namespace wangban::catalog
