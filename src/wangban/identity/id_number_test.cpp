#include "wangban/identity/id_number.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wangban::identity {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

constexpr year_month_day kToday{year{2026}, month{6}, day{15}};

// The ISO 7064 MOD 11-2 check character, written out independently of the code under test.
char ReferenceCheckChar(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[static_cast<std::size_t>(i)] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

std::string Complete(std::string_view first17) {
  return std::string(first17) + ReferenceCheckChar(first17);
}

// The single field error of a failed validation; fails the test if there is not exactly one.
FieldError OnlyFieldError(const Result<void>& result) {
  EXPECT_FALSE(result.has_value());
  if (result.has_value()) return {};
  EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(result.error().field_errors.size(), 1u);
  if (result.error().field_errors.size() != 1) return {};
  return result.error().field_errors[0];
}

std::string ErrorCodeOf(std::string_view id, year_month_day today = kToday) {
  return OnlyFieldError(ValidateIdNumber(id, today)).code;
}

TEST(IdNumberTest, AcceptsTheClassicStandardExample) {
  // GB 11643-1999 uses 11010519491231002X (北京市朝阳区, born 1949-12-31, a woman).
  EXPECT_EQ(ReferenceCheckChar("11010519491231002"), 'X');
  EXPECT_TRUE(ValidateIdNumber("11010519491231002X", kToday).has_value());

  auto info = ParseIdNumber("11010519491231002X", kToday);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->region_code, "110105");
  EXPECT_EQ(info->birth_date, (year_month_day{year{1949}, month{12}, day{31}}));
  EXPECT_FALSE(info->male);
}

TEST(IdNumberTest, AcceptsComputedNumbersAcrossProvinces) {
  for (std::string_view first17 :
       {"44030419900307123", "46010019880229001", "65010220000101555", "81000019751111002",
        "82000019800101003", "83000019900101004", "71000019660606006", "31011520251231999"}) {
    const std::string id = Complete(first17);
    EXPECT_TRUE(ValidateIdNumber(id, kToday).has_value()) << first17;
    EXPECT_EQ(IdNumberCheckChar(first17), ReferenceCheckChar(first17)) << first17;
  }
}

TEST(IdNumberTest, ReadsSexFromTheSeventeenthDigit) {
  auto man = ParseIdNumber(Complete("44030419900307123"), kToday);
  auto woman = ParseIdNumber(Complete("44030419900307124"), kToday);
  ASSERT_TRUE(man && woman);
  EXPECT_TRUE(man->male);
  EXPECT_FALSE(woman->male);
  EXPECT_EQ(man->birth_date, (year_month_day{year{1990}, month{3}, day{7}}));
}

TEST(IdNumberTest, AcceptsLowercaseXAndNormalizesIt) {
  EXPECT_TRUE(ValidateIdNumber("11010519491231002x", kToday).has_value());
  EXPECT_TRUE(ParseIdNumber("11010519491231002x", kToday).has_value());
  EXPECT_EQ(NormalizeIdNumber("11010519491231002x"), "11010519491231002X");
  EXPECT_EQ(NormalizeIdNumber("  11010519491231002x\t\n"), "11010519491231002X");
  EXPECT_EQ(NormalizeIdNumber("11010519491231002X"), "11010519491231002X");
}

TEST(IdNumberTest, NormalizeLeavesOtherInputForValidationToReject) {
  EXPECT_EQ(NormalizeIdNumber(""), "");
  EXPECT_EQ(NormalizeIdNumber("   "), "");
  EXPECT_EQ(NormalizeIdNumber(" 12x "), "12x");  // not 18 characters: x stays as typed
  EXPECT_EQ(ErrorCodeOf(NormalizeIdNumber("   ")), "required");
}

TEST(IdNumberTest, RequiresANonEmptyValue) {
  auto error = OnlyFieldError(ValidateIdNumber("", kToday));
  EXPECT_EQ(error.field, "id_number");
  EXPECT_EQ(error.code, "required");
}

TEST(IdNumberTest, RejectsWrongLengths) {
  EXPECT_EQ(ErrorCodeOf("1"), "length");
  EXPECT_EQ(ErrorCodeOf("11010519491231002"), "length");
  EXPECT_EQ(ErrorCodeOf("11010519491231002X0"), "length");
  EXPECT_EQ(ErrorCodeOf("110105491231002"), "length");  // the retired 15-digit form
  EXPECT_EQ(ErrorCodeOf(" 11010519491231002X"), "length");
}

TEST(IdNumberTest, RejectsNonDigits) {
  EXPECT_EQ(ErrorCodeOf("1101051949123100XX"), "format");  // X only in the last place
  EXPECT_EQ(ErrorCodeOf("11010519491231002Y"), "format");
  EXPECT_EQ(ErrorCodeOf("A1010519491231002X"), "format");
  EXPECT_EQ(ErrorCodeOf("110105 9491231002X"), "format");
  EXPECT_EQ(ErrorCodeOf("11010519491231002-"), "format");
  // Eighteen bytes of UTF-8 (six CJK characters) is still the wrong format, not a crash.
  EXPECT_EQ(ErrorCodeOf("\xe5\x8c\x97\xe4\xba\xac\xe5\x8c\x97\xe4\xba\xac\xe5\x8c\x97\xe4\xba\xac"),
            "format");
  EXPECT_EQ(ErrorCodeOf(std::string("1101051949") + '\0' + "231002X"), "format");
}

TEST(IdNumberTest, RejectsUnknownProvinces) {
  for (std::string_view first17 : {"00010519491231002", "10010519491231002", "16010519491231002",
                                   "72010519491231002", "84010519491231002", "99010519491231002"}) {
    EXPECT_EQ(ErrorCodeOf(Complete(first17)), "region") << first17;
  }
}

