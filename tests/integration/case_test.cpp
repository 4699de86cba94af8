// Cases end to end through the real binary on SQLite and PostgreSQL: apply, accept, review,
// decide; refusal; the supplement loop; withdrawal; suspension moving the due date; idempotent
// retries; concurrent double completion; other applicants and departments getting 404.
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"
#include "tests/testing/subprocess.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::testing {
namespace {

using nlohmann::json;

// 公共租赁住房资格审核, HK-ZJJ (demo approver2), supplement_loop, promised 20 working days.
// M01 accepts the e-license 居民身份证, M03 a commitment; M02 and M04 are optional.
constexpr const char* kHousing = "000707011000460100HKZJJ";

json HousingForm() {
  return {{"applicant_name", "张三"},
          {"id_number", "460100199001011230"},
          {"phone", "13800000001"},
          {"household_size", 3},
          {"monthly_income", 1800.5},
          {"current_housing_area", 9.5},
          {"hukou_type", "本市户籍"},
          {"address", {{"district", "龙华区"}, {"street", "金贸街道"}, {"detail", "国贸路1号1栋101"}}}};
}

// 无犯罪记录证明: 秒批 with the demo registry (张三 has no record).
constexpr const char* kNoCriminalRecord = "002001001000460100HKGAJ";

json CertificateForm(const std::string& purpose) {
  return {{"applicant_name", "张三"},
          {"id_number", "460100199001011230"},
          {"phone", "13800000001"},
          {"purpose", purpose},
          {"receiving_unit", "海口示例科技有限公司"}};
}

std::vector<std::string> Fields(const HttpResponse& r) {
  std::vector<std::string> out;
  const json body = r.Json();
  for (const auto& e : body["errors"]) out.push_back(e.value("field", "") + " " + e.value("code", ""));
  return out;
}

class CaseApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string db = DatabaseFor(GetParam());
    ASSERT_FALSE(db.empty());
    server_ = std::make_unique<ServerProcess>(ServerOptions{
        .db = db, .extra_args = {"--demo", "--test-clock", "--password-hash-cost", "minimum", "--no-jobs"}});
    ASSERT_TRUE(server_->ok()) << server_->output();
    // A Wednesday at 10:00 in Haikou, well inside the official calendars.
    auto set = client().PostJson("/api/v1/test/clock", {{"set", "2026-03-04T10:00:00+08:00"}});
    ASSERT_EQ(set.status, 200) << set.body;
    person_ = Login("13800000001");
    window_ = Login("window");
    approver_ = Login("approver2");
  }

  HttpClient client() const { return server_->client(); }

  std::string Login(const std::string& account) {
    auto r = client().PostJson("/api/v1/sessions", {{"account", account}, {"password", "Wangban@2026"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return "Bearer " + r.Json().value("token", "");
  }

  HttpResponse Post(const std::string& target, const json& body, const std::string& auth,
                    std::vector<std::pair<std::string, std::string>> extra = {}) {
    extra.emplace_back("Authorization", auth);
    return client().PostJson(target, body, extra);
  }

  // A complete draft, submitted; returns the case document.
  json Apply() {
    auto created = Post("/api/v1/cases", {{"item_code", kHousing}, {"form", HousingForm()}}, person_);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.Json()["id"];
    auto m1 = client().PutJson("/api/v1/cases/" + id + "/materials/M01", {{"license_id", "EL-46-0001"}},
                               {{"Authorization", person_}});
    EXPECT_EQ(m1.status, 200) << m1.body;
    auto m3 = client().PutJson("/api/v1/cases/" + id + "/materials/M03", {{"commitment", true}},
                               {{"Authorization", person_}});
    EXPECT_EQ(m3.status, 200) << m3.body;
    auto submitted = Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", true}}, person_);
    EXPECT_EQ(submitted.status, 200) << submitted.body;
    return submitted.Json();
  }

  // 张三's 无犯罪记录证明 (秒批) for `purpose`, with the ID card by e-license, submitted: the
  // submission's answer (decided at once for 就业, sent to a person for 其他).
  HttpResponse ApplyForCertificate(const std::string& purpose) {
    auto created =
        Post("/api/v1/cases", {{"item_code", kNoCriminalRecord}, {"form", CertificateForm(purpose)}}, person_);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.Json().value("id", "");
    auto m1 = client().PutJson("/api/v1/cases/" + id + "/materials/M01", {{"license_id", "SFZ-460100"}},
                               {{"Authorization", person_}});
    EXPECT_EQ(m1.status, 200) << m1.body;
    return Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", true}}, person_);
  }

  // The open task of `case_id` that `auth` sees, or "".
  std::string TaskOf(const std::string& case_id, const std::string& auth) {
    auto tasks = client().Get("/api/v1/tasks?state=open", {{"Authorization", auth}});
    EXPECT_EQ(tasks.status, 200) << tasks.body;
    const json body = tasks.Json();
    for (const auto& t : body["items"]) {
      if (t["case"]["id"] == case_id) return t["id"];
    }
    return "";
  }

  HttpResponse Complete(const std::string& task, const json& body, const std::string& auth) {
    return Post("/api/v1/tasks/" + task + "/complete", body, auth);
  }

  json Case(const std::string& id, const std::string& auth) {
    auto r = client().Get("/api/v1/cases/" + id, {{"Authorization", auth}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }

  // Edits the case's stored decision in the database behind the server's back: `from` -> `to`
  // in its JSON text (REPLACE, on both backends).
  void EditDecision(const std::string& case_id, const std::string& from, const std::string& to) {
    auto db = storage::OpenDatabase(server_->db_url(), {.pool_size = 1});
    ASSERT_TRUE(db) << db.error().message;
    auto edited = (*db)->Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
      auto n = tx.Exec("UPDATE cases SET decision = REPLACE(decision, :from, :to) WHERE id = :id",
                       {{"from", from}, {"to", to}, {"id", case_id}});
      if (!n) return std::unexpected(n.error());
      if (*n != 1) return Fail(Error::Internal("case not updated"));
      return {};
    });
    ASSERT_TRUE(edited) << edited.error().message;
  }

  std::unique_ptr<ServerProcess> server_;
  std::string person_, window_, approver_;
};

TEST_P(CaseApiTest, ApplyAcceptReviewApprove) {
  const json submitted = Apply();
  EXPECT_EQ(submitted["status"], "submitted");
  const std::string number = submitted["number"];
  EXPECT_EQ(number.substr(0, 16), "460100-20260304-") << number;
  EXPECT_EQ(number.size(), 22u) << number;
  EXPECT_EQ(number.find_first_not_of("0123456789", 16), std::string::npos) << number;
  // 20 working days after Wed 2026-03-04 (the day itself does not count).
  EXPECT_EQ(submitted["due_date"], "2026-04-01");
  const std::string id = submitted["id"];

  // The region's one-stop window accepts.
  const std::string accept_task = TaskOf(id, window_);
  ASSERT_FALSE(accept_task.empty());
  EXPECT_TRUE(TaskOf(id, approver_).empty());
  auto accepted = Complete(accept_task, {{"outcome", "accept"}, {"opinion", "材料齐全，予以受理"}}, window_);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(accepted.Json()["status"], "in_review");

  // The department reviews and approves.
  const std::string review_task = TaskOf(id, approver_);
  ASSERT_FALSE(review_task.empty());
  auto approved = Complete(review_task, {{"outcome", "approve"}, {"opinion", "符合保障条件"}}, approver_);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.Json()["status"], "approved");

  const json mine = Case(id, person_);
  EXPECT_EQ(mine["status"], "approved");
  EXPECT_EQ(mine["decision"]["result"], "approved");
  EXPECT_EQ(mine["decision"]["opinion"], "符合保障条件");
  std::vector<std::string> types;
  for (const auto& e : mine["timeline"]) {
    types.push_back(e["type"]);
    EXPECT_FALSE(e.contains("staff_only"));
    EXPECT_FALSE(e["actor"].contains("id"));  // staff ids stay inside
  }
  EXPECT_EQ(types, (std::vector<std::string>{"created", "submitted", "accepted", "decided"}));
  EXPECT_EQ(mine["timeline"][3]["data"]["outcome"], "approve");
  EXPECT_EQ(mine["clock"]["state"], "concluded");
  EXPECT_EQ(mine["timeline"][1]["clock_state"], "normal");

  // Lists: mine, and the department's.
  auto list = client().Get("/api/v1/cases", {{"Authorization", person_}}).Json();
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["status"], "approved");
  auto dept = client().Get("/api/v1/cases", {{"Authorization", approver_}}).Json();
  ASSERT_EQ(dept["items"].size(), 1u);
}

