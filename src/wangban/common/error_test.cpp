#include "wangban/common/error.hpp"

#include <gtest/gtest.h>

#include <set>

namespace wangban {
namespace {

TEST(ErrorTest, StableCodeIsReasonWhenSet) {
  EXPECT_EQ(Error::BadRequest("x").StableCode(), "bad_request");
  EXPECT_EQ(Error::BadRequest("x", "malformed_json").StableCode(), "malformed_json");
  EXPECT_EQ(Error::Conflict("x", "unique_violation").StableCode(), "unique_violation");
  EXPECT_EQ(Error::Validation({}).StableCode(), "validation_failed");
}

TEST(ErrorTest, EveryCodeHasADistinctName) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
    names.insert(ErrorCodeName(static_cast<ErrorCode>(c)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(ErrorCode::kInternal) + 1);
}

TEST(ErrorTest, FieldErrorsFinish) {
  FieldErrors errors;
  EXPECT_TRUE(errors.Finish().has_value());
  errors.Add("phone", "format", "not a mobile number");
  errors.Add("id_number", "checksum", "bad check character");
  EXPECT_TRUE(errors.Has("phone"));
  EXPECT_FALSE(errors.Has("name"));
  auto r = errors.Finish();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(r.error().field_errors.size(), 2u);
  EXPECT_EQ(r.error().field_errors[1], (FieldError{"id_number", "checksum", "bad check character"}));
}

TEST(ErrorTest, RateLimitedCarriesRetryAfter) {
  auto e = Error::RateLimited(30);
  EXPECT_EQ(e.code, ErrorCode::kRateLimited);
  EXPECT_EQ(e.retry_after_seconds, 30);
}

}  // namespace
}  // namespace wangban