TEST(IdNumberTest, RejectsImpossibleBirthDates) {
  for (std::string_view first17 : {"11010519491301002", "11010519490001002", "11010519491200002",
                                   "11010519490431002", "11010519491232002", "11010500000101002"}) {
    EXPECT_EQ(ErrorCodeOf(Complete(first17)), "birth_date") << first17;
  }
}

TEST(IdNumberTest, HandlesFebruary29ByLeapYear) {
  EXPECT_TRUE(ValidateIdNumber(Complete("11010520000229002"), kToday).has_value());  // 400-year
  EXPECT_TRUE(ValidateIdNumber(Complete("11010519880229002"), kToday).has_value());
  EXPECT_EQ(ErrorCodeOf(Complete("11010519000229002")), "birth_date");  // century, not leap
  EXPECT_EQ(ErrorCodeOf(Complete("11010519890229002")), "birth_date");
  EXPECT_EQ(ErrorCodeOf(Complete("11010520230229002")), "birth_date");
}

TEST(IdNumberTest, BoundsTheBirthDateBy1900AndToday) {
  EXPECT_TRUE(ValidateIdNumber(Complete("11010519000101002"), kToday).has_value());
  EXPECT_EQ(ErrorCodeOf(Complete("11010518991231002")), "birth_date");
  EXPECT_TRUE(ValidateIdNumber(Complete("11010520260615002"), kToday).has_value());  // born today
  EXPECT_EQ(ErrorCodeOf(Complete("11010520260616002")), "birth_date");               // tomorrow
  EXPECT_EQ(ErrorCodeOf(Complete("11010530000101002")), "birth_date");
  // The same number becomes valid once its birth date has come.
  EXPECT_TRUE(
      ValidateIdNumber(Complete("11010520260616002"), year_month_day{year{2026}, month{6}, day{16}})
          .has_value());
}

TEST(IdNumberTest, RejectsAWrongCheckCharacter) {
  EXPECT_EQ(ErrorCodeOf("110105194912310020"), "checksum");
  EXPECT_EQ(ErrorCodeOf("110105194912310021"), "checksum");
  // A single changed digit in the sequence is caught.
  EXPECT_EQ(ErrorCodeOf("11010519491231003X"), "checksum");
  // Swapping two adjacent digits is caught.
  EXPECT_EQ(ErrorCodeOf("11010519491231020X"), "checksum");
}

TEST(IdNumberTest, ReportsOnTheCallersFieldWithoutEchoingTheNumber) {
  const std::string id = "110105194912310021";
  auto result = ValidateIdNumber(id, kToday, "legal_representative.id_number");
  auto error = OnlyFieldError(result);
  EXPECT_EQ(error.field, "legal_representative.id_number");
  EXPECT_EQ(error.message.find(id), std::string::npos);
  EXPECT_EQ(error.message.find("1231"), std::string::npos);
  EXPECT_EQ(result.error().message.find(id), std::string::npos);

  auto parsed = ParseIdNumber(id, kToday, "agent.id_number");
  ASSERT_FALSE(parsed.has_value());
  ASSERT_EQ(parsed.error().field_errors.size(), 1u);
  EXPECT_EQ(parsed.error().field_errors[0].field, "agent.id_number");
  EXPECT_EQ(parsed.error().field_errors[0].code, "checksum");
}

TEST(IdNumberTest, ChecksInTheDocumentedOrder) {
  // Bad region, bad date and bad checksum at once: the region is reported.
  EXPECT_EQ(ErrorCodeOf("990105194913310021"), "region");
  // Bad date and bad checksum: the date is reported.
  EXPECT_EQ(ErrorCodeOf("110105194913310021"), "birth_date");
}

TEST(IdNumberCheckCharTest, RejectsAnythingButSeventeenDigits) {
  EXPECT_EQ(IdNumberCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(IdNumberCheckChar(""), std::nullopt);
  EXPECT_EQ(IdNumberCheckChar("1101051949123100"), std::nullopt);
  EXPECT_EQ(IdNumberCheckChar("110105194912310020"), std::nullopt);
  EXPECT_EQ(IdNumberCheckChar("1101051949123100A"), std::nullopt);
}

TEST(IdNumberCheckCharTest, ProducesEveryCheckCharacter) {
  // Vary the sequence digits until all eleven check characters have been seen.
  std::string seen;
  for (int n = 0; n < 1000 && seen.size() < 11; ++n) {
    std::string first17 = "44030419900307" + std::to_string(1000 + n).substr(1);
    char c = IdNumberCheckChar(first17).value();
    EXPECT_EQ(c, ReferenceCheckChar(first17));
    if (seen.find(c) == std::string::npos) seen.push_back(c);
  }
  EXPECT_EQ(seen.size(), 11u);
}

TEST(ChinaDateTest, UsesBeijingTime) {
  using std::chrono::hours;
  using std::chrono::sys_days;
  const Timestamp midnight_utc{sys_days{year_month_day{year{2026}, month{6}, day{15}}}};
  EXPECT_EQ(ChinaDate(midnight_utc), (year_month_day{year{2026}, month{6}, day{15}}));
  // 16:00 UTC is midnight in Beijing: already the next day.
  EXPECT_EQ(ChinaDate(midnight_utc + hours(15) + std::chrono::minutes(59)),
            (year_month_day{year{2026}, month{6}, day{15}}));
  EXPECT_EQ(ChinaDate(midnight_utc + hours(16)), (year_month_day{year{2026}, month{6}, day{16}}));
  EXPECT_EQ(ChinaDate(midnight_utc - hours(9)), (year_month_day{year{2026}, month{6}, day{14}}));
}

}  // namespace
}  // namespace wangban::identity
