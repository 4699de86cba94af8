#include "wangban/workflow/calendar_store.hpp"

#include "wangban/common/log.hpp"

namespace wangban::workflow {

Result<HolidayYear> StoreCalendarYear(storage::Database& db, const Clock& clock, std::string_view document,
                                      std::optional<int> expected_year, std::string_view actor) {
  auto parsed = ParseHolidayYear(document);
  if (!parsed) return std::unexpected(parsed.error());
  const int year = static_cast<int>(parsed->year);
  if (expected_year && *expected_year != year) {
    return Fail(Error::Validation({{"year", "mismatch", "the document is for " + std::to_string(year) +
                                                            ", the path names " + std::to_string(*expected_year)}}));
  }
  auto stored = db.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    auto r = tx.Exec(
        "INSERT INTO calendar_years (year, document, updated_at, updated_by) VALUES (:y, :d, :t, :a)"
        " ON CONFLICT (year) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at,"
        " updated_by = excluded.updated_by",
        {{"y", year}, {"d", std::string(document)}, {"t", ToMicros(clock.Now())}, {"a", std::string(actor)}});
    if (!r) return std::unexpected(r.error());
    return {};
  });
  if (!stored) return std::unexpected(stored.error());
  return parsed;
}

Result<int> LoadStoredCalendarYears(storage::Database& db, WorkingCalendar& calendar) {
  auto rows = db.TransactValue<storage::Rows>(storage::kReadOnly, [](storage::Tx& tx) {
    return tx.Query("SELECT year, document FROM calendar_years ORDER BY year");
  });
  if (!rows) return std::unexpected(rows.error());
  int failures = 0;
  for (const auto& row : *rows) {
    if (auto r = calendar.LoadYear(row.Text(1)); !r) {
      ++failures;
      log::Warn("calendar_year_skipped", {{"year", row.Int(0)}, {"error", r.error().message}});
    }
  }
  return failures;
}

}  // namespace wangban::workflow