TEST_P(CaseApiTest, SubmissionReportsEveryProblemAtOnce) {
  auto created = Post("/api/v1/cases", {{"item_code", kHousing}, {"form", {{"applicant_name", "张"}}}}, person_);
  ASSERT_EQ(created.status, 201);
  const std::string id = created.Json()["id"];
  auto refused = Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", false}}, person_);
  ASSERT_EQ(refused.status, 422) << refused.body;
  const auto fields = Fields(refused);
  for (const char* f : {"commitment_signed required", "form.applicant_name min_length", "form.id_number required",
                        "form.address required", "materials.M01 required", "materials.M03 required"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }
  // A material that cannot be replaced by a commitment, and one that does not exist.
  auto bad =
      client().PutJson("/api/v1/cases/" + id + "/materials/M01", {{"commitment", true}}, {{"Authorization", person_}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Fields(bad), std::vector<std::string>{"commitment commitment_not_allowed"});
  EXPECT_EQ(client()
                .PutJson("/api/v1/cases/" + id + "/materials/M99", {{"commitment", true}}, {{"Authorization", person_}})
                .status,
            404);
  // An on-site item cannot be applied for online.
  auto passport = Post("/api/v1/cases", {{"item_code", "000102001000460100HKCRJ"}}, person_);
  EXPECT_EQ(passport.status, 422);
  EXPECT_EQ(Fields(passport), std::vector<std::string>{"item_code onsite_only"});
}

TEST_P(CaseApiTest, WindowRefusesWithReason) {
  const std::string id = Apply()["id"];
  auto no_reason = Complete(TaskOf(id, window_), {{"outcome", "refuse"}}, window_);
  EXPECT_EQ(no_reason.status, 422);
  auto refused =
      Complete(TaskOf(id, window_), {{"outcome", "refuse"}, {"opinion", "不属于本市公租房保障范围"}}, window_);
  ASSERT_EQ(refused.status, 200) << refused.body;
  const json mine = Case(id, person_);
  EXPECT_EQ(mine["status"], "refused");
  EXPECT_EQ(mine["decision"]["opinion"], "不属于本市公租房保障范围");
  EXPECT_TRUE(mine["tasks"].empty());
}

// What the server refuses before any handler, and that nothing changes: a completion's `data`
// (it goes into the process variables) nested deeper than 128 levels — before the limit a quarter
// megabyte of brackets was stored there, 100,000 levels deep; an opinion holding U+0000 —
// PostgreSQL kept "不符合" of "不符合\u0000条件" in the timeline; a list filter that does not
// decode — it was dropped, and the list came back unfiltered; a number beyond a double, query
// text that is not UTF-8, a cursor that is not one — 500s.
TEST_P(CaseApiTest, MalformedRequestsAreRefusedAndChangeNothing) {
  const std::string id = Apply()["id"];
  const std::string task = TaskOf(id, window_);
  ASSERT_FALSE(task.empty());
  const std::string deep =
      std::string(R"({"outcome": "accept", "data": {"x": )") + std::string(40000, '[') + std::string(40000, ']') + "}}";
  auto refused = client().Send({.method = "POST",
                                .target = "/api/v1/tasks/" + task + "/complete",
                                .headers = {{"Authorization", window_}, {"Content-Type", "application/json"}},
                                .body = deep});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.Json().value("code", ""), "too_deep");
  EXPECT_EQ(Case(id, window_)["status"], "submitted");
  EXPECT_EQ(TaskOf(id, window_), task);
  // A draft's form too: nothing is created.
  const std::string deep_form = std::string(R"({"item_code": ")") + kHousing + R"(", "form": {"a": )" +
                                std::string(200, '[') + std::string(200, ']') + "}}";
  auto form = client().Send({.method = "POST",
                             .target = "/api/v1/cases",
                             .headers = {{"Authorization", person_}, {"Content-Type", "application/json"}},
                             .body = deep_form});
  EXPECT_EQ(form.status, 400) << form.body;
  EXPECT_EQ(form.Json().value("code", ""), "too_deep");
  // A number no double holds: a bad body (it was a 500).
  auto overflow = client().Send(
      {.method = "POST",
       .target = "/api/v1/cases",
       .headers = {{"Authorization", person_}, {"Content-Type", "application/json"}},
       .body = std::string(R"({"item_code": ")") + kHousing + R"(", "form": {"monthly_income": 1e400}})"});
  EXPECT_EQ(overflow.status, 400) << overflow.body;
  EXPECT_EQ(overflow.Json().value("code", ""), "malformed_json");
  auto drafts = client().Get("/api/v1/cases?status=draft", {{"Authorization", person_}});
  ASSERT_EQ(drafts.status, 200);
  EXPECT_TRUE(drafts.Json()["items"].empty()) << drafts.body;
  auto nul = client().Send({.method = "POST",
                            .target = "/api/v1/tasks/" + task + "/complete",
                            .headers = {{"Authorization", window_}, {"Content-Type", "application/json"}},
                            .body = R"({"outcome": "refuse", "opinion": "不符合\u0000条件"})"});
  EXPECT_EQ(nul.status, 400) << nul.body;
  EXPECT_EQ(nul.Json().value("code", ""), "nul_character");
  EXPECT_EQ(Case(id, window_)["status"], "submitted");
  auto filtered = client().Get("/api/v1/cases?number=460100-20260304-00000%00", {{"Authorization", window_}});
  EXPECT_EQ(filtered.status, 400) << filtered.body;
  EXPECT_EQ(filtered.Json().value("code", ""), "malformed_query");
  // Query text that is not UTF-8, and a cursor that does not decode to text ("abc" is base64url
  // of 0x69 0xB7): PostgreSQL refused them as text parameters, a 500 on every list.
  auto not_utf8 = client().Get("/api/v1/items?q=%E5%8A", {});
  EXPECT_EQ(not_utf8.status, 400) << not_utf8.body;
  EXPECT_EQ(not_utf8.Json().value("code", ""), "malformed_query");
  for (const char* list : {"/api/v1/items?cursor=abc", "/api/v1/cases?cursor=abc", "/api/v1/tasks?cursor=abc"}) {
    auto r = client().Get(list, {{"Authorization", window_}});
    EXPECT_EQ(r.status, 422) << list << " " << r.body;
    EXPECT_EQ(Fields(r), std::vector<std::string>{"cursor format"}) << list;
  }
  // The same completion with shallow data goes through.
  auto accepted = Complete(task, {{"outcome", "accept"}, {"data", {{"x", json::array({json::array()})}}}}, window_);
  EXPECT_EQ(accepted.status, 200) << accepted.body;
}

TEST_P(CaseApiTest, SupplementLoopStopsTheClockAndReturnsToTheWindow) {
  const json submitted = Apply();
  const std::string id = submitted["id"];
  auto missing = Complete(TaskOf(id, window_), {{"outcome", "request_supplement"}, {"opinion", "请补正"}}, window_);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(Fields(missing), std::vector<std::string>{"missing required"});
  auto asked = Complete(TaskOf(id, window_),
                        {{"outcome", "request_supplement"},
                         {"opinion", "请一次性补正以下材料"},
                         {"missing",
                          {{{"material_code", "M02"}, {"reason", "请提供居民户口簿（本市户籍）"}},
                           {{"material_code", "form"}, {"reason", "人均住房面积与不动产登记不符"}}}}},
                        window_);
  ASSERT_EQ(asked.status, 200) << asked.body;
  json mine = Case(id, person_);
  EXPECT_EQ(mine["status"], "supplement_requested");
  ASSERT_EQ(mine["supplement"]["missing"].size(), 2u);
  EXPECT_EQ(mine["supplement"]["missing"][0]["material_code"], "M02");
  EXPECT_EQ(mine["clock"]["suspended"], true);

  // Nine days later (5 working days) the applicant fixes it; the due date moves by them.
  ASSERT_EQ(client().PostJson("/api/v1/test/clock", {{"advance_seconds", 9 * 86400}}).status, 200);
  person_ = Login("13800000001");
  window_ = Login("window");
  json fixed = HousingForm();
  fixed["current_housing_area"] = 8.0;
  ASSERT_EQ(client().PatchJson("/api/v1/cases/" + id, {{"form", fixed}}, {{"Authorization", person_}}).status, 200);
  ASSERT_EQ(client()
                .PutJson("/api/v1/cases/" + id + "/materials/M02", {{"license_id", "EL-HK-0002"}},
                         {{"Authorization", person_}})
                .status,
            200);
  auto again = Post("/api/v1/cases/" + id + "/resubmit", json::object(), person_);
  ASSERT_EQ(again.status, 200) << again.body;
  mine = again.Json();
  EXPECT_EQ(mine["status"], "submitted");
  EXPECT_EQ(mine["clock"]["suspended"], false);
  // Suspended Wed 03-04, resumed Fri 03-13: Thu 05 ... Fri 13 = 7 working days added to
  // 04-01, skipping 清明 (04-04 to 04-06): 04-13.
  EXPECT_EQ(mine["due_date"], "2026-04-13");
  const std::string task = TaskOf(id, window_);
  ASSERT_FALSE(task.empty());
  ASSERT_EQ(Complete(task, {{"outcome", "accept"}}, window_).status, 200);
}

TEST_P(CaseApiTest, SpecialProcedureSuspendsAndResumeMovesTheDueDate) {
  const std::string id = Apply()["id"];
  ASSERT_EQ(Complete(TaskOf(id, window_), {{"outcome", "accept"}}, window_).status, 200);
  const std::string review = TaskOf(id, approver_);
  auto bad = Complete(review, {{"outcome", "suspend"}, {"opinion", "专家评审"}, {"procedure", "party"}}, approver_);
  EXPECT_EQ(bad.status, 422);
  auto suspended = Complete(
      review, {{"outcome", "suspend"}, {"opinion", "组织专家现场评审"}, {"procedure", "expert_review"}}, approver_);
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  EXPECT_EQ(suspended.Json()["status"], "suspended");
  // Deciding while suspended is refused.
  EXPECT_EQ(Complete(review, {{"outcome", "approve"}}, approver_).status, 409);

  ASSERT_EQ(client().PostJson("/api/v1/test/clock", {{"advance_seconds", 7 * 86400}}).status, 200);
  approver_ = Login("approver2");
  auto resumed = Complete(review, {{"outcome", "resume"}, {"opinion", "评审结束"}}, approver_);
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  const json c = resumed.Json();
  EXPECT_EQ(c["status"], "in_review");
  // Suspended Wed 03-04, resumed Wed 03-11: 5 working days; due 04-01 -> 04-09 (清明 04-04 to
  // 04-06 is off).
  EXPECT_EQ(c["due_date"], "2026-04-09");
  const auto& history = c["clock"]["history"];
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2]["kind"], "resume");
  EXPECT_EQ(history[2]["days"], 5);
  EXPECT_EQ(history[2]["reason"], "expert_review");
}

TEST_P(CaseApiTest, WithdrawalEndsTheProcess) {
  const std::string id = Apply()["id"];
  const std::string task = TaskOf(id, window_);
  auto withdrawn = Post("/api/v1/cases/" + id + "/withdraw", {{"reason", "不再需要"}}, person_);
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_EQ(withdrawn.Json()["status"], "withdrawn");
  EXPECT_EQ(Complete(task, {{"outcome", "accept"}}, window_).status, 409);
  EXPECT_TRUE(TaskOf(id, window_).empty());
  EXPECT_EQ(Post("/api/v1/cases/" + id + "/withdraw", json::object(), person_).status, 409);
}

TEST_P(CaseApiTest, IdempotentRetriesGetTheFirstAnswer) {
  const json body = {{"item_code", kHousing}, {"form", HousingForm()}};
  auto first = Post("/api/v1/cases", body, person_, {{"Idempotency-Key", "create-1"}});
  auto second = Post("/api/v1/cases", body, person_, {{"Idempotency-Key", "create-1"}});
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(first.Json()["id"], second.Json()["id"]);
  const std::string id = first.Json()["id"];
  client().PutJson("/api/v1/cases/" + id + "/materials/M01", {{"license_id", "EL-1"}}, {{"Authorization", person_}});
  client().PutJson("/api/v1/cases/" + id + "/materials/M03", {{"commitment", true}}, {{"Authorization", person_}});
  auto s1 =
      Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", true}}, person_, {{"Idempotency-Key", "s-1"}});
  auto s2 =
      Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", true}}, person_, {{"Idempotency-Key", "s-1"}});
  ASSERT_EQ(s1.status, 200) << s1.body;
  ASSERT_EQ(s2.status, 200) << s2.body;
  EXPECT_EQ(s1.Json()["number"], s2.Json()["number"]);
  // Without the key, a second submission is a conflict, not a second case.
  EXPECT_EQ(Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", true}}, person_).status, 409);
}

// Eight requests with one key at once: one creates the draft, the others answer as it did or are
// told it is in progress; never a second draft. A refused request leaves its key free.
TEST_P(CaseApiTest, ConcurrentRequestsWithOneKeyMakeOneChange) {
  const json body = {{"item_code", kHousing}, {"form", HousingForm()}};
  std::vector<std::future<HttpResponse>> answers;
  for (int i = 0; i < 8; ++i) {
    answers.push_back(std::async(std::launch::async, [&] {
      return Post("/api/v1/cases", body, person_, {{"Idempotency-Key", "race-1"}});
    }));
  }
  std::set<std::string> ids;
  int created = 0, in_progress = 0;
  for (auto& a : answers) {
    const HttpResponse r = a.get();
    if (r.status == 201) {
      ++created;
      ids.insert(r.Json()["id"].get<std::string>());
    } else {
      EXPECT_EQ(r.status, 409) << r.body;
      EXPECT_EQ(r.Json()["code"], "idempotency_in_progress") << r.body;
      ++in_progress;
    }
  }
  EXPECT_GE(created, 1);
  EXPECT_EQ(created + in_progress, 8);
  EXPECT_EQ(ids.size(), 1u);
  auto mine = client().Get("/api/v1/cases", {{"Authorization", person_}});
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.Json()["items"].size(), 1u) << mine.body;
  // Refused (422), then corrected under the same key: the key was not kept by the refusal.
  const std::string id = *ids.begin();
  auto refused = Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", false}}, person_,
                      {{"Idempotency-Key", "submit-1"}});
  EXPECT_EQ(refused.status, 422) << refused.body;
  client().PutJson("/api/v1/cases/" + id + "/materials/M01", {{"license_id", "EL-1"}}, {{"Authorization", person_}});
  client().PutJson("/api/v1/cases/" + id + "/materials/M03", {{"commitment", true}}, {{"Authorization", person_}});
  auto accepted = Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", true}}, person_,
                       {{"Idempotency-Key", "submit-1"}});
  EXPECT_EQ(accepted.status, 200) << accepted.body;
}

