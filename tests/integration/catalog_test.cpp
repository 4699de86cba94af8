// The catalog through the real binary on SQLite and PostgreSQL: a new user finds 施工许可 and
// reads its whole guide; catalog administrators edit, publish in batches and keep versions;
// spreadsheets go out and come back unchanged; bad rows change nothing; the CLI commands.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"
#include "tests/testing/temp_dir.hpp"

namespace wangban::testing {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kPermit = "000107001000460100HKZJJ";  // 建筑工程施工许可, HK-ZJJ
constexpr const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> Fields(const HttpResponse& r) {
  std::vector<std::string> out;
  const json body = r.Json();
  for (const auto& e : body["errors"]) out.push_back(e.value("field", "") + " " + e.value("code", ""));
  return out;
}

class CatalogApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = DatabaseFor(GetParam());
    ASSERT_FALSE(db_.empty());
    server_ = std::make_unique<ServerProcess>(
        ServerOptions{.db = db_, .extra_args = {"--demo", "--password-hash-cost", "minimum", "--no-jobs"}});
    ASSERT_TRUE(server_->ok()) << server_->output();
  }

  HttpClient client() const { return server_->client(); }

  std::string Login(const std::string& account) {
    auto r = client().PostJson("/api/v1/sessions", {{"account", account}, {"password", "Wangban@2026"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return "Bearer " + r.Json().value("token", "");
  }

  HttpResponse Put(const std::string& target, const std::string& body, const std::string& auth) {
    return client().Send({.method = "PUT",
                          .target = target,
                          .headers = {{"Authorization", auth}, {"Content-Type", "application/json"}},
                          .body = body});
  }

  HttpResponse Upload(const std::string& target, const std::string& body, const std::string& type,
                      const std::string& auth) {
    return client().Send(
        {.method = "POST", .target = target, .headers = {{"Authorization", auth}, {"Content-Type", type}}, .body = body});
  }

  std::string db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(CatalogApiTest, ANewUserFindsConstructionPermitAndReadsItsWholeGuide) {
  auto found = client().Get("/api/v1/items?q=" + UrlEncode("施工许可"));
  ASSERT_EQ(found.status, 200) << found.body;
  const json list = found.Json();
  ASSERT_GE(list["total"].get<int>(), 1);
  EXPECT_EQ(list["items"][0]["name"], "建筑工程施工许可");
  EXPECT_EQ(list["items"][0]["code"], kPermit);
  EXPECT_EQ(list["items"][0]["department_name"], "海口市住房和城乡建设局");

  auto guide = client().Get(std::string("/api/v1/items/") + kPermit);
  ASSERT_EQ(guide.status, 200) << guide.body;
  const json g = guide.Json();
  for (const char* field :
       {"basic_code", "implementation_code", "name", "type", "type_name", "level", "department", "department_name",
        "region", "region_name", "legal_basis", "conditions", "audience", "handling_forms", "instant",
        "legal_limit_days", "promised_limit_days", "fees", "online", "onsite_reason", "visits", "appointment",
        "online_payment", "courier", "result", "consult_phone", "complaint_phone", "faq", "materials", "form_schema",
        "process_key", "version", "status"}) {
    EXPECT_TRUE(g.contains(field)) << field;
  }
  EXPECT_EQ(g["type_name"], "行政许可");
  EXPECT_EQ(g["status"], "published");
  EXPECT_FALSE(g["conditions"].empty());
  EXPECT_FALSE(g["legal_basis"].empty());
  EXPECT_LE(g["promised_limit_days"].get<int>(), g["legal_limit_days"].get<int>());
  ASSERT_FALSE(g["materials"].empty());
  for (const auto& m : g["materials"]) {
    EXPECT_TRUE(m.contains("e_license_type"));
    EXPECT_TRUE(m.contains("commitment_allowed"));
  }
  EXPECT_EQ(g["form_schema"]["type"], "object");
  // The form keeps its field order (the web form renders in it).
  const std::string raw = guide.body;
  EXPECT_LT(raw.find("\"project_name\""), raw.find("\"project_code\""));

  // An on-site item explains why.
  auto passport = client().Get("/api/v1/items?q=" + UrlEncode("普通护照"));
  ASSERT_EQ(passport.status, 200);
  const std::string code = passport.Json()["items"][0]["code"];
  auto p = client().Get("/api/v1/items/" + code).Json();
  EXPECT_EQ(p["online"], false);
  EXPECT_NE(p["onsite_reason"].get<std::string>().find("指纹"), std::string::npos);
  EXPECT_EQ(p["fees"][0]["amount_fen"], 12000);

  EXPECT_EQ(client().Get("/api/v1/items/nope").status, 404);
}

TEST_P(CatalogApiTest, FiltersPagesAndFigures) {
  auto page = client().Get("/api/v1/items?department=HK-SCJG&online=true&limit=5");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Json()["total"], 11);
  std::vector<std::string> codes;
  std::string target = "/api/v1/items?department=HK-SCJG&online=true&limit=5";
  for (int guard = 0; guard < 10; ++guard) {
    auto r = client().Get(target).Json();
    for (const auto& i : r["items"]) {
      EXPECT_EQ(i["department"], "HK-SCJG");
      codes.push_back(i["code"]);
    }
    if (r["next_cursor"].is_null()) break;
    target = "/api/v1/items?department=HK-SCJG&online=true&limit=5&cursor=" + UrlEncode(r["next_cursor"].get<std::string>());
  }
  EXPECT_EQ(codes.size(), 11u);
  EXPECT_TRUE(std::is_sorted(codes.begin(), codes.end()));

  auto bad = client().Get("/api/v1/items?level=7&audience=alien&online=maybe");
  ASSERT_EQ(bad.status, 422);
  EXPECT_EQ(Fields(bad), (std::vector<std::string>{"level enum", "audience enum", "online format"}));

  auto figures = client().Get("/api/v1/catalog/figures").Json();
  EXPECT_EQ(figures["overall"]["items"], 146);
  EXPECT_GE(figures["overall"]["online_pct"].get<double>(), 80.0);
  EXPECT_GE(figures["overall"]["instant_pct"].get<double>(), 10.0);
  EXPECT_EQ(figures["by_level"].size(), 3u);
  EXPECT_GE(figures["by_department"].size(), 12u);

  auto departments = client().Get("/api/v1/departments").Json();
  EXPECT_EQ(departments["items"].size(), 28u);
  auto regions = client().Get("/api/v1/regions").Json();
  EXPECT_GE(regions["items"].size(), 6u);
}

TEST_P(CatalogApiTest, CatalogAdminsEditDraftsPublishInBatchesAndKeepVersions) {
  const std::string admin = Login("catalog");
  const std::string path = std::string("/api/v1/items/") + kPermit;
  ordered_json doc = ordered_json::parse(client().Get(path).body);

  // A promised limit over the legal one is a 422 naming the field.
  ordered_json bad = doc;
  bad["promised_limit_days"] = doc["legal_limit_days"].get<int>() + 5;
  auto refused = Put(path, bad.dump(), admin);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Fields(refused), std::vector<std::string>{"promised_limit_days promised_exceeds_legal"});
  bad = doc;
  bad["online"] = false;
  refused = Put(path, bad.dump(), admin);
  ASSERT_EQ(refused.status, 422);
  EXPECT_EQ(Fields(refused), (std::vector<std::string>{"onsite_reason onsite_reason_required", "visits visits"}));

  ordered_json edit = doc;
  edit["promised_limit_days"] = 1;
  edit["faq"].push_back({{"q", "能否加急？"}, {"a", "承诺1个工作日办结。"}});
  auto saved = Put(path, edit.dump(), admin);
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(saved.Json()["version"], 2);
  EXPECT_EQ(saved.Json()["status"], "draft");

  // The public guide is unchanged until publication; catalog staff see the draft.
  EXPECT_EQ(client().Get(path).Json()["version"], 1);
  auto draft = client().Get(path + "?draft=true", {{"Authorization", admin}});
  ASSERT_EQ(draft.status, 200);
  EXPECT_EQ(draft.Json()["promised_limit_days"], 1);
  EXPECT_EQ(client().Get(path + "?version=2").status, 404);  // a draft is not public

  auto drafts = client().Get("/api/v1/catalog/drafts", {{"Authorization", admin}}).Json();
  ASSERT_EQ(drafts["items"].size(), 1u);
  EXPECT_EQ(drafts["items"][0]["code"], kPermit);

  auto published = client().PostJson("/api/v1/catalog/batches",
                                     {{"name", "第一批不见面事项"}, {"codes", {kPermit}}}, {{"Authorization", admin}});
  ASSERT_EQ(published.status, 201) << published.body;
  EXPECT_EQ(published.Json()["items"][0]["version"], 2);

  // Parsed keeping key order: the form's field order is part of the item.
  auto current = ordered_json::parse(client().Get(path).body);
  EXPECT_EQ(current["version"], 2);
  EXPECT_EQ(current["promised_limit_days"], 1);
  EXPECT_EQ(current["batch"], "第一批不见面事项");
  auto v1 = client().Get(path + "?version=1").Json();
  EXPECT_EQ(v1["status"], "superseded");
  EXPECT_EQ(v1["promised_limit_days"], doc["promised_limit_days"]);
  auto versions = client().Get(path + "/versions", {{"Authorization", admin}}).Json();
  ASSERT_EQ(versions["items"].size(), 2u);
  EXPECT_EQ(versions["items"][0]["batch"], "第一批不见面事项");

  // Publishing again without an edit is a conflict; an unchanged save writes nothing.
  auto again = client().PostJson(path + "/publish", json::object(), {{"Authorization", admin}});
  EXPECT_EQ(again.status, 409);
  auto same = Put(path, current.dump(), admin);
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(same.Json()["changed"], false);

  // A new item: created as a draft, published alone, then found by search.
  ordered_json fresh = doc;
  fresh["basic_code"] = "000107099000";
  fresh["implementation_code"] = "000107099000460100HKZJJ";
  fresh["name"] = "夜间建筑材料运输核准";
  fresh["aliases"] = {"夜间运输许可"};
  auto created = client().Send({.method = "POST",
                                .target = "/api/v1/items",
                                .headers = {{"Authorization", admin}, {"Content-Type", "application/json"}},
                                .body = fresh.dump()});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(client().Get("/api/v1/items?q=" + UrlEncode("夜间运输")).Json()["total"], 0);
  auto pub = client().PostJson("/api/v1/items/000107099000460100HKZJJ/publish", json::object(),
                               {{"Authorization", admin}});
  ASSERT_EQ(pub.status, 200) << pub.body;
  auto hit = client().Get("/api/v1/items?q=" + UrlEncode("夜间运输")).Json();
  ASSERT_EQ(hit["total"], 1);
  EXPECT_EQ(hit["items"][0]["name"], "夜间建筑材料运输核准");
}

TEST_P(CatalogApiTest, SpreadsheetsRoundTripAndBadRowsChangeNothing) {
  const std::string admin = Login("catalog");
  for (const std::string format : {"xlsx", "csv"}) {
    auto exported = client().Get("/api/v1/items/export?format=" + format, {{"Authorization", admin}});
    ASSERT_EQ(exported.status, 200) << exported.body;
    EXPECT_NE(exported.Header("content-disposition").find("attachment"), std::string::npos);
    auto imported = Upload("/api/v1/items/import", exported.body, format == "csv" ? "text/csv" : kXlsx, admin);
    ASSERT_EQ(imported.status, 200) << imported.body;
    EXPECT_EQ(imported.Json()["rows"], 146) << format;
    EXPECT_EQ(imported.Json()["unchanged"], 146) << format;
    EXPECT_EQ(imported.Json()["created"], 0) << format;
  }

  // A department's sheet with one good and two bad rows: every bad row is named and nothing
  // is written.
  const std::string csv =
      "事项名称,基本编码,实施编码,事项类型,行使层级,实施主体编码,行政区划代码,设定依据,服务对象,办理形式,"
      "法定办结时限,承诺办结时限,是否全程网办,办理流程\r\n"
      "户外广告设置许可,000107020000,000107020000460100HKZJJ,行政许可,市级,HK-ZJJ,460100,"
      "《城市市容和环境卫生管理条例》,企业法人,网上办理,20个工作日,5个工作日,是,standard_approval\r\n"
      "临时占用城市道路许可,000107021000,000107021000460100HKZJJ,行政许可,市级,HK-ZJJ,460100,"
      "《城市道路管理条例》,企业法人,网上办理,20,30,是,standard_approval\r\n"
      "城市绿地占用许可,000107022000,000107022000460100HKXX,行政许可,市级,HK-XX,460100,"
      "《城市绿化条例》,企业法人,网上办理,20,10,是,standard_approval\r\n";
  auto bad = Upload("/api/v1/items/import?publish=true", csv, "text/csv", admin);
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(Fields(bad), (std::vector<std::string>{"row 3.承诺办结时限 promised_exceeds_legal"}));
  // Fix row 3; row 4's unknown department is found when the rows meet the database.
  std::string fixed = csv;
  fixed.replace(fixed.find(",20,30,"), 7, ",20,10,");
  bad = Upload("/api/v1/items/import?publish=true", fixed, "text/csv", admin);
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(Fields(bad), (std::vector<std::string>{"row 4.实施主体编码 unknown_department"}));
  EXPECT_EQ(client().Get("/api/v1/items?q=" + UrlEncode("户外广告设置许可")).Json()["total"], 0);
  EXPECT_EQ(client().Get("/api/v1/catalog/drafts", {{"Authorization", admin}}).Json()["items"].size(), 0u);

  fixed.replace(fixed.find("HKXX"), 4, "HKZJJ");
  fixed.replace(fixed.find("HK-XX"), 5, "HK-ZJJ");
  auto good = Upload("/api/v1/items/import?publish=true&batch=" + UrlEncode("第二批"), fixed, "text/csv", admin);
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.Json()["created"], 3);
  EXPECT_EQ(good.Json()["published"], 3);
  auto found = client().Get("/api/v1/items?q=" + UrlEncode("户外广告设置许可")).Json();
  ASSERT_EQ(found["total"], 1);
  EXPECT_EQ(client().Get("/api/v1/items/000107020000460100HKZJJ").Json()["batch"], "第二批");

  // Not a spreadsheet at all.
  auto junk = Upload("/api/v1/items/import", std::string("\xff\xfe\x00garbage", 10), "text/csv", admin);
  EXPECT_EQ(junk.status, 400);
}

