// Calendar years loaded by administrators, stored in the database (calendar_years) so that
// every node loads them at start; shared by PUT /api/v1/calendar/{year} and
// `wangban calendar load-year`.
#pragma once

#include <string_view>

#include "wangban/common/calendar.hpp"
#include "wangban/common/clock.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::workflow {

// Checks a holiday-cn document (and, when `expected_year` is set, that it is for that year) and
// stores it, replacing the year's earlier document. Errors: the document's validation errors;
// kValidationFailed field "year" code "mismatch"; database errors.
Result<HolidayYear> StoreCalendarYear(storage::Database& db, const Clock& clock, std::string_view document,
                                      std::optional<int> expected_year, std::string_view actor);

// Loads every stored year into `calendar` (after the official ones, so that they win). A stored
// document that no longer loads is skipped and reported in the result's count of failures.
Result<int> LoadStoredCalendarYears(storage::Database& db, WorkingCalendar& calendar);

}  // namespace wangban::workflow
