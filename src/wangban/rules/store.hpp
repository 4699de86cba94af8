// The rule store: every version of every item's 秒批 rule set, on SQLite or PostgreSQL.
// Versions are immutable: a change writes the next version, and a case is decided by the
// version current when its process starts (the decision record names it), so a decision can
// be replayed on the rules that made it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/rules/evaluate.hpp"
#include "wangban/rules/rule_set.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::rules {

struct StoredRuleSet {
  std::string item_code;
  int version = 0;
  int latest_version = 0;
  std::string document;  // compact JSON in the author's key order
  Timestamp created_at;
  std::string created_by;
};

struct PutResult {
  std::string item_code;
  int version = 0;
  // False when the document equals the current version (up to key order and white space):
  // nothing was written and `version` is the current one.
  bool created = true;
};

struct PutOptions {
  // The item's form schema; when set, form variables must name its fields (ParseOptions).
  std::optional<std::string> form_schema;
};

class RuleStore {
 public:
  RuleStore(storage::Database& db, const Clock& clock);

  // Checks `document` (RuleSet::Parse) and stores it as the item's next version (1 for the
  // first). Errors: those of RuleSet::Parse; kValidationFailed "item_code" (format) for a code
  // outside [A-Za-z0-9_.-]{1,64}.
  Result<PutResult> Put(std::string_view item_code, std::string_view document, std::string_view actor,
                        const PutOptions& options = {});

  // The current version, or `version`. kNotFound when the item has no rules or no such version.
  Result<StoredRuleSet> Get(std::string_view item_code, std::optional<int> version = std::nullopt);

  // The current version compiled, or null when the item has no rules. Reads inside `tx` when
  // it is given (a submission's checks), else in a transaction of its own. Compiled versions
  // are cached, so a hit costs one indexed query.
  Result<std::shared_ptr<const VersionedRuleSet>> Current(storage::Tx* tx, std::string_view item_code);

  // A given version compiled (a decision on the version its case was submitted under, a
  // replay). Versions never change: a cached one is answered without reading, and without a
  // transaction; otherwise it is read inside `tx` when given, else in a transaction of its own.
  // kNotFound when it does not exist.
  Result<std::shared_ptr<const VersionedRuleSet>> Compiled(storage::Tx* tx, std::string_view item_code, int version);

 private:
  std::shared_ptr<const VersionedRuleSet> Cached(std::string_view item_code, int version);
  Result<std::shared_ptr<const VersionedRuleSet>> CompileCached(storage::Tx& tx, std::string_view item_code,
                                                                int version);

  storage::Database& db_;
  const Clock& clock_;
  std::mutex mutex_;
  // Versions never change, so entries never go stale; the map is cleared when it grows past
  // a bound (items x versions in use stay far below it).
  std::map<std::pair<std::string, int>, std::shared_ptr<const VersionedRuleSet>, std::less<>>
      cache_;  // GUARDED_BY(mutex_)
};

// Loads demo rule files: (item implementation code, rule set JSON) pairs, each stored as a new
// version unless equal to the current one. Returns how many versions were written. Errors: the
// first invalid file's, with field paths prefixed "<code>.".
Result<int> LoadRuleFiles(RuleStore& store, const std::vector<std::pair<std::string, std::string>>& code_and_json);

}  // namespace wangban::rules