TEST_P(CatalogApiTest, ConsistencyReportListsTheDeliberateDeviation) {
  const std::string supervisor = Login("supervisor");
  auto report = client().Get("/api/v1/catalog/consistency", {{"Authorization", supervisor}});
  ASSERT_EQ(report.status, 200);
  const json r = report.Json();
  ASSERT_EQ(r["count"], 1);
  EXPECT_EQ(r["deviations"][0]["basic_code"], "000106003000");
  EXPECT_EQ(r["deviations"][0]["fields"], json::array({"name"}));
}

TEST_P(CatalogApiTest, CommandLineImportExportAndReport) {
  TempDir dir;
  const std::string url = db_ == "sqlite" ? "sqlite:" + (dir / "cli.db").string() : server_->db_url();
  if (db_ == "sqlite") {
    auto seeded = RunWangban({"seed", "--demo", "--db", url, "--data", dir.path().string()});
    ASSERT_EQ(seeded.exit_status, 0) << seeded.output;
  }
  const std::string out = (dir / "catalog.xlsx").string();
  auto exported = RunWangban({"catalog", "export", "--format", "xlsx", "--out", out, "--db", url});
  ASSERT_EQ(exported.exit_status, 0) << exported.output;
  EXPECT_NE(exported.output.find("exported 146 items"), std::string::npos);
  auto imported = RunWangban({"catalog", "import", out, "--db", url});
  ASSERT_EQ(imported.exit_status, 0) << imported.output;
  EXPECT_NE(imported.output.find("writing 146/146"), std::string::npos);
  EXPECT_NE(imported.output.find("146 unchanged"), std::string::npos);

  const std::string bad = (dir / "bad.csv").string();
  std::ofstream(bad) << "事项名称,实施编码\n无效事项,X1\n";
  auto refused = RunWangban({"catalog", "import", bad, "--db", url});
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_NE(refused.output.find("missing_column"), std::string::npos) << refused.output;

  auto report = RunWangban({"catalog", "report", "--db", url});
  EXPECT_EQ(report.exit_status, 3) << report.output;
  EXPECT_NE(report.output.find("000106003000"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogApiTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::testing
