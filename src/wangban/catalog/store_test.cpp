// The catalog store on SQLite and PostgreSQL, loaded with the demo catalog.
#include "wangban/catalog/store.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/fixtures.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/catalog/bundle.hpp"
#include "wangban/catalog/internal/demo_files.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::catalog {
namespace {

using nlohmann::ordered_json;

const CatalogBundle& Demo() {
  static const CatalogBundle bundle = [] {
    auto b = ParseCatalogBundle(internal::DemoCatalogBundleText());
    if (!b) std::abort();
    return *b;
  }();
  return bundle;
}

const Item& DemoNamed(std::string_view name) {
  for (const auto& item : Demo().items) {
    if (item.name == name) return item;
  }
  std::abort();
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "sqlite") {
      url = "sqlite:" + (dir_ / "catalog.db").string();
    } else {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url = cluster->CreateDatabase();
    }
    auto db = storage::OpenDatabase(url, {.pool_size = 4});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).has_value());
    store_ = std::make_unique<CatalogStore>(*db_, clock_);
    auto loaded = LoadCatalogBundle(*store_, Demo(), "test", "演示目录");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message
                                    << (loaded.error().field_errors.empty() ? "" : " " + loaded.error().field_errors[0].field);
    ASSERT_EQ(loaded->created, Demo().items.size());
    ASSERT_EQ(loaded->published, Demo().items.size());
  }

  std::vector<std::string> Names(const ItemFilter& filter, int limit = 200) {
    auto page = store_->Search(filter, limit, std::nullopt);
    EXPECT_TRUE(page.has_value()) << (page ? "" : page.error().message);
    std::vector<std::string> names;
    if (page) {
      for (const auto& s : page->items) names.push_back(s.name);
    }
    return names;
  }

  testing::TempDir dir_;
  FakeClock clock_{testing::TestEpoch()};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<CatalogStore> store_;
};

TEST_P(StoreTest, LoadingTheSameBundleAgainChangesNothing) {
  auto again = LoadCatalogBundle(*store_, Demo(), "test", "演示目录");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->unchanged, Demo().items.size());
  EXPECT_EQ(again->published, 0u);
  EXPECT_FALSE(again->batch_id.has_value());
}

TEST_P(StoreTest, FindsConstructionPermitFromAPartOfItsName) {
  auto names = Names({.q = "施工许可"});
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "建筑工程施工许可");
  // The exact name ranks first even when other names contain it.
  names = Names({.q = "企业设立登记"});
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "企业设立登记");
}

TEST_P(StoreTest, TwoCharacterAndAliasQueriesMatch) {
  auto names = Names({.q = "护照"});
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "普通护照");
  // 驾照换证 is an alias of 机动车驾驶证换证.
  names = Names({.q = "驾照换证"});
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "机动车驾驶证换证");
  // Full-width and spaced input is normalized.
  names = Names({.q = "  施工　许可 "});
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "建筑工程施工许可");
}

TEST_P(StoreTest, MatchesAreExactSubstrings) {
  for (const auto& name : Names({.q = "落户"})) {
    (void)name;  // every result contains 落户 somewhere in its searchable text; checked below
  }
  auto page = store_->Search({.q = "落户"}, 200, std::nullopt);
  ASSERT_TRUE(page.has_value());
  ASSERT_GT(page->total, 0);
  for (const auto& s : page->items) {
    auto stored = store_->GetPublished(s.code);
    ASSERT_TRUE(stored.has_value());
    auto item = ItemFromText(stored->document, false);
    ASSERT_TRUE(item.has_value());
    std::string text = item->name;
    for (const auto& a : item->aliases) text += a;
    for (const auto& k : item->keywords) text += k;
    for (const auto& c : item->conditions) text += c;
    text += s.department_name;
    EXPECT_NE(text.find("落户"), std::string::npos) << s.name;
  }
  EXPECT_TRUE(Names({.q = "量子纠缠许可"}).empty());
}

TEST_P(StoreTest, SingleCharacterQueriesScan) {
  auto page = store_->Search({.q = "证"}, 5, std::nullopt);
  ASSERT_TRUE(page.has_value());
  EXPECT_GT(page->total, 20);
  EXPECT_EQ(page->items.size(), 5u);
}

