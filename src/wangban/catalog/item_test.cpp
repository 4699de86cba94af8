#include "wangban/catalog/item.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "wangban/catalog/bundle.hpp"
#include "wangban/catalog/internal/demo_files.hpp"

namespace wangban::catalog {
namespace {

using nlohmann::ordered_json;

ordered_json DemoItem(const std::string& file) {
  return ordered_json::parse(internal::ReadText(internal::DemoCatalogDir() / "items" / file));
}

std::vector<std::string> Codes(const Error& e, const std::string& field) {
  std::vector<std::string> out;
  for (const auto& f : e.field_errors) {
    if (f.field == field) out.push_back(f.code);
  }
  return out;
}

TEST(ItemTest, EveryDemoItemIsValidAndRoundTripsExactly) {
  auto bundle = ParseCatalogBundle(internal::DemoCatalogBundleText());
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message << " "
                                  << (bundle.error().field_errors.empty() ? "" : bundle.error().field_errors[0].field +
                                                                                     " " + bundle.error().field_errors[0].message);
  EXPECT_GE(bundle->items.size(), 120u);
  EXPECT_EQ(bundle->departments.size(), 28u);
  for (const auto& e : std::filesystem::directory_iterator(internal::DemoCatalogDir() / "items")) {
    const auto original = ordered_json::parse(internal::ReadText(e.path()));
    auto item = ItemFromJson(original);
    ASSERT_TRUE(item.has_value()) << e.path();
    // The canonical document is the file itself: same keys, same order, same values.
    EXPECT_EQ(ItemToJson(*item).dump(), original.dump()) << e.path();
    auto again = ItemFromText(ItemToText(*item));
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *item);
  }
}

TEST(ItemTest, PromisedLimitMayNotExceedTheLegalLimit) {
  auto doc = DemoItem("052_jianzhu_gongcheng_shigong_xuke.json");
  doc["promised_limit_days"] = doc["legal_limit_days"].get<int>() + 1;
  auto r = ItemFromJson(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(Codes(r.error(), "promised_limit_days"), std::vector<std::string>{"promised_exceeds_legal"});
}

TEST(ItemTest, NewlyApprovedItemsPromiseAtMostHalfTheLegalLimit) {
  auto doc = DemoItem("052_jianzhu_gongcheng_shigong_xuke.json");
  doc["newly_approved"] = true;
  doc["legal_limit_days"] = 10;
  doc["promised_limit_days"] = 6;
  auto r = ItemFromJson(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(Codes(r.error(), "promised_limit_days"), std::vector<std::string>{"promised_over_half"});
  doc["promised_limit_days"] = 5;
  EXPECT_TRUE(ItemFromJson(doc).has_value());
}

TEST(ItemTest, OnsiteItemsNeedTheirLegalReason) {
  auto doc = DemoItem("011_putong_huzhao.json");
  ASSERT_FALSE(doc["online"].get<bool>());
  doc["onsite_reason"] = nullptr;
  auto r = ItemFromJson(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(Codes(r.error(), "onsite_reason"), std::vector<std::string>{"onsite_reason_required"});
  doc["onsite_reason"] = "   ";
  r = ItemFromJson(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(Codes(r.error(), "onsite_reason").empty());
}

TEST(ItemTest, ReportsEveryProblemAtOnce) {
  auto doc = DemoItem("001_wufanzui_jilu_zhengming.json");
  doc["type"] = "99";
  doc["instant"] = false;  // promised 0 makes it instant
  doc["materials"][1]["code"] = "M01";
  doc["audience"] = {"person", "alien"};
  doc["fees"] = ordered_json::array({{{"name", "x"}, {"amount_fen", -5}, {"basis", "y"}}});
  doc["form_schema"]["properties"]["phone"]["type"] = "telephone";
  doc.erase("name");
  auto r = ItemFromJson(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(Codes(r.error(), "type"), std::vector<std::string>{"enum"});
  EXPECT_EQ(Codes(r.error(), "instant"), std::vector<std::string>{"instant_mismatch"});
  EXPECT_EQ(Codes(r.error(), "materials[1].code"), std::vector<std::string>{"duplicate"});
  EXPECT_EQ(Codes(r.error(), "audience[1]"), std::vector<std::string>{"enum"});
  EXPECT_EQ(Codes(r.error(), "fees[0].amount_fen"), std::vector<std::string>{"range"});
  EXPECT_EQ(Codes(r.error(), "name"), std::vector<std::string>{"required"});
  EXPECT_EQ(Codes(r.error(), "form_schema.properties.phone.type"), std::vector<std::string>{"bad_type"});
}

TEST(ItemTest, BasicCodeCarriesTheType) {
  auto doc = DemoItem("052_jianzhu_gongcheng_shigong_xuke.json");
  doc["type"] = "20";
  auto r = ItemFromJson(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(Codes(r.error(), "basic_code"), std::vector<std::string>{"type_mismatch"});
}

TEST(ItemTest, OnlyAutoApprovalItemsCarryRules) {
  auto doc = DemoItem("052_jianzhu_gongcheng_shigong_xuke.json");
  doc["auto_approval_rules"] = {"申请人年满18周岁"};
  auto r = ItemFromJson(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(Codes(r.error(), "auto_approval_rules"), std::vector<std::string>{"auto_rules"});
}

TEST(ItemTest, NotJsonIsABadRequest) {
  auto r = ItemFromText("{\"name\": ");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadRequest);
  r = ItemFromText("[1, 2]");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
}

TEST(ItemTest, CodeSetNames) {
  EXPECT_EQ(TypeName("01"), "行政许可");
  EXPECT_EQ(TypeName("20"), "公共服务");
  EXPECT_EQ(TypeName("11"), "");
  EXPECT_EQ(LevelName(4), "县级");
  EXPECT_EQ(AudienceMask({"person", "organization"}), 5);
}

}  // namespace
}  // namespace wangban::catalog
