#include "wangban/sheets/sheets.hpp"

#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>
#include <iterator>

#include "tests/testing/temp_dir.hpp"
#include "wangban/sheets/internal/text.hpp"
#include "wangban/sheets/internal/zip_reader.hpp"

namespace wangban::sheets {
namespace {

// ---- helpers ----

// A JSON document of about 30,000 characters with Chinese, quotes, commas and line breaks.
std::string BigJson() {
  std::string json = "{\"materials\":[";
  for (int i = 0; internal::Utf16Length(json) < 30'000; ++i) {
    if (i > 0) json += ",\n";
    json += "{\"名称\":\"营业执照副本" + std::to_string(i) + "\",\"说明\":\"加盖公章, 含 \\\"引号\\\"\"}";
  }
  return json + "]}";
}

std::vector<Row> TrickyRows() {
  return {
      {"事项名称", "基本编码", "备注", "办理材料"},
      {"企业设立登记", "11440100MB2C12345X", "含,逗号", R"({"a":"b, c"})"},
      {"引号\"在中间\"", "", "第一行\r\n第二行", "只有\n换行"},
      {"  前导空格", "尾随空格  ", "\t制表符", ""},
      {""},
      {},
      {"\"", "\"\"", ",", "\r\n"},
      {"a", "b", "c", "d", "e"},
      {"=1+1", "5", "007", "2.50"},
      {BigJson()},
  };
}

// The rows as ReadXlsx returns them: trailing empty cells and rows trimmed.
std::vector<Row> Trimmed(std::vector<Row> rows) {
  for (Row& row : rows) {
    while (!row.empty() && row.back().empty()) row.pop_back();
  }
  while (!rows.empty() && rows.back().empty()) rows.pop_back();
  return rows;
}

template <typename T>
std::string ReasonOf(const Result<T>& result) {
  return result.has_value() ? "(no error)" : result.error().reason;
}

template <typename T>
std::string MessageOf(const Result<T>& result) {
  return result.has_value() ? "(no error)" : result.error().message;
}

std::uint32_t Crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// Builds zip archives with minizip's zip.h, as other tools would write them.
class ZipBuilder {
 public:
  ZipBuilder() : path_(dir_ / "built.zip") {
    zip_ = zipOpen64(path_.c_str(), APPEND_STATUS_CREATE);
    EXPECT_NE(zip_, nullptr);
  }
  ~ZipBuilder() {
    if (zip_ != nullptr) zipClose(zip_, nullptr);
  }

  // A deflated entry.
  ZipBuilder& Add(const std::string& name, std::string_view content) {
    zip_fileinfo info{};
    EXPECT_EQ(zipOpenNewFileInZip64(zip_, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                                    Z_DEFAULT_COMPRESSION, 0),
              ZIP_OK);
    EXPECT_EQ(zipWriteInFileInZip(zip_, content.data(), static_cast<unsigned>(content.size())), ZIP_OK);
    EXPECT_EQ(zipCloseFileInZip(zip_), ZIP_OK);
    return *this;
  }

  // A stored entry whose headers declare `declared_size` whatever its real size.
  ZipBuilder& AddLying(const std::string& name, std::string_view content, std::size_t declared_size) {
    zip_fileinfo info{};
    EXPECT_EQ(zipOpenNewFileInZip2(zip_, name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, 0, 0, 1), ZIP_OK);
    EXPECT_EQ(zipWriteInFileInZip(zip_, content.data(), static_cast<unsigned>(content.size())), ZIP_OK);
    EXPECT_EQ(zipCloseFileInZipRaw(zip_, static_cast<uLong>(declared_size), Crc32(content)), ZIP_OK);
    return *this;
  }