TEST_P(StoreTest, FiltersCombineWithTheQuery) {
  auto page = store_->Search({.department = "HK-SCJG"}, 200, std::nullopt);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 11);
  for (const auto& s : page->items) EXPECT_EQ(s.department, "HK-SCJG");

  page = store_->Search({.online = false}, 200, std::nullopt);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 7);

  page = store_->Search({.level = 4}, 200, std::nullopt);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 13);

  // A region covers the regions under it: 海口市 holds the city and district items.
  page = store_->Search({.region = "460100"}, 200, std::nullopt);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 145);
  page = store_->Search({.region = "460106"}, 200, std::nullopt);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 9);

  page = store_->Search({.q = "登记", .type = "01", .audience = AudienceBit("company")}, 200, std::nullopt);
  ASSERT_TRUE(page.has_value());
  ASSERT_GT(page->total, 0);
  for (const auto& s : page->items) {
    EXPECT_EQ(s.type, "01");
    EXPECT_NE(s.audience & 2, 0);
  }
}

TEST_P(StoreTest, PagesWalkTheWholeResultOnce) {
  for (const std::string q : {"", "许可"}) {
    auto first = store_->Search({.q = q}, 200, std::nullopt);
    ASSERT_TRUE(first.has_value());
    std::vector<std::string> all;
    std::optional<std::string> after;
    do {
      auto page = store_->Search({.q = q}, 7, after);
      ASSERT_TRUE(page.has_value()) << page.error().message;
      EXPECT_EQ(page->total, first->total);
      for (const auto& s : page->items) all.push_back(s.code);
      after = page->next_after;
    } while (after);
    ASSERT_EQ(all.size(), first->items.size()) << q;
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], first->items[i].code);
  }
  auto bad = store_->Search({.q = "许可"}, 7, std::string("garbage"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kValidationFailed);
}

TEST_P(StoreTest, EditsMakeDraftsAndPublishingMakesThemCurrent) {
  Item item = DemoNamed("建筑工程施工许可");
  const std::string code = item.implementation_code;
  item.promised_limit_days = 2;
  auto saved = store_->SaveDraft(item, "catalog", /*create=*/false);
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  EXPECT_EQ(saved->version, 2);
  EXPECT_TRUE(saved->changed);

  // The public still sees version 1 until the draft is published.
  auto current = store_->GetPublished(code);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 1);
  auto draft = store_->GetDraft(code);
  ASSERT_TRUE(draft.has_value());
  EXPECT_EQ(draft->version, 2);
  EXPECT_EQ(draft->status, "draft");

  // Saving again edits the same draft.
  item.promised_limit_days = 3;
  saved = store_->SaveDraft(item, "catalog", false);
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->version, 2);

  clock_.Advance(std::chrono::minutes(5));
  auto published = store_->Publish(code, std::string("第一批不见面事项"), "catalog");
  ASSERT_TRUE(published.has_value()) << published.error().message;
  EXPECT_EQ(published->version, 2);
  EXPECT_TRUE(published->deviations.empty());

  current = store_->GetPublished(code);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->batch, "第一批不见面事项");
  auto v1 = store_->GetVersion(code, 1);
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->status, "superseded");
  auto versions = store_->Versions(code);
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  EXPECT_EQ((*versions)[0].batch, "第一批不见面事项");

  auto again = store_->Publish(code, std::nullopt, "catalog");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().reason, "no_draft");

  // An unchanged save writes nothing.
  saved = store_->SaveDraft(item, "catalog", false);
  ASSERT_TRUE(saved.has_value());
  EXPECT_FALSE(saved->changed);
  EXPECT_FALSE(store_->GetDraft(code).has_value());
}

TEST_P(StoreTest, CreatingRequiresANewCodeAndAKnownDepartment) {
  Item item = DemoNamed("建筑工程施工许可");
  auto dup = store_->SaveDraft(item, "catalog", /*create=*/true);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().reason, "already_exists");

  item.implementation_code = "000107001000460100HKZJJX";
  item.department = "HK-NOPE";
  auto bad = store_->SaveDraft(item, "catalog", true);
  ASSERT_FALSE(bad.has_value());
  ASSERT_EQ(bad.error().field_errors.size(), 1u);
  EXPECT_EQ(bad.error().field_errors[0].code, "unknown_department");

  item.department = "HK-LH-MZJ";  // a district department: region and level differ
  bad = store_->SaveDraft(item, "catalog", true);
  ASSERT_FALSE(bad.has_value());
  ASSERT_EQ(bad.error().field_errors.size(), 2u);
  EXPECT_EQ(bad.error().field_errors[0].code, "region_mismatch");
  EXPECT_EQ(bad.error().field_errors[1].code, "level_mismatch");

  item.department = "HK-ZJJ";
  auto created = store_->SaveDraft(item, "catalog", true);
  ASSERT_TRUE(created.has_value());
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->version, 1);
  // A draft-only item is not public.
  EXPECT_EQ(store_->GetPublished(item.implementation_code).error().code, ErrorCode::kNotFound);
  auto drafts = store_->Drafts("460000");
  ASSERT_TRUE(drafts.has_value());
  ASSERT_EQ(drafts->size(), 1u);
  EXPECT_EQ((*drafts)[0].code, item.implementation_code);
}