TEST_P(CaseApiTest, ConcurrentCompletionsOfOneTaskHaveOneWinner) {
  const std::string id = Apply()["id"];
  const std::string task = TaskOf(id, window_);
  const std::string other_window = window_;
  auto a = std::async(std::launch::async, [&] { return Complete(task, {{"outcome", "accept"}}, window_).status; });
  auto b = std::async(std::launch::async, [&] { return Complete(task, {{"outcome", "accept"}}, other_window).status; });
  std::vector<int> statuses = {a.get(), b.get()};
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{200, 409}));
  EXPECT_EQ(Case(id, person_)["status"], "in_review");
}

TEST_P(CaseApiTest, OthersGet404) {
  const std::string id = Apply()["id"];
  const std::string lisi = Login("13800000002");
  EXPECT_EQ(client().Get("/api/v1/cases/" + id, {{"Authorization", lisi}}).status, 404);
  EXPECT_EQ(Post("/api/v1/cases/" + id + "/withdraw", json::object(), lisi).status, 404);
  // Another department's approver neither sees the case nor its task.
  const std::string scjg = Login("approver");
  EXPECT_EQ(client().Get("/api/v1/cases/" + id, {{"Authorization", scjg}}).status, 404);
  ASSERT_EQ(Complete(TaskOf(id, window_), {{"outcome", "accept"}}, window_).status, 200);
  const std::string review = TaskOf(id, approver_);
  ASSERT_FALSE(review.empty());
  EXPECT_EQ(Complete(review, {{"outcome", "approve"}}, scjg).status, 404);
  EXPECT_TRUE(client().Get("/api/v1/cases", {{"Authorization", scjg}}).Json()["items"].empty());
  // Staff cannot open cases as applicants; applicants cannot work on tasks.
  EXPECT_EQ(Post("/api/v1/cases", {{"item_code", kHousing}}, window_).status, 403);
  EXPECT_EQ(Complete(review, {{"outcome", "approve"}}, person_).status, 403);
}

