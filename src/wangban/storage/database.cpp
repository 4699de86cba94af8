// Backend-independent parts of the database interface: rows and value conversion.
#include "wangban/storage/database.hpp"

#include <charconv>
#include <cmath>

namespace wangban::storage {

std::string_view BackendName(Backend backend) { return backend == Backend::kSqlite ? "sqlite" : "postgresql"; }

Row::Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
    : columns_(std::move(columns)), values_(std::move(values)) {}

bool Row::IsNull(std::size_t i) const {
  return i >= values_.size() || std::holds_alternative<std::monostate>(values_[i]);
}

std::int64_t Row::Int(std::size_t i) const {
  if (i >= values_.size()) return 0;
  const Value& v = values_[i];
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(std::llround(*d));
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    // PostgreSQL booleans arrive as text through some drivers.
    if (*s == "t" || *s == "true") return 1;
    return out;
  }
  return 0;
}

double Row::Real(std::size_t i) const {
  if (i >= values_.size()) return 0;
  const Value& v = values_[i];
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) {
    try {
      return std::stod(*s);
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

std::string Row::Text(std::size_t i) const {
  if (i >= values_.size()) return {};
  const Value& v = values_[i];
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return {};
}

std::optional<std::string> Row::OptText(std::size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

std::optional<std::int64_t> Row::OptInt(std::size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

std::optional<std::size_t> Row::Index(std::string_view column) const {
  if (!columns_) return std::nullopt;
  for (std::size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == column) return i;
  }
  return std::nullopt;
}

std::size_t Row::MustIndex(std::string_view column) const {
  // An unknown column name is a programming error in constant SQL; report it loudly in tests
  // and degrade to "null" in release rather than crash a request.
  auto i = Index(column);
  return i ? *i : values_.size();
}

std::int64_t Row::Int(std::string_view column) const { return Int(MustIndex(column)); }
std::string Row::Text(std::string_view column) const { return Text(MustIndex(column)); }
std::optional<std::string> Row::OptText(std::string_view column) const { return OptText(MustIndex(column)); }
std::optional<std::int64_t> Row::OptInt(std::string_view column) const { return OptInt(MustIndex(column)); }
bool Row::IsNull(std::string_view column) const { return IsNull(MustIndex(column)); }

Result<std::optional<Row>> Tx::QueryOne(std::string_view sql, const Params& params) {
  auto rows = Query(sql, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::optional<Row>{};
  return std::optional<Row>{std::move(rows->front())};
}

Error Tx::CheckedError(const Check& check, Error e) {
  if (check.on_unique_violation && e.code == ErrorCode::kConflict && e.reason == "unique_violation") {
    return *check.on_unique_violation;
  }
  return e;
}

Result<void> Tx::CheckChanges(const Check& check, std::int64_t changes, std::string_view sql) {
  if (!check.changes || changes == *check.changes) return {};
  if (check.otherwise) return Fail(*check.otherwise);
  return Fail(Error::Internal("expected " + std::to_string(*check.changes) + " changed rows, not " +
                              std::to_string(changes) + ": " + std::string(sql)));
}

Result<void> Tx::Defer(std::string_view sql, const Params& params, const Check& check) {
  auto changed = Exec(sql, params);
  if (!changed) return Fail(CheckedError(check, std::move(changed.error())));
  return CheckChanges(check, *changed, sql);
}

}  // namespace wangban::storage