TEST_P(StoreTest, ConsistencyReportListsOnlyTheDeliberateDeviation) {
  auto report = store_->Consistency();
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->size(), 1u);
  EXPECT_EQ((*report)[0].basic_code, "000106003000");
  EXPECT_EQ((*report)[0].fields, std::vector<std::string>{"name"});
  ASSERT_EQ((*report)[0].items.size(), 2u);
  EXPECT_EQ((*report)[0].items[0].name, "食品经营许可");
  EXPECT_EQ((*report)[0].items[1].name, "食品经营许可证核发");

  // Renaming the district item fixes it; publishing reports what is left for its basic code.
  Item district = (*report)[0].items[1].code == DemoNamed("食品经营许可证核发").implementation_code
                      ? DemoNamed("食品经营许可证核发")
                      : DemoNamed("食品经营许可");
  district.name = "食品经营许可";
  ASSERT_TRUE(store_->SaveDraft(district, "catalog", false).has_value());
  auto published = store_->Publish(district.implementation_code, std::nullopt, "catalog");
  ASSERT_TRUE(published.has_value());
  EXPECT_TRUE(published->deviations.empty());
  report = store_->Consistency();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->empty());
}

TEST_P(StoreTest, FiguresPerDepartmentAndLevel) {
  auto figures = store_->ComputeFigures();
  ASSERT_TRUE(figures.has_value());
  EXPECT_EQ(figures->overall.items, static_cast<std::int64_t>(Demo().items.size()));
  EXPECT_EQ(figures->overall.online, figures->overall.items - 7);
  EXPECT_GE(figures->overall.online * 100, figures->overall.items * 80);   // seeds: >= 80% online
  EXPECT_GE(figures->overall.instant * 100, figures->overall.items * 10);  // seeds: >= 10% instant
  ASSERT_EQ(figures->by_level.size(), 3u);
  EXPECT_EQ(figures->by_level[0].level, 2);
  EXPECT_EQ(figures->by_level[0].shares.items, 1);
  bool found = false;
  for (const auto& d : figures->by_department) {
    if (d.department == "HK-JJZD") {
      found = true;
      EXPECT_EQ(d.name, "海口市公安局交通警察支队");
      EXPECT_EQ(d.shares.items, 5);
      EXPECT_EQ(d.shares.online, 3);
      EXPECT_EQ(d.shares.instant, 3);
    }
  }
  EXPECT_TRUE(found);
}

TEST_P(StoreTest, ImportIsAllOrNothing) {
  std::vector<Item> items = {DemoNamed("建筑工程施工许可"), DemoNamed("普通护照")};
  items[0].promised_limit_days = 1;
  items[1].department = "HK-NOPE";
  auto r = store_->Import(items, "catalog", {.publish = true});
  ASSERT_FALSE(r.has_value());
  ASSERT_EQ(r.error().field_errors.size(), 1u);
  EXPECT_EQ(r.error().field_errors[0].field, "items[1].department");
  // Nothing was written: no draft for the first item either.
  EXPECT_FALSE(store_->GetDraft(items[0].implementation_code).has_value());

  items[1] = DemoNamed("普通护照");
  std::vector<std::pair<std::size_t, std::size_t>> progress;
  r = store_->Import(items, "catalog",
                     {.publish = true, .batch = "第二批", .progress = [&](std::size_t d, std::size_t t) {
                        progress.emplace_back(d, t);
                      }});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->updated, 1u);
  EXPECT_EQ(r->unchanged, 1u);
  EXPECT_EQ(r->published, 1u);
  EXPECT_TRUE(r->batch_id.has_value());
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), (std::pair<std::size_t, std::size_t>{2, 2}));
  auto current = store_->GetPublished(items[0].implementation_code);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->batch, "第二批");
}

TEST_P(StoreTest, RegionsAndDepartmentsAreTrees) {
  auto regions = store_->Regions();
  ASSERT_TRUE(regions.has_value());
  EXPECT_EQ(regions->size(), Demo().regions.size());
  auto departments = store_->Departments();
  ASSERT_TRUE(departments.has_value());
  EXPECT_EQ(departments->size(), 28u);

  auto bad = store_->UpsertDepartments({{"HK-X", "某局", "999999", 3, "HK-NONE", ""}});
  ASSERT_FALSE(bad.has_value());
  ASSERT_EQ(bad.error().field_errors.size(), 2u);
  EXPECT_EQ(bad.error().field_errors[0].code, "unknown_region");
  EXPECT_EQ(bad.error().field_errors[1].code, "unknown_department");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::catalog