  std::string Bytes() {
    zipClose(zip_, nullptr);
    zip_ = nullptr;
    std::ifstream in(path_, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  testing::TempDir dir_;
  std::filesystem::path path_;
  zipFile zip_ = nullptr;
};

constexpr std::string_view kRootRels =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>)";

// A workbook with one sheet "S" whose part is xl/worksheets/sheet1.xml, holding `sheet_data`.
std::string OneSheetXlsx(std::string_view sheet_data, std::string_view shared_strings = {}) {
  ZipBuilder zip;
  zip.Add("_rels/.rels", kRootRels)
      .Add(
          "xl/workbook.xml",
          R"(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>)")
      .Add(
          "xl/_rels/workbook.xml.rels",
          R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>)")
      .Add("xl/worksheets/sheet1.xml",
           std::string(R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)") +
               std::string(sheet_data) + "</sheetData></worksheet>");
  zip.Add("xl/sharedStrings.xml", std::string("<sst>") + std::string(shared_strings) + "</sst>");
  return zip.Bytes();
}

// ---- CSV ----

TEST(WriteCsvTest, BomCrLfAndQuotesOnlyWhereNeeded) {
  const std::string csv = WriteCsv({{"事项名称", "基本编码"}, {"a,b", "say \"hi\""}, {" x", "y ", "z"}, {""}, {}});
  EXPECT_EQ(csv,
            "\xEF\xBB\xBF"
            "事项名称,基本编码\r\n"
            "\"a,b\",\"say \"\"hi\"\"\"\r\n"
            "\" x\",\"y \",z\r\n"
            "\"\"\r\n"
            "\r\n");
  EXPECT_EQ(WriteCsv({{"多\n行"}}), "\xEF\xBB\xBF\"多\n行\"\r\n");
  EXPECT_EQ(WriteCsv({}), "\xEF\xBB\xBF");
}

TEST(CsvTest, RoundTripsTrickyCells) {
  const std::vector<Row> rows = TrickyRows();
  auto read = ReadCsv(WriteCsv(rows));
  ASSERT_TRUE(read.has_value()) << MessageOf(read);
  EXPECT_EQ(*read, rows);
}

TEST(CsvTest, RoundTripDropsOnlyTrailingRowsWithoutCells) {
  auto read = ReadCsv(WriteCsv({{"a"}, {}, {""}, {}, {}}));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, (std::vector<Row>{{"a"}, {}, {""}}));
}

TEST(ReadCsvTest, BomIsOptional) {
  const std::vector<Row> expected = {{"事项名称", "基本编码"}, {"设立", "001"}};
  EXPECT_EQ(ReadCsv("\xEF\xBB\xBF事项名称,基本编码\r\n设立,001\r\n"), expected);
  EXPECT_EQ(ReadCsv("事项名称,基本编码\r\n设立,001\r\n"), expected);
  EXPECT_EQ(ReadCsv("\xEF\xBB\xBF"), std::vector<Row>{});
  EXPECT_EQ(ReadCsv(""), std::vector<Row>{});
}

TEST(ReadCsvTest, LfOnlyCrOnlyAndMissingFinalLineEnd) {
  const std::vector<Row> expected = {{"a", "b"}, {"c", "d"}};
  EXPECT_EQ(ReadCsv("a,b\nc,d\n"), expected);
  EXPECT_EQ(ReadCsv("a,b\nc,d"), expected);
  EXPECT_EQ(ReadCsv("a,b\rc,d\r"), expected);
  EXPECT_EQ(ReadCsv("a,b\r\nc,d\n"), expected);
}

TEST(ReadCsvTest, QuotedFieldsKeepLineBreaksAsTheyAre) {
  EXPECT_EQ(ReadCsv("\"a\nb\",\"c\r\nd\"\n\"\"\"q\"\"\",x\n"), (std::vector<Row>{{"a\nb", "c\r\nd"}, {"\"q\"", "x"}}));
}

TEST(ReadCsvTest, EmptyFieldsAndRowsOfDifferentLengths) {
  EXPECT_EQ(ReadCsv(",a,\n\nb\n,\n"), (std::vector<Row>{{"", "a", ""}, {}, {"b"}, {"", ""}}));
}

TEST(ReadCsvTest, TrailingEmptyLinesAreIgnored) { EXPECT_EQ(ReadCsv("a\r\n\r\n\r\n\n"), std::vector<Row>{{"a"}}); }

TEST(ReadCsvTest, QuoteInsideAnUnquotedFieldIsText) {
  EXPECT_EQ(ReadCsv("5\" pipe,b\"c\"\n"), (std::vector<Row>{{"5\" pipe", "b\"c\""}}));
}

TEST(ReadCsvTest, UnterminatedQuoteNamesTheLineItOpensOn) {
  auto read = ReadCsv("a,b\n\"multi\nline\",ok\nc,\"never closed\nd\ne\n");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(read.error().reason, "bad_csv");
  EXPECT_NE(read.error().message.find("line 4"), std::string::npos) << read.error().message;
}

TEST(ReadCsvTest, TextAfterClosingQuoteNamesItsLine) {
  auto read = ReadCsv("h1,h2\r\n\"x\r\ny\",1\r\n\"ok\" junk,2\r\n");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().reason, "bad_csv");
  EXPECT_NE(read.error().message.find("line 4"), std::string::npos) << read.error().message;
}

TEST(ReadCsvTest, GbkIsRefusedWithAdviceToSaveAsUtf8) {
  // "事项名称,基本编码\r\n" then "设立,1" in GBK, as older Excel saves "CSV (逗号分隔)".
  const std::string gbk = "abc\r\n\xCA\xC2\xCF\xEE\xC3\xFB\xB3\xC6,\xBB\xF9\xB1\xBE\xB1\xE0\xC2\xEB\r\n";
  auto read = ReadCsv(gbk);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(read.error().reason, "bad_encoding");
  EXPECT_NE(read.error().message.find("GBK"), std::string::npos);
  EXPECT_NE(read.error().message.find("CSV UTF-8"), std::string::npos);
  EXPECT_NE(read.error().message.find("line 2"), std::string::npos) << read.error().message;
}

TEST(ReadCsvTest, Utf16AndNulAreRefused) {
  EXPECT_EQ(ReasonOf(ReadCsv(std::string_view("\xFF\xFE"
                                              "a\0,\0",
                                              6))),
            "bad_encoding");
  EXPECT_EQ(ReasonOf(ReadCsv(std::string_view("a\0b", 3))), "bad_encoding");
}

TEST(ReadCsvTest, AnExcelWorkbookIsNotCsv) {
  auto xlsx = WriteXlsx({{"S", {{"a"}}}});
  ASSERT_TRUE(xlsx.has_value());
  auto read = ReadCsv(*xlsx);
  EXPECT_EQ(ReasonOf(read), "bad_csv");
  EXPECT_NE(MessageOf(read).find("xlsx"), std::string::npos);
}

TEST(ReadCsvTest, LimitsAreEnforced) {
  EXPECT_EQ(ReasonOf(ReadCsv("a\nb\nc\n", {.max_rows = 2})), "too_large");
  EXPECT_TRUE(ReadCsv("a\nb\n\n\n", {.max_rows = 2}).has_value());
  EXPECT_EQ(ReasonOf(ReadCsv("a,b,c\n", {.max_columns = 2})), "too_large");
  EXPECT_EQ(ReasonOf(ReadCsv(std::string(1000, ','), {.max_cells = 500})), "too_large");
  EXPECT_EQ(ReasonOf(ReadCsv(std::string(1000, '\n') + "a", {.max_cells = 500})), "too_large");
  EXPECT_TRUE(ReadCsv("a,b\nc\n", {.max_cells = 5}).has_value());  // 3 cells and 2 rows
  EXPECT_EQ(ReasonOf(ReadCsv("abcdef", {.max_total_bytes = 5})), "too_large");
}

// ---- .xlsx ----

TEST(XlsxTest, RoundTripsTwoSheetsOfTrickyCells) {
  std::vector<Row> second = TrickyRows();
  second.push_back({"ctl\x01\x0B\x1F", "lone\rcr", "_x0041_ literal", "_x005F_", "_x0041\x01"});
  second.push_back({"😀 𠮷", "\xEF\xBF\xBE\xEF\xBF\xBF", "  ", "TRUE"});
  const std::vector<Sheet> sheets = {{"事项目录", TrickyRows()}, {"第二页 (2)", second}};
  auto bytes = WriteXlsx(sheets);
  ASSERT_TRUE(bytes.has_value()) << MessageOf(bytes);
  auto read = ReadXlsx(*bytes);
  ASSERT_TRUE(read.has_value()) << MessageOf(read);
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].name, "事项目录");
  EXPECT_EQ((*read)[0].rows, Trimmed(sheets[0].rows));
  EXPECT_EQ((*read)[1].name, "第二页 (2)");
  EXPECT_EQ((*read)[1].rows, Trimmed(sheets[1].rows));
}

