// The catalog store (事项目录库): regions, departments and service items with their versions,
// on SQLite or PostgreSQL.
//
// An edit makes a draft; publishing makes it the current version and indexes it for search; a
// case keeps the version it was submitted under (ItemVersion). Publications can be grouped in
// a named batch ("第一批不见面事项"). Every write is one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/catalog/item.hpp"
#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::catalog {

// One version of an item as stored.
struct StoredItem {
  std::string code;
  std::string document;  // canonical JSON (ItemToText); ItemFromText(document) gives the Item
  int version = 0;
  std::string status;  // draft, published, superseded
  Timestamp created_at;
  std::string created_by;
  std::optional<Timestamp> published_at;
  std::optional<std::string> batch;  // the batch name, if published in one
  std::string department_name;
  std::string region_name;
};

struct VersionInfo {
  int version = 0;
  std::string status;
  Timestamp created_at;
  std::string created_by;
  std::optional<Timestamp> published_at;
  std::optional<std::string> published_by;
  std::optional<std::string> batch;
};

// The result of saving a draft: `changed` is false when the document equals the item's latest
// version (draft or published), in which case nothing was written.
struct SavedDraft {
  std::string code;
  int version = 0;
  bool created = false;  // the item did not exist before
  bool changed = true;
};

// A 四级四同 deviation: implementations of one basic code that differ in `fields`.
struct Deviation {
  std::string basic_code;
  std::vector<std::string> fields;  // name, type, legal_basis
  struct Implementation {
    std::string code;
    std::string name;
    std::string type;
    int level = 0;
    std::string department;
    std::string region;
  };
  std::vector<Implementation> items;
};

struct Published {
  std::string code;
  int version = 0;
  std::optional<std::string> batch_id;
  // 四级四同 deviations this publication leaves for the item's basic code (published anyway;
  // the consistency report lists them until fixed).
  std::vector<Deviation> deviations;
};

// Summary columns of a published item, for lists.
struct ItemSummary {
  std::string code;
  std::string basic_code;
  std::string name;
  std::string type;
  int level = 0;
  std::string department;
  std::string department_name;
  std::string region;
  int audience = 0;  // AudienceMask
  bool online = false;
  bool instant = false;
  int legal_limit_days = 0;
  int promised_limit_days = 0;
  bool has_fees = false;
  std::string process_key;
  int version = 0;
};

struct ItemFilter {
  std::string q;  // Chinese full text (catalog/search.hpp); empty: no text condition
  std::optional<std::string> type;
  std::optional<int> level;
  std::optional<std::string> department;
  std::optional<std::string> region;  // the region and every region under it
  std::optional<int> audience;        // an AudienceBit
  std::optional<bool> online;
};

struct ItemPage {
  std::vector<ItemSummary> items;
  std::optional<std::string> next_after;  // the sort key to continue after
  std::int64_t total = 0;
};

// Shares of items (numerator and denominator) for the catalog's figures.
struct Shares {
  std::int64_t items = 0;
  std::int64_t online = 0;
  std::int64_t instant = 0;
  std::int64_t promised_half = 0;  // promised limit <= 50% of the legal limit
};

struct Figures {
  Shares overall;
  struct ByDepartment {
    std::string department;
    std::string name;
    Shares shares;
  };
  struct ByLevel {
    int level = 0;
    Shares shares;
  };
  std::vector<ByDepartment> by_department;
  std::vector<ByLevel> by_level;
};

struct ImportOptions {
  bool publish = false;  // publish every changed item (in one batch when `batch` is set)
  std::optional<std::string> batch;
  // Called with (done, total) while writing, about every 1,000 items.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct ImportResult {
  std::size_t created = 0;    // new items
  std::size_t updated = 0;    // items with a new version
  std::size_t unchanged = 0;  // equal to their latest version: nothing written
  std::size_t published = 0;
  std::optional<std::string> batch_id;
};

class CatalogStore {
 public:
  CatalogStore(storage::Database& db, const Clock& clock);

  // Inserts or updates regions and departments (parents first). Errors: kValidationFailed
  // naming the entry ("regions[3].parent" unknown_region, "departments[2].level"
  // level_mismatch ...). Upserting what is stored changes nothing.
  Result<void> UpsertRegions(const std::vector<Region>& regions);
  Result<void> UpsertDepartments(const std::vector<Department>& departments);
  Result<std::vector<Region>> Regions();
  Result<std::vector<Department>> Departments();

  // Saves `item` as the item's draft: creates the item (`create`, kConflict "already_exists"
  // if it exists) or its next version (kNotFound if it does not exist), or replaces the open
  // draft. Checks what needs the database: the department exists (unknown_department) and
  // the item's region and level are the department's (region_mismatch, level_mismatch).
  Result<SavedDraft> SaveDraft(const Item& item, std::string_view actor, bool create);

  // Publishes the item's draft (kConflict "no_draft" when there is none). With `batch`, a
  // new batch of that name records the publication.
  Result<Published> Publish(std::string_view code, std::optional<std::string> batch, std::string_view actor);

  // Publishes the drafts of `codes` in one transaction as one batch. kValidationFailed naming
  // each code without a draft ("codes[2]" no_draft); nothing is published then.
  Result<std::vector<Published>> PublishBatch(const std::vector<std::string>& codes, std::string batch,
                                              std::string_view actor);

  // The published version (kNotFound when the item has none), the draft, or a given version.
  Result<StoredItem> GetPublished(std::string_view code);
  Result<StoredItem> GetDraft(std::string_view code);
  Result<StoredItem> GetVersion(std::string_view code, int version);
  // The same inside a caller's transaction (cases take the version they are submitted under).
  static Result<StoredItem> GetPublished(storage::Tx& tx, std::string_view code);
  static Result<StoredItem> GetVersion(storage::Tx& tx, std::string_view code, int version);
  // The version published now (kNotFound when none is): callers that cache parsed versions
  // (a stored version never changes) read only this.
  static Result<int> PublishedVersion(storage::Tx& tx, std::string_view code);

  Result<std::vector<VersionInfo>> Versions(std::string_view code);

  // Published items matching `filter`, best first: with a query (its terms written together),
  // the exact name or code, then names starting with it, names containing it, aliases and keywords containing it, then the rest
  // (department, conditions), shorter names first, then by code; without one, by code.
  // `after` is the previous page's next_after. kValidationFailed "cursor" for a bad one.
  Result<ItemPage> Search(const ItemFilter& filter, int limit, const std::optional<std::string>& after);

  // Items with an open draft (for catalog administrators), by code, in regions `region`
  // covers (every region when empty).
  struct DraftSummary {
    std::string code;
    std::string name;
    std::string department;
    std::string region;
    int version = 0;
    Timestamp created_at;
    std::string created_by;
  };
  Result<std::vector<DraftSummary>> Drafts(std::string_view region);

  // Every published document, by code (export).
  Result<std::vector<StoredItem>> AllPublished();

  // Saves every item as a draft (and publishes them, see ImportOptions) in ONE transaction:
  // all or nothing. Items equal to their latest version are skipped. Errors as SaveDraft,
  // with fields prefixed "items[i]." (the caller maps them to rows).
  Result<ImportResult> Import(const std::vector<Item>& items, std::string_view actor, const ImportOptions& options);

  // 四级四同: published implementations of one basic code that differ in name, type or legal
  // basis.
  Result<std::vector<Deviation>> Consistency();

  Result<Figures> ComputeFigures();

 private:
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace wangban::catalog