TEST_P(CaseApiTest, EveryStepLeavesAnAuditRecordAndTamperingIsFound) {
  const std::string id = Apply()["id"];
  ASSERT_EQ(Complete(TaskOf(id, window_), {{"outcome", "accept"}}, window_).status, 200);
  Case(id, approver_);  // staff opening the case is recorded too
  auto trail = client().Get("/api/v1/cases/" + id + "/audit", {{"Authorization", person_}});
  ASSERT_EQ(trail.status, 200) << trail.body;
  std::vector<std::string> actions;
  const json records = trail.Json()["items"];
  for (const auto& r : records) actions.push_back(r["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"case.created", "case.submitted", "case.accepted", "case.opened"}));
  EXPECT_EQ(client().Get("/api/v1/cases/" + id + "/audit", {{"Authorization", Login("13800000002")}}).status, 404);

  const std::string supervisor = Login("supervisor");
  auto verified = client().Get("/api/v1/audit/verify", {{"Authorization", supervisor}});
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(verified.Json()["ok"], true);
  EXPECT_GE(verified.Json()["records"].get<int>(), 4);
  if (GetParam() != "sqlite") return;  // editing rows by hand: SQLite here; every kind on both in audit_test
  const std::string db = (server_->data_dir() / "wangban.db").string();
  auto cli = RunWangban({"audit", "verify", "--db", "sqlite:" + db, "--data", server_->data_dir().string()});
  EXPECT_EQ(cli.exit_status, 0) << cli.output;
  const std::string sql = "UPDATE audit_records SET actor = 'someone-else' WHERE stream = '" + id + "' AND seq = 2";
  ASSERT_EQ(std::system(("sqlite3 '" + db + "' \"" + sql + "\"").c_str()), 0);
  auto tampered = client().Get("/api/v1/audit/verify", {{"Authorization", supervisor}});
  ASSERT_EQ(tampered.status, 200);
  EXPECT_EQ(tampered.Json()["ok"], false);
  EXPECT_EQ(tampered.Json()["first_bad"]["stream"], id);
  EXPECT_EQ(tampered.Json()["first_bad"]["seq"], 2);
  cli = RunWangban({"audit", "verify", "--db", "sqlite:" + db, "--data", server_->data_dir().string()});
  EXPECT_EQ(cli.exit_status, 1) << cli.output;
  EXPECT_NE(cli.output.find(id), std::string::npos) << cli.output;
}

TEST_P(CaseApiTest, EveryCaseNumberOfADayIsAccountedFor) {
  const std::string a = Apply()["number"];
  const std::string b = Apply()["number"];
  EXPECT_TRUE(a.ends_with("-000001")) << a;
  EXPECT_TRUE(b.ends_with("-000002")) << b;
  const std::string db = server_->db_url();
  auto cli =
      RunWangban({"audit", "numbers", "--date", "2026-03-04", "--db", db, "--data", server_->data_dir().string()});
  EXPECT_EQ(cli.exit_status, 0) << cli.output;
  EXPECT_NE(cli.output.find("460100 20260304: 2 issued, 2 on cases, 0 void, 0 unaccounted"), std::string::npos)
      << cli.output;
  cli = RunWangban({"audit", "numbers", "--date", "2026-03-05", "--db", db, "--data", server_->data_dir().string()});
  EXPECT_EQ(cli.exit_status, 0) << cli.output;
  EXPECT_NE(cli.output.find("no case numbers issued"), std::string::npos) << cli.output;
  cli = RunWangban({"audit", "numbers", "--date", "March 4", "--db", db, "--data", server_->data_dir().string()});
  EXPECT_EQ(cli.exit_status, 2) << cli.output;
  // The same for supervisors over HTTP: the demo supervisor's province covers the city.
  auto report = client().Get("/api/v1/audit/numbers?date=2026-03-04", {{"Authorization", Login("supervisor")}});
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.Json()["scope"], "460000");
  EXPECT_EQ(report.Json()["ok"], true);
  ASSERT_EQ(report.Json()["regions"].size(), 1u) << report.body;
  EXPECT_EQ(report.Json()["regions"][0]["region"], "460100");
  EXPECT_EQ(report.Json()["regions"][0]["issued"], 2);
  EXPECT_EQ(report.Json()["regions"][0]["on_cases"], 2);
  EXPECT_TRUE(report.Json()["regions"][0]["void"].empty());
}

// A tiny well-formed PDF.
constexpr std::string_view kPdf = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

TEST_P(CaseApiTest, ParallelReviewWithOneObjectionEndsInADenial) {
  const std::string company = Login("91460100MA5T00001L");  // 海口示例科技有限公司 (demo)
  const json form = {
      {"company_name", "海口示例科技有限公司"},
      {"uscc", "91460100MA5T00001L"},
      {"legal_representative", {{"name", "张三"}, {"id_number", "460100199001011230"}, {"phone", "13800000003"}}},
      {"contact_name", "李四"},
      {"contact_phone", "13800000002"},
      {"project_name", "示例科技研发楼"},
      {"project_code", "2026-460100-47-01-000123"},
      {"project_address", {{"district", "美兰区"}, {"street", "白龙街道"}, {"detail", "示例路88号"}}},
      {"project_type", "房屋建筑工程"},
      {"building_area", 12000.5},
      {"building_height", 48.6},
      {"floors", 12},
      {"basement_floors", 2},
      {"special_fire", true},
      {"civil_defense", true},
      {"design_company", "海南示例建筑设计院"},
      {"survey_company", "海南示例勘察院"}};
  auto created = Post("/api/v1/cases", {{"item_code", "001007002000460100HKZJJ"}, {"form", form}}, company);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  for (const char* code : {"M01", "M02", "M04"}) {
    auto up = client().Send({.method = "POST",
                             .target = "/api/v1/files",
                             .headers = {{"Authorization", company},
                                         {"Content-Type", "application/pdf"},
                                         {"X-File-Name", std::string(code) + ".pdf"}},
                             .body = std::string(kPdf)});
    ASSERT_EQ(up.status, 201) << up.body;
    auto put = client().PutJson("/api/v1/cases/" + id + "/materials/" + code, {{"file_id", up.Json()["id"]}},
                                {{"Authorization", company}});
    ASSERT_EQ(put.status, 200) << put.body;
  }
  // Someone else's file cannot be attached.
  auto foreign = client().Send({.method = "POST",
                                .target = "/api/v1/files",
                                .headers = {{"Authorization", person_}, {"Content-Type", "application/pdf"}},
                                .body = std::string(kPdf)});
  ASSERT_EQ(foreign.status, 201);
  EXPECT_EQ(client()
                .PutJson("/api/v1/cases/" + id + "/materials/M05", {{"file_id", foreign.Json()["id"]}},
                         {{"Authorization", company}})
                .status,
            422);
  ASSERT_EQ(client()
                .PutJson("/api/v1/cases/" + id + "/materials/M03", {{"license_id", "JSGH-2026-001"}},
                         {{"Authorization", company}})
                .status,
            200);
  auto submitted = Post("/api/v1/cases/" + id + "/submit", {{"commitment_signed", true}}, company);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  ASSERT_EQ(Complete(TaskOf(id, window_), {{"outcome", "accept"}}, window_).status, 200);

  // Three departments countersign at once; 市场监管 objects, which ends the countersign.
  const std::string scjg = Login("approver");
  const std::string zjj_task = TaskOf(id, approver_);
  const std::string scjg_task = TaskOf(id, scjg);
  ASSERT_FALSE(zjj_task.empty());
  ASSERT_FALSE(scjg_task.empty());
  // The reviewing department reads the materials (and leaves an audit record).
  auto pdf = client().Get("/api/v1/cases/" + id + "/materials/M01/file", {{"Authorization", scjg}});
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.body, kPdf);
  EXPECT_NE(pdf.Header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(pdf.Header("x-content-type-options"), "nosniff");
  ASSERT_EQ(Complete(zjj_task, {{"outcome", "agree"}, {"opinion", "同意"}}, approver_).status, 200);
  EXPECT_EQ(Complete(scjg_task, {{"outcome", "object"}}, scjg).status, 422);  // an objection gives its reason
  ASSERT_EQ(Complete(scjg_task, {{"outcome", "object"}, {"opinion", "消防设计不符合规范"}}, scjg).status, 200);

  // The joint decision goes to the lead department, which denies.
  const std::string decision = TaskOf(id, approver_);
  ASSERT_FALSE(decision.empty());
  auto denied = Complete(decision, {{"outcome", "deny"}, {"opinion", "联合审查未通过：消防设计不符合规范"}}, approver_);
  ASSERT_EQ(denied.status, 200) << denied.body;
  EXPECT_EQ(denied.Json()["status"], "denied");

  const json mine = Case(id, company);
  EXPECT_EQ(mine["decision"]["result"], "denied");
  bool objection_visible = false;
  for (const auto& e : mine["timeline"]) objection_visible |= e["type"] == "review_objected";
  EXPECT_FALSE(objection_visible);  // departments' internal opinions stay with staff
  const json staff_view = Case(id, approver_);
  bool objection_recorded = false;
  for (const auto& e : staff_view["timeline"]) objection_recorded |= e["type"] == "review_objected";
  EXPECT_TRUE(objection_recorded);
}

TEST_P(CaseApiTest, AutoApprovalDecidesAtOnceAndExplainsItself) {
  auto submitted = ApplyForCertificate("就业");
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  const json c = submitted.Json();
  EXPECT_EQ(c["status"], "approved");
  EXPECT_EQ(c["decision"]["automatic"], true);
  const json& rules = c["decision"]["rules"];
  EXPECT_EQ(rules["decision"], "approve");
  EXPECT_EQ(rules["rule_set_version"], 1);
  ASSERT_FALSE(rules["conditions"].empty());
  for (const auto& cond : rules["conditions"]) EXPECT_EQ(cond["result"], true) << cond.dump();
  // The record keeps what it used, without the full ID number.
  EXPECT_EQ(c["decision"].dump().find("460100199001011230"), std::string::npos);
}

TEST_P(CaseApiTest, AutoApprovalFallsBackToAPersonWhenARuleFails) {
  auto submitted = ApplyForCertificate("其他");
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  const std::string id = submitted.Json()["id"];
  EXPECT_EQ(submitted.Json()["status"], "in_review");
  EXPECT_TRUE(submitted.Json()["decision"].is_null());
  // Staff see why the rules could not approve.
  const json staff = Case(id, Login("admin"));
  bool explained = false;
  for (const auto& e : staff["timeline"]) {
    if (e["type"] == "rules_fallback") {
      explained = true;
      EXPECT_EQ(e["data"]["decision"], "manual");
      EXPECT_EQ(e["staff_only"], true);
    }
  }
  EXPECT_TRUE(explained);
}

TEST_P(CaseApiTest, AutoApprovalDecisionsReplayAndEditedRecordsAreFound) {
  // One case decided by the rules, one the rules sent to a person.
  std::string decided, fallback;
  for (const char* purpose : {"就业", "其他"}) {
    auto submitted = ApplyForCertificate(purpose);
    ASSERT_EQ(submitted.status, 200) << submitted.body;
    (std::string(purpose) == "就业" ? decided : fallback) = submitted.Json()["id"];
  }
  const std::string supervisor = Login("supervisor");
  auto replay = [&](const std::string& id, const std::string& auth) {
    return client().Get("/api/v1/cases/" + id + "/decision/replay", {{"Authorization", auth}});
  };

  auto r = replay(decided, supervisor);
  ASSERT_EQ(r.status, 200) << r.body;
  json body = r.Json();
  EXPECT_EQ(body["ok"], true) << r.body;
  EXPECT_EQ(body["status"], "approved");
  ASSERT_EQ(body["replays"].size(), 1u) << r.body;
  EXPECT_EQ(body["replays"][0]["source"], "decision");
  EXPECT_EQ(body["replays"][0]["same"], true);
  EXPECT_EQ(body["replays"][0]["rule_set_version"], 1);
  EXPECT_EQ(body["replays"][0]["recorded"]["decision"], "approve");
  EXPECT_EQ(body["replays"][0]["replayed"]["decision"], "approve");
  EXPECT_TRUE(body["replays"][0]["differences"].empty());

  // The fallback's record is in the timeline; the window that handles the case may replay it.
  r = replay(fallback, window_);
  ASSERT_EQ(r.status, 200) << r.body;
  body = r.Json();
  EXPECT_EQ(body["ok"], true) << r.body;
  ASSERT_EQ(body["replays"].size(), 1u) << r.body;
  EXPECT_EQ(body["replays"][0]["source"], "fallback");
  EXPECT_TRUE(body["replays"][0]["event_seq"].is_number());
  EXPECT_EQ(body["replays"][0]["recorded"]["decision"], "manual");
  EXPECT_EQ(body["replays"][0]["recorded"]["reason"], "condition_false");
  EXPECT_EQ(body["replays"][0]["replayed"]["reason"], "condition_false");

  // Who may replay: staff who may see the case; applicants (theirs included) may not.
  EXPECT_EQ(replay(decided, person_).status, 403);
  EXPECT_EQ(replay(decided, approver_).status, 404);  // another department's approver
  // A case without rules has nothing to replay.
  const std::string housing = Apply()["id"];
  r = replay(housing, supervisor);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.Json()["code"], "no_decision_record") << r.body;
  // Replaying is recorded in the case's audit trail.
  auto trail = client().Get("/api/v1/cases/" + decided + "/audit", {{"Authorization", supervisor}});
  ASSERT_EQ(trail.status, 200) << trail.body;
  bool recorded = false;
  const json records = trail.Json()["items"];
  for (const auto& rec : records) recorded |= rec["action"] == "decision.replayed";
  EXPECT_TRUE(recorded) << trail.body;

  // A record edited in the database (an input the decision rested on) no longer replays to
  // itself: the replay names what differs.
  ASSERT_NO_FATAL_FAILURE(EditDecision(decided, R"("form.purpose":"就业")", R"("form.purpose":"旅游")"));
  r = replay(decided, supervisor);
  ASSERT_EQ(r.status, 200) << r.body;
  body = r.Json();
  EXPECT_EQ(body["ok"], false) << r.body;
  EXPECT_EQ(body["replays"][0]["same"], false);
  EXPECT_EQ(body["replays"][0]["recorded"]["decision"], "approve");
  EXPECT_EQ(body["replays"][0]["replayed"]["decision"], "manual");
  const json differences = body["replays"][0]["differences"];
  EXPECT_NE(std::find(differences.begin(), differences.end(), json("/decision")), differences.end()) << r.body;

  // A record edited into something no evaluation makes (a field of the wrong type) is a finding
  // too, not a failure of the request.
  ASSERT_NO_FATAL_FAILURE(EditDecision(decided, R"("reason":"all_conditions_true")", R"("reason":7)"));
  r = replay(decided, supervisor);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["ok"], false) << r.body;
  EXPECT_EQ(r.Json()["replays"][0]["same"], false) << r.body;
  EXPECT_EQ(r.Json()["replays"][0]["recorded"]["reason"], 7) << r.body;
}

