#include "wangban/rules/store.hpp"

#include <algorithm>

namespace wangban::rules {
namespace {

constexpr std::size_t kMaxCacheEntries = 4096;
constexpr int kPutAttempts = 8;

bool ValidItemCode(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

Result<void> CheckItemCode(std::string_view code) {
  if (ValidItemCode(code)) return {};
  return Fail(Error::Validation({{"item_code", "format", "an item code is 1 to 64 of A-Z a-z 0-9 _ . -"}}));
}

StoredRuleSet ReadStored(const storage::Row& row) {
  return StoredRuleSet{.item_code = row.Text(0),
                       .version = static_cast<int>(row.Int(1)),
                       .latest_version = static_cast<int>(row.Int(1)),
                       .document = row.Text(2),
                       .created_at = FromMicros(row.Int(3)),
                       .created_by = row.Text(4)};
}

Result<std::optional<int>> LatestVersion(storage::Tx& tx, std::string_view item_code) {
  auto row = tx.QueryOne("SELECT MAX(version) FROM rule_sets WHERE item_code = :c", {{"c", std::string(item_code)}});
  if (!row) return std::unexpected(row.error());
  if (!*row || (*row)->IsNull(0)) return std::optional<int>();
  return std::optional<int>(static_cast<int>((*row)->Int(0)));
}

}  // namespace

RuleStore::RuleStore(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<PutResult> RuleStore::Put(std::string_view item_code, std::string_view document, std::string_view actor,
                                 const PutOptions& options) {
  if (auto r = CheckItemCode(item_code); !r) return std::unexpected(r.error());
  auto rules = RuleSet::Parse(document, {.form_schema = options.form_schema});
  if (!rules) return std::unexpected(rules.error());
  const std::string code(item_code);
  for (int attempt = 1;; ++attempt) {
    auto put = db_.TransactValue<PutResult>(storage::kReadWrite, [&](storage::Tx& tx) -> Result<PutResult> {
      auto latest = tx.QueryOne(
          "SELECT version, digest FROM rule_sets WHERE item_code = :c ORDER BY version DESC LIMIT 1", {{"c", code}});
      if (!latest) return std::unexpected(latest.error());
      if (*latest && (*latest)->Text(1) == rules->digest()) {
        return PutResult{.item_code = code, .version = static_cast<int>((*latest)->Int(0)), .created = false};
      }
      const int version = *latest ? static_cast<int>((*latest)->Int(0)) + 1 : 1;
      auto inserted = tx.Exec(
          "INSERT INTO rule_sets (item_code, version, document, digest, created_at, created_by)"
          " VALUES (:c, :v, :d, :g, :t, :a)",
          {{"c", code},
           {"v", version},
           {"d", rules->document()},
           {"g", rules->digest()},
           {"t", ToMicros(clock_.Now())},
           {"a", std::string(actor)}});
      if (!inserted) return std::unexpected(inserted.error());
      return PutResult{.item_code = code, .version = version, .created = true};
    });
    // Two writers took the same next version: the loser reads the winner's and goes on.
    if (!put && put.error().code == ErrorCode::kConflict && put.error().reason == "unique_violation" &&
        attempt < kPutAttempts) {
      continue;
    }
    return put;
  }
}

Result<StoredRuleSet> RuleStore::Get(std::string_view item_code, std::optional<int> version) {
  const std::string code(item_code);
  return db_.TransactValue<StoredRuleSet>(storage::kReadOnly, [&](storage::Tx& tx) -> Result<StoredRuleSet> {
    auto latest = LatestVersion(tx, code);
    if (!latest) return std::unexpected(latest.error());
    if (!*latest) return Fail(Error::NotFound("the item " + code + " has no 秒批 rules"));
    const int wanted = version.value_or(**latest);
    auto row = tx.QueryOne(
        "SELECT item_code, version, document, created_at, created_by FROM rule_sets"
        " WHERE item_code = :c AND version = :v",
        {{"c", code}, {"v", wanted}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(Error::NotFound("the rules of " + code + " have no version " + std::to_string(wanted)));
    StoredRuleSet stored = ReadStored(**row);
    stored.latest_version = **latest;
    return stored;
  });
}

std::shared_ptr<const VersionedRuleSet> RuleStore::Cached(std::string_view item_code, int version) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(std::pair(std::string(item_code), version));
  return it == cache_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<const VersionedRuleSet>> RuleStore::CompileCached(storage::Tx& tx, std::string_view item_code,
                                                                         int version) {
  if (auto cached = Cached(item_code, version)) return cached;
  auto row = tx.QueryOne("SELECT document FROM rule_sets WHERE item_code = :c AND version = :v",
                         {{"c", std::string(item_code)}, {"v", version}});
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    return Fail(
        Error::NotFound("the rules of " + std::string(item_code) + " have no version " + std::to_string(version)));
  }
  // Stored documents passed Parse when they were written; without the form schema they parse
  // again the same way.
  auto rules = RuleSet::Parse((*row)->Text(0));
  if (!rules) {
    return Fail(Error::Internal("stored rules of " + std::string(item_code) + " version " + std::to_string(version) +
                                " do not parse: " + rules.error().message));
  }
  auto compiled = std::make_shared<const VersionedRuleSet>(
      VersionedRuleSet{.item_code = std::string(item_code), .version = version, .rules = std::move(*rules)});
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_.insert_or_assign(std::pair(std::string(item_code), version), compiled);
  return compiled;
}

Result<std::shared_ptr<const VersionedRuleSet>> RuleStore::Current(storage::Tx* tx, std::string_view item_code) {
  using Answer = std::shared_ptr<const VersionedRuleSet>;
  auto run = [&](storage::Tx& t) -> Result<Answer> {
    auto latest = LatestVersion(t, item_code);
    if (!latest) return std::unexpected(latest.error());
    if (!*latest) return Answer();
    return CompileCached(t, item_code, **latest);
  };
  if (tx != nullptr) return run(*tx);
  return db_.TransactValue<Answer>(storage::kReadOnly, run);
}

Result<std::shared_ptr<const VersionedRuleSet>> RuleStore::Compiled(storage::Tx* tx, std::string_view item_code,
                                                                    int version) {
  if (auto cached = Cached(item_code, version)) return cached;
  if (tx != nullptr) return CompileCached(*tx, item_code, version);
  return db_.TransactValue<std::shared_ptr<const VersionedRuleSet>>(
      storage::kReadOnly, [&](storage::Tx& t) { return CompileCached(t, item_code, version); });
}

Result<int> LoadRuleFiles(RuleStore& store, const std::vector<std::pair<std::string, std::string>>& code_and_json) {
  int written = 0;
  for (const auto& [code, json] : code_and_json) {
    auto put = store.Put(code, json, "demo");
    if (!put) {
      Error e = std::move(put.error());
      e.message = "rules of " + code + ": " + e.message;
      for (auto& f : e.field_errors) f.field = code + "." + f.field;
      return std::unexpected(std::move(e));
    }
    if (put->created) ++written;
  }
  return written;
}

}  // namespace wangban::rules
