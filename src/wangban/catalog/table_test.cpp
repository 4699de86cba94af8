#include "wangban/catalog/table.hpp"

#include <gtest/gtest.h>

#include "wangban/catalog/bundle.hpp"
#include "wangban/catalog/internal/demo_files.hpp"

namespace wangban::catalog {
namespace {

const CatalogBundle& Demo() {
  static const CatalogBundle bundle = [] {
    auto b = ParseCatalogBundle(internal::DemoCatalogBundleText());
    if (!b) std::abort();
    return *b;
  }();
  return bundle;
}

std::vector<TableRow> DemoTable() {
  std::vector<TableRow> rows = {ItemColumns()};
  for (const auto& item : Demo().items) rows.push_back(ItemToRow(item, "某部门"));
  return rows;
}

TEST(TableTest, ExportThenImportIsTheIdentity) {
  auto table = ItemsFromTable(DemoTable());
  ASSERT_TRUE(table.has_value()) << table.error().message << " "
                                 << (table.error().field_errors.empty() ? "" : table.error().field_errors[0].field + ": " +
                                                                                   table.error().field_errors[0].message);
  ASSERT_EQ(table->items.size(), Demo().items.size());
  for (std::size_t i = 0; i < Demo().items.size(); ++i) {
    EXPECT_EQ(table->items[i], Demo().items[i]) << Demo().items[i].name;
    EXPECT_EQ(table->row_numbers[i], i + 2);
  }
  EXPECT_TRUE(table->ignored_columns.empty());
}

TEST(TableTest, LoadsAHandKeptSpreadsheet) {
  // Columns in another order, some missing, an extra 序号 column, units in the limits, laws as
  // plain lines, codes spelled in Chinese.
  std::vector<TableRow> rows = {
      {"序号", "事项名称", "基本编码", "实施编码", "事项类型", "行使层级", "实施主体编码", "行政区划代码", "设定依据",
       "服务对象", "办理形式", "法定办结时限", "承诺办结时限", "是否全程网办", "办理流程"},
      {"1", "户外广告设置许可", "000107020000", "000107020000460100HKZJJ", "行政许可", "市级", "HK-ZJJ", "460100",
       "《城市市容和环境卫生管理条例》\n《海口市户外广告设置管理规定》", "企业法人\n自然人", "网上办理\n窗口办理",
       "20个工作日", "5个工作日", "是", "standard_approval"},
      {"", "", "", "", "", "", "", "", "", "", "", "", "", "", ""},
  };
  auto table = ItemsFromTable(rows);
  ASSERT_TRUE(table.has_value()) << table.error().message << " "
                                 << (table.error().field_errors.empty() ? "" : table.error().field_errors[0].field + ": " +
                                                                                   table.error().field_errors[0].message);
  ASSERT_EQ(table->items.size(), 1u);
  const Item& item = table->items[0];
  EXPECT_EQ(item.type, "01");
  EXPECT_EQ(item.level, 3);
  EXPECT_EQ(item.legal_limit_days, 20);
  EXPECT_EQ(item.promised_limit_days, 5);
  EXPECT_FALSE(item.instant);
  EXPECT_EQ(item.audience, (std::vector<std::string>{"company", "person"}));
  ASSERT_EQ(item.legal_basis.size(), 2u);
  EXPECT_EQ(item.legal_basis[1].name, "《海口市户外广告设置管理规定》");
  EXPECT_EQ(item.result.name, "户外广告设置许可");
  EXPECT_EQ(item.consult_phone, "12345");
  EXPECT_NE(item.form_schema.find("applicant_name"), std::string::npos);
  EXPECT_EQ(table->ignored_columns, std::vector<std::string>{"序号"});
}

TEST(TableTest, ReportsEveryBadRowWithItsSpreadsheetRowNumber) {
  auto rows = DemoTable();
  const auto col = [&](const std::string& header) {
    return static_cast<std::size_t>(std::find(rows[0].begin(), rows[0].end(), header) - rows[0].begin());
  };
  rows[3][col("承诺办结时限")] = "999";
  rows[5][col("是否全程网办")] = "也许";
  rows[7][col("申请材料")] = "[{\"code\": \"M01\"";
  rows[9][col("事项类型")] = "行政处理";
  auto table = ItemsFromTable(rows);
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().code, ErrorCode::kValidationFailed);
  std::vector<std::string> fields;
  for (const auto& f : table.error().field_errors) fields.push_back(f.field + " " + f.code);
  EXPECT_EQ(fields, (std::vector<std::string>{"row 4.承诺办结时限 promised_exceeds_legal", "row 6.是否全程网办 format",
                                              "row 8.申请材料 format", "row 10.事项类型 enum"}));
}

TEST(TableTest, MissingRequiredColumnsAreNamed) {
  std::vector<TableRow> rows = {{"事项名称", "实施编码"}, {"x", "y"}};
  auto table = ItemsFromTable(rows);
  ASSERT_FALSE(table.has_value());
  bool found = false;
  for (const auto& f : table.error().field_errors) {
    if (f.code == "missing_column" && f.message.find("办理流程") != std::string::npos) found = true;
  }
  EXPECT_TRUE(found);
}

TEST(TableTest, StoreErrorsMapBackToRows) {
  TableItems table;
  table.row_numbers = {2, 5};
  Error e = Error::Validation({{"items[1].department", "unknown_department", "no department"},
                               {"items[0].materials[2].code", "duplicate", "twice"}});
  e = RowError(e, table);
  EXPECT_EQ(e.field_errors[0].field, "row 5.实施主体编码");
  EXPECT_EQ(e.field_errors[1].field, "row 2.申请材料[2].code");
}

}  // namespace
}  // namespace wangban::catalog