TEST(XlsxTest, WritesStringsWithABoldFrozenHeaderAndWidths) {
  auto bytes = WriteXlsx({{"S", {{"事项名称", "n"}, {"5", "2.5"}}}});
  ASSERT_TRUE(bytes.has_value());
  auto zip = internal::ZipReader::Open(*bytes, 1 << 20, 1 << 20);
  ASSERT_TRUE(zip.has_value());
  auto sheet = (*zip)->Read("xl/worksheets/sheet1.xml");
  ASSERT_TRUE(sheet.has_value() && sheet->has_value());
  const std::string& xml = **sheet;
  EXPECT_NE(xml.find(R"(ySplit="1")"), std::string::npos) << xml;
  EXPECT_NE(xml.find(R"(state="frozen")"), std::string::npos);
  EXPECT_NE(xml.find(R"(<col min="1" max="1" width="10)"), std::string::npos);  // 8 wide + 2
  EXPECT_NE(xml.find(R"(<col min="2" max="2" width="8)"), std::string::npos);   // the minimum
  EXPECT_EQ(xml.find("<v>5</v>"), std::string::npos);  // a shared string index, never the number
  auto styles = (*zip)->Read("xl/styles.xml");
  ASSERT_TRUE(styles.has_value() && styles->has_value());
  EXPECT_NE((*styles)->find("<b/>"), std::string::npos);
  EXPECT_NE((*styles)->find(R"(wrapText="1")"), std::string::npos);
  EXPECT_EQ(ReadXlsx(*bytes).value()[0].rows, (std::vector<Row>{{"事项名称", "n"}, {"5", "2.5"}}));
}

TEST(XlsxTest, EmptyNamesAndEmptySheets) {
  auto bytes = WriteXlsx({{"", {}}, {"B", {{"x"}}}});
  ASSERT_TRUE(bytes.has_value()) << MessageOf(bytes);
  auto read = ReadXlsx(*bytes);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, (std::vector<Sheet>{{"Sheet1", {}}, {"B", {{"x"}}}}));
}

TEST(WriteXlsxTest, RefusesBadSheetNames) {
  EXPECT_EQ(ReasonOf(WriteXlsx({})), "bad_sheet");
  for (const std::string& name :
       std::vector<std::string>{"a/b", "a[1]", "q?", "'quoted'", "History", std::string(32, 'x'), "ctl\x01"}) {
    EXPECT_EQ(ReasonOf(WriteXlsx({{name, {{"a"}}}})), "bad_sheet") << name;
  }
  EXPECT_TRUE(WriteXlsx({{std::string(31, 'x'), {}}}).has_value());
  std::string chinese;
  for (int i = 0; i < 31; ++i) chinese += "项";  // 93 bytes, 31 characters
  EXPECT_TRUE(WriteXlsx({{chinese, {}}}).has_value());
  EXPECT_EQ(ReasonOf(WriteXlsx({{chinese + "项", {}}})), "bad_sheet");
  auto duplicate = WriteXlsx({{"Items", {}}, {"items", {}}});
  EXPECT_EQ(ReasonOf(duplicate), "bad_sheet");
  EXPECT_EQ(ReasonOf(WriteXlsx({{"", {}}, {"Sheet1", {}}})), "bad_sheet");
}

TEST(WriteXlsxTest, RefusesCellsXlsxCannotHold) {
  auto nul = WriteXlsx({{"S", {{"a"}, {"b", std::string("x\0y", 3)}}}});
  EXPECT_EQ(ReasonOf(nul), "bad_cell");
  EXPECT_NE(MessageOf(nul).find("B2"), std::string::npos) << MessageOf(nul);
  EXPECT_NE(MessageOf(nul).find("NUL"), std::string::npos);
  EXPECT_EQ(ReasonOf(WriteXlsx({{"S", {{"\xCA\xC2"}}}})), "bad_cell");
  auto too_long = WriteXlsx({{"S", {{std::string(32'768, 'x')}}}});
  EXPECT_EQ(ReasonOf(too_long), "bad_cell");
  EXPECT_NE(MessageOf(too_long).find("32,767"), std::string::npos);
  EXPECT_TRUE(WriteXlsx({{"S", {{std::string(32'767, 'x')}}}}).has_value());
  std::string han;
  for (int i = 0; i < 32'767; ++i) han += "项";  // the limit is in characters, not bytes
  EXPECT_TRUE(WriteXlsx({{"S", {{han}}}}).has_value());
  std::string emoji;
  for (int i = 0; i < 16'384; ++i) emoji += "😀";  // 32,768 UTF-16 units
  EXPECT_EQ(ReasonOf(WriteXlsx({{"S", {{emoji}}}})), "bad_cell");
  EXPECT_EQ(ReasonOf(WriteXlsx({{"S", {Row(16'385, "x")}}})), "bad_cell");
}

TEST(ReadXlsxTest, ReadsAHandMadeWorkbookLikeOtherToolsWrite) {
  ZipBuilder zip;
  zip.Add("[Content_Types].xml", "<Types/>")
      .Add("_rels/.rels", kRootRels)
      // Sheets listed in an order unlike their part names; a chart sheet in between.
      .Add("xl/workbook.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
          xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
  <sheets>
    <sheet name="事项" sheetId="7" rel:id="rIdB"/>
    <sheet name="图表" sheetId="8" rel:id="rIdC"/>
    <sheet name="前缀 &amp; 空白" sheetId="9" rel:id="rIdA"/>
  </sheets>
</workbook>)")
      .Add("xl/_rels/workbook.xml.rels",
           R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rIdA" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
  <Relationship Id="rIdB" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/../worksheets/sheet2.xml"/>
  <Relationship Id="rIdC" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/>
  <Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
</Relationships>)")
      .Add("xl/strings.xml", R"(<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3">
  <si><t>plain</t></si>
  <si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve"> 文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></si>
  <si><t>a_x000D_
b</t></si>
</sst>)")
      .Add("xl/worksheets/sheet2.xml", R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<dimension ref="A1:E7"/>
<sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>事项名称</t></is></c><c r="C1" t="inlineStr"><is><t xml:space="preserve"> 数量 </t></is></c></row>
<row r="2"><c r="A2"><v>5</v></c><c r="B2" s="3"><v>2.5</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="b"><v>0</v></c></row>
<row r="4"><c r="B4" t="e"><v>#N/A</v></c><c r="C4" t="str"><f>A2*2</f><v>10</v></c><c r="D4" s="1"/><c r="E4"><f>A2+1</f></c></row>
<row><c><v>0.30000000000000004</v></c><c><v>1E-4</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>
<row r="6"><c r="A6" t="inlineStr"><is><r><t>内联</t></r><r><t>富文本</t></r></is></c><c r="B6"><v>45292</v></c><c r="C6" t="s"><v>0</v></c></row>
<row r="7" spans="1:5" ht="30" customHeight="1"><c r="B7" s="2"/></row>
</sheetData></worksheet>)")
      .Add("xl/worksheets/sheet1.xml",
           R"(<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:sheetData><x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t><![CDATA[<cdata>]]></x:t></x:is></x:c></x:row></x:sheetData>
</x:worksheet>)");
  auto read = ReadXlsx(zip.Bytes());
  ASSERT_TRUE(read.has_value()) << MessageOf(read);
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].name, "事项");
  EXPECT_EQ((*read)[0].rows, (std::vector<Row>{
                                 {"事项名称", "", " 数量 "},
                                 {"5", "2.5", "", "TRUE", "FALSE"},
                                 {},
                                 {"", "#N/A", "10"},
                                 {"0.3", "0.0001", "富 文本", "a\r\nb"},
                                 {"内联富文本", "45292", "plain"},
                             }));
  EXPECT_EQ((*read)[1], (Sheet{"前缀 & 空白", {{}, {"", "<cdata>"}}}));
}

TEST(ReadXlsxTest, WorkbookPartFoundWithoutPackageRelationships) {
  ZipBuilder zip;
  zip.Add("xl/workbook.xml",
          R"(<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>)")
      .Add(
          "xl/_rels/workbook.xml.rels",
          R"(<Relationships><Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)")
      .Add("xl/worksheets/sheet1.xml",
           R"(<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>)");
  auto read = ReadXlsx(zip.Bytes());
  ASSERT_TRUE(read.has_value()) << MessageOf(read);
  EXPECT_EQ(*read, (std::vector<Sheet>{{"S", {{"1"}}}}));
}

TEST(ReadXlsxTest, NotAZipIsBadXlsx) {
  for (std::string_view bytes : {std::string_view(""), std::string_view("事项名称,基本编码\r\n"),
                                 std::string_view("PK\x03\x04 truncated", 14)}) {
    auto read = ReadXlsx(bytes);
    EXPECT_EQ(ReasonOf(read), "bad_xlsx");
    EXPECT_NE(MessageOf(read).find("not a zip"), std::string::npos) << MessageOf(read);
  }
}

TEST(ReadXlsxTest, OldXlsGetsItsOwnMessage) {
  std::string ole2("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
  ole2.resize(4096, '\0');
  auto read = ReadXlsx(ole2);
  EXPECT_EQ(ReasonOf(read), "bad_xlsx");
  EXPECT_NE(MessageOf(read).find(".xls workbook"), std::string::npos) << MessageOf(read);
  EXPECT_EQ(ReasonOf(ReadTable(ole2)), "bad_xlsx");
}

TEST(ReadXlsxTest, ZipWithoutWorkbookIsBadXlsx) {
  ZipBuilder docx;
  docx.Add("_rels/.rels", kRootRels).Add("word/document.xml", "<document/>");
  auto read = ReadXlsx(docx.Bytes());
  EXPECT_EQ(ReasonOf(read), "bad_xlsx");
  EXPECT_NE(MessageOf(read).find("no workbook"), std::string::npos) << MessageOf(read);
}

TEST(ReadXlsxTest, PartNamesIgnoreCase) {
  ZipBuilder zip;
  zip.Add("XL/Workbook.xml",
          R"(<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>)")
      .Add(
          "xl/_rels/workbook.xml.rels",
          R"(<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="Worksheets/Sheet1.xml"/></Relationships>)")
      .Add("xl/worksheets/sheet1.xml",
           R"(<worksheet><sheetData><row><c t="b"><v>1</v></c></row></sheetData></worksheet>)");
  EXPECT_EQ(ReadXlsx(zip.Bytes()), (std::vector<Sheet>{{"S", {{"TRUE"}}}}));
}

TEST(ReadXlsxTest, ZipBombEntryIsStoppedAtTheCap) {
  const std::string big = "<worksheet><sheetData>" + std::string(2 << 20, ' ') + "</sheetData></worksheet>";
  ZipBuilder zip;
  zip.Add("_rels/.rels", kRootRels)
      .Add("xl/workbook.xml",
           R"(<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>)")
      .Add(
          "xl/_rels/workbook.xml.rels",
          R"(<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)")
      .Add("xl/worksheets/sheet1.xml", big);
  const std::string bomb = zip.Bytes();
  ASSERT_LT(bomb.size(), 20'000u);
  auto read = ReadXlsx(bomb, {.max_entry_bytes = 1 << 20});
  EXPECT_EQ(ReasonOf(read), "too_large");
  EXPECT_NE(MessageOf(read).find("sheet1.xml"), std::string::npos) << MessageOf(read);
  EXPECT_EQ(ReasonOf(ReadXlsx(bomb, {.max_total_bytes = 1 << 20})), "too_large");
  EXPECT_TRUE(ReadXlsx(bomb).has_value());
}

TEST(ReadXlsxTest, EntryWhoseHeaderUnderstatesItsSizeIsRefused) {
  const std::string sheet = "<worksheet><sheetData>" + std::string(100'000, ' ') + "</sheetData></worksheet>";
  ZipBuilder zip;
  zip.Add("_rels/.rels", kRootRels)
      .Add("xl/workbook.xml",
           R"(<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>)")
      .Add(
          "xl/_rels/workbook.xml.rels",
          R"(<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)")
      .AddLying("xl/worksheets/sheet1.xml", sheet, 100);
  auto read = ReadXlsx(zip.Bytes(), {.max_entry_bytes = 50'000});
  ASSERT_FALSE(read.has_value());
  EXPECT_TRUE(read.error().reason == "bad_xlsx" || read.error().reason == "too_large") << read.error().reason;
}

TEST(ReadXlsxTest, EntryWhoseHeaderOverstatesItsSizeIsRefused) {
  ZipBuilder zip;
  zip.AddLying("xl/workbook.xml", "<workbook/>", 5000);
  auto read = ReadXlsx(zip.Bytes());
  EXPECT_EQ(ReasonOf(read), "bad_xlsx");
}

TEST(ReadXlsxTest, RowAndCellLimits) {
  auto bytes = WriteXlsx({{"S", {{"h"}, {"a"}, {"b"}, {"c", "d", "e"}}}});
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(ReadXlsx(*bytes, {.max_rows = 4}).has_value());
  EXPECT_EQ(ReasonOf(ReadXlsx(*bytes, {.max_rows = 3})), "too_large");
  EXPECT_EQ(ReasonOf(ReadXlsx(*bytes, {.max_columns = 2})), "too_large");
  EXPECT_EQ(ReasonOf(ReadXlsx(*bytes, {.max_cells = 8})), "too_large");
  EXPECT_TRUE(ReadXlsx(*bytes, {.max_cells = 10}).has_value());  // 4 rows and 6 cells
}

TEST(ReadXlsxTest, FarAwayCellsCountAgainstTheCellLimit) {
  auto read = ReadXlsx(OneSheetXlsx(R"(<row r="1"><c r="XFD1"><v>1</v></c></row>)"), {.max_cells = 10'000});
  EXPECT_EQ(ReasonOf(read), "too_large");
  EXPECT_EQ(
      ReasonOf(ReadXlsx(OneSheetXlsx(R"(<row r="150000"><c r="A150000"><v>1</v></c></row>)"), {.max_cells = 10'000})),
      "too_large");
}

TEST(ReadXlsxTest, CorruptSheetsAreBadXlsx) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {R"(<row r="1"><c r="XFE1"><v>1</v></c></row>)", "XFE1"},
      {R"(<row r="0"><c r="A1"><v>1</v></c></row>)", "row number"},
      {R"(<row r="1"><c r="A1" t="s"><v>3</v></c></row>)", "shared string"},
      {R"(<row r="1"><c r="A1" t="s"><v>-1</v></c></row>)", "shared string"},
      {R"(<row r="1"><c r="A1" t="inlineStr"><is><t>a_x0000_b</t></is></c></row>)", "NUL"},
      {"<row r=\"1\"><c r=\"B1\" t=\"inlineStr\"><is><t>\xCA\xC2</t></is></c></row>", "UTF-8"},
      {R"(<row r="1"><c r="A1"><v>1</v></c>)", "well-formed"},
  };
  for (const auto& [sheet_data, expected] : cases) {
    auto read = ReadXlsx(OneSheetXlsx(sheet_data, "<si><t>only</t></si>"));
    EXPECT_EQ(ReasonOf(read), "bad_xlsx") << sheet_data;
    EXPECT_NE(MessageOf(read).find(expected), std::string::npos) << MessageOf(read);
  }
}

TEST(ReadXlsxTest, SharedStringIndexInRangeReads) {
  auto read = ReadXlsx(OneSheetXlsx(R"(<row r="1"><c r="A1" t="s"><v>0</v></c></row>)", "<si><t>only</t></si>"));
  ASSERT_TRUE(read.has_value()) << MessageOf(read);
  EXPECT_EQ((*read)[0].rows, std::vector<Row>{{"only"}});
}

// ---- either ----

TEST(ReadTableTest, SniffsTheFormat) {
  auto csv = ReadTable("事项名称,基本编码\r\n设立,001\r\n");
  ASSERT_TRUE(csv.has_value());
  EXPECT_EQ(*csv, (std::vector<Sheet>{{"", {{"事项名称", "基本编码"}, {"设立", "001"}}}}));
  auto xlsx = ReadTable(WriteXlsx({{"目录", {{"a", "b"}}}}).value());
  ASSERT_TRUE(xlsx.has_value());
  EXPECT_EQ(*xlsx, (std::vector<Sheet>{{"目录", {{"a", "b"}}}}));
  EXPECT_EQ(ReasonOf(ReadTable("\xCA\xC2\xCF\xEE")), "bad_encoding");
}

}  // namespace
}  // namespace wangban::sheets