TEST_P(CaseApiTest, CasesAreFoundByTheirNumber) {
  const json first = Apply();
  const json second = Apply();
  const std::string number = second["number"];
  for (const std::string& auth : {person_, window_, approver_, Login("supervisor")}) {
    auto r = client().Get("/api/v1/cases?number=" + number, {{"Authorization", auth}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.Json()["items"].size(), 1u) << r.body;
    EXPECT_EQ(r.Json()["items"][0]["id"], second["id"]);
  }
  // Nobody sees more through a number than without one.
  auto other = client().Get("/api/v1/cases?number=" + number, {{"Authorization", Login("13800000002")}});
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_TRUE(other.Json()["items"].empty()) << other.body;
  auto none = client().Get("/api/v1/cases?number=460100-20260304-999999", {{"Authorization", window_}});
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.Json()["items"].empty());
  auto bad = client().Get("/api/v1/cases?number=46010020260304", {{"Authorization", window_}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(Fields(bad), std::vector<std::string>{"number format"});
  EXPECT_NE(first["number"], second["number"]);
}

// The README's walkthrough of the whole loop (scripts/api-walkthrough.sh: apply, accept, approve,
// 秒批, audit verify and replay) against a fresh server, so that what it shows a new user works.
TEST_P(CaseApiTest, TheApiWalkthroughRunsTheWholeLoop) {
  const char* root = std::getenv("WANGBAN_SOURCE_DIR");
  ASSERT_NE(root, nullptr) << "WANGBAN_SOURCE_DIR is not set";
  const std::string script = (std::filesystem::path(root) / "scripts" / "api-walkthrough.sh").string();
  auto run = RunChild({.argv = {"bash", script, "http://127.0.0.1:" + std::to_string(server_->port())}}, "",
                      std::chrono::seconds(120));
  EXPECT_EQ(run.exit_status, 0) << run.output;
  EXPECT_NE(run.output.find("\"status\":\"approved\",\"decision\":\"approved\""), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("{\"ok\":true,\"replays\":[{\"source\":\"decision\",\"same\":true}]}"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("api-walkthrough: done"), std::string::npos) << run.output;
}

INSTANTIATE_TEST_SUITE_P(Backends, CaseApiTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::testing
