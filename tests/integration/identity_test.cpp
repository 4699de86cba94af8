// Black-box tests of identity on SQLite and PostgreSQL: registration and its validation,
// login, throttling, session expiry on the test clock, logout, password change, the session
// cookie and CSRF, 代办 agents, staff administration, masking of personal data, and the
// `admin create-staff` command.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"

namespace wangban::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kPassword = "Applicant#2026";
constexpr const char* kDemoPassword = "Wangban@2026";

// ---------------------------------------------------------------------------------------------
// Valid identifiers, computed independently of the server's code.

std::string IdNumber(const std::string& first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

std::string Uscc(const std::string& first17) {
  static constexpr std::string_view kCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(kCharset.find(first17[i])) * kWeights[i];
  return first17 + kCharset[(31 - sum % 31) % 31];
}

std::string Padded(int n, int width) {
  std::string s = std::to_string(n);
  return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, '0') + s;
}

// The same number with another (wrong) check character.
std::string WithWrongCheck(std::string id) {
  id.back() = id.back() == '0' ? '1' : '0';
  return id;
}

std::atomic<int> g_serial{0};
std::string NewIdNumber() {
  const int n = g_serial++;
  return IdNumber("460107" + std::to_string(1960 + n / (12 * 28 * 900) % 40) + Padded(1 + n / (28 * 900) % 12, 2) +
                  Padded(1 + n / 900 % 28, 2) + std::to_string(100 + n % 900));
}
std::string NewPhone() { return "137" + Padded(g_serial++, 8); }
std::string NewUscc() { return Uscc("91460100MB" + Padded(g_serial++, 7)); }

Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// errors[] of a problem document as "field:code".
std::vector<std::string> FieldErrors(const HttpResponse& r) {
  std::vector<std::string> out;
  const json body = r.Json();
  if (!body.is_object() || !body.contains("errors")) return out;
  for (const auto& e : body["errors"]) out.push_back(e.value("field", "") + ":" + e.value("code", ""));
  return out;
}

std::string Code(const HttpResponse& r) {
  const json body = r.Json();
  return body.is_object() ? body.value("code", "") : "";
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string SetCookie(const HttpResponse& r) {
  for (const auto& [name, value] : r.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "set-cookie") return value;
  }
  return "";
}

struct Person {
  std::string id, name, id_number, phone;
};

class IdentityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string db = DatabaseFor(GetParam());
    ASSERT_FALSE(db.empty());
    server_ = std::make_unique<ServerProcess>(
        ServerOptions{.db = db, .extra_args = {"--demo", "--test-clock", "--password-hash-cost", "minimum"}});
    ASSERT_TRUE(server_->ok()) << server_->output();
  }

  HttpClient client() const { return server_->client(); }

  HttpResponse Login(const std::string& account, const std::string& password) const {
    return client().PostJson("/api/v1/sessions", {{"account", account}, {"password", password}});
  }

  // A session token; fails the test (and returns "") if the login does not succeed.
  std::string Token(const std::string& account, const std::string& password = kPassword) const {
    auto r = Login(account, password);
    EXPECT_EQ(r.status, 201) << account << ": " << r.body;
    return r.status == 201 ? r.Json()["token"].get<std::string>() : "";
  }

  HttpResponse Me(const std::string& token, Headers extra = {}) const {
    Headers h = Bearer(token);
    h.insert(h.end(), extra.begin(), extra.end());
    return client().Get("/api/v1/me", h);
  }

  void Advance(int seconds) const {
    auto r = client().PostJson("/api/v1/test/clock", {{"advance_seconds", seconds}});
    ASSERT_EQ(r.status, 200) << r.body;
  }

  static json PersonBody(const std::string& id_number, const std::string& phone, const std::string& name = "张伟",
                         const std::string& password = kPassword) {
    return {{"name", name}, {"id_number", id_number}, {"phone", phone}, {"password", password}};
  }

  Person RegisterPerson(const std::string& name = "张伟") const {
    Person p{.name = name, .id_number = NewIdNumber(), .phone = NewPhone()};
    auto r = client().PostJson("/api/v1/persons", PersonBody(p.id_number, p.phone, name));
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status == 201) p.id = r.Json()["id"].get<std::string>();
    return p;
  }

  static json CompanyBody(const std::string& uscc, const std::string& rep_id_number, const std::string& phone) {
    return {{"name", "海口测试贸易有限公司"},
            {"uscc", uscc},
            {"legal_representative", {{"name", "王芳"}, {"id_number", rep_id_number}}},
            {"phone", phone},
            {"password", kPassword}};
  }

  std::unique_ptr<ServerProcess> server_;
};

// ---------------------------------------------------------------------------------------------
// Registration

TEST_P(IdentityTest, RegistersAPerson) {
  const std::string id_number = NewIdNumber();
  auto r = client().PostJson("/api/v1/persons", PersonBody(id_number, NewPhone(), "李娜"));
  ASSERT_EQ(r.status, 201) << r.body;
  const json j = r.Json();
  EXPECT_TRUE(j["id"].is_string() && !j["id"].get<std::string>().empty()) << r.body;
  EXPECT_EQ(j["kind"], "person");
  EXPECT_EQ(j["name"], "李娜");
  EXPECT_EQ(r.body.find(id_number), std::string::npos) << "the ID number is echoed: " << r.body;
  // A lowercase check character 'x' is the same number as 'X'.
  std::string with_x;
  for (int seq = 100; seq < 999 && with_x.empty(); ++seq) {
    const std::string id = IdNumber("46010819700203" + std::to_string(seq));
    if (id.back() == 'X') with_x = id;
  }
  ASSERT_FALSE(with_x.empty());
  std::string lower = with_x;
  lower.back() = 'x';
  auto x = client().PostJson("/api/v1/persons", PersonBody(lower, NewPhone()));
  EXPECT_EQ(x.status, 201) << x.body;
  auto again = client().PostJson("/api/v1/persons", PersonBody(with_x, NewPhone()));
  EXPECT_EQ(again.status, 409) << again.body;
}

TEST_P(IdentityTest, RejectsBadIdNumbersOneByOne) {
  struct Case {
    std::string id_number, code;
  };
  const std::vector<Case> cases = {
      {"", "required"},
      {"46010019900101123", "length"},
      {"4601001990010112345", "length"},
      {"46010019900101123A", "format"},
      {"4601001990O101123X", "format"},
      {"990100199001011234", "region"},
      {IdNumber("46010020990101123"), "birth_date"},  // born in the future
      {IdNumber("46010019901301123"), "birth_date"},  // no 13th month
      {IdNumber("46010018990101123"), "birth_date"},  // before 1900
      {WithWrongCheck(IdNumber("46010019900101125")), "checksum"},
  };
  for (const auto& c : cases) {
    auto r = client().PostJson("/api/v1/persons", PersonBody(c.id_number, NewPhone()));
    EXPECT_EQ(r.status, 422) << c.id_number << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
    EXPECT_EQ(Code(r), "validation_failed") << r.body;
    EXPECT_EQ(FieldErrors(r), std::vector<std::string>{"id_number:" + c.code}) << c.id_number << ": " << r.body;
    if (!c.id_number.empty()) {
      EXPECT_EQ(r.body.find(c.id_number), std::string::npos) << "the message echoes the number: " << r.body;
    }
  }
}

TEST_P(IdentityTest, RejectsBadUsccPhoneAndPassword) {
  auto uscc = client().PostJson("/api/v1/companies",
                                CompanyBody(WithWrongCheck(Uscc("91460100MA5T00077")), NewIdNumber(), NewPhone()));
  EXPECT_EQ(uscc.status, 422) << uscc.body;
  EXPECT_EQ(FieldErrors(uscc), std::vector<std::string>{"uscc:checksum"}) << uscc.body;
  struct BadUscc {
    std::string uscc, code;
  };
  for (const auto& u : std::vector<BadUscc>{{"", "required"},
                                            {"91460100MA5T0007", "length"},
                                            {"91460100MA5T0007I7", "format"},  // I is not in the charset
                                            {Uscc("91990100MA5T00077"), "region"}}) {
    auto r = client().PostJson("/api/v1/companies", CompanyBody(u.uscc, NewIdNumber(), NewPhone()));
    EXPECT_EQ(r.status, 422) << u.uscc << ": " << r.body;
    EXPECT_EQ(FieldErrors(r), std::vector<std::string>{"uscc:" + u.code}) << u.uscc << ": " << r.body;
  }

  for (const std::string phone : {"12345678901", "1380000000", "138000000011", "phone"}) {
    auto r = client().PostJson("/api/v1/persons", PersonBody(NewIdNumber(), phone));
    EXPECT_EQ(r.status, 422) << phone << ": " << r.body;
    EXPECT_EQ(FieldErrors(r), std::vector<std::string>{"phone:format"}) << phone << ": " << r.body;
  }

  struct Weak {
    std::string password, code;
  };
  for (const auto& w :
       std::vector<Weak>{{"password123", "common"}, {"12345678", "common"}, {"Ab#1x", "too_short"}, {"", "required"}}) {
    auto r = client().PostJson("/api/v1/persons", PersonBody(NewIdNumber(), NewPhone(), "张伟", w.password));
    EXPECT_EQ(r.status, 422) << w.password << ": " << r.body;
    EXPECT_EQ(FieldErrors(r), std::vector<std::string>{"password:" + w.code}) << w.password << ": " << r.body;
  }
}

TEST_P(IdentityTest, ReportsEveryBadFieldAtOnce) {
  auto r = client().PostJson("/api/v1/persons",
                             {{"name", ""}, {"id_number", "123"}, {"phone", "not a phone"}, {"password", "password"}});
  EXPECT_EQ(r.status, 422) << r.body;
  const auto errors = FieldErrors(r);
  const std::set<std::string> got(errors.begin(), errors.end());
  EXPECT_EQ(got, (std::set<std::string>{"name:required", "id_number:length", "phone:format", "password:common"}))
      << r.body;
}

TEST_P(IdentityTest, MalformedRequestsAreRefusedBeforeValidation) {
  auto text = client().Send({.method = "POST",
                             .target = "/api/v1/persons",
                             .headers = {{"Content-Type", "text/plain"}},
                             .body = PersonBody(NewIdNumber(), NewPhone()).dump()});
  EXPECT_EQ(text.status, 415) << text.body;
  auto broken = client().Send({.method = "POST",
                               .target = "/api/v1/persons",
                               .headers = {{"Content-Type", "application/json"}},
                               .body = R"({"name": "张伟", "id_number": )"});
  EXPECT_EQ(broken.status, 400) << broken.body;
  auto array = client().PostJson("/api/v1/persons", json::array({"张伟"}));
  EXPECT_EQ(array.status, 400) << array.body;
  json wrong_type = PersonBody(NewIdNumber(), NewPhone());
  wrong_type["phone"] = 13800000009;
  auto typed = client().PostJson("/api/v1/persons", wrong_type);
  EXPECT_EQ(typed.status, 422) << typed.body;
  EXPECT_EQ(FieldErrors(typed), std::vector<std::string>{"phone:type"}) << typed.body;
}

TEST_P(IdentityTest, ATakenIdNumberOrPhoneIsAConflict) {
  const Person p = RegisterPerson();
  auto same_id = client().PostJson("/api/v1/persons", PersonBody(p.id_number, NewPhone()));
  EXPECT_EQ(same_id.status, 409) << same_id.body;
  EXPECT_TRUE(Contains(FieldErrors(same_id), "id_number:taken")) << same_id.body;
  auto same_phone = client().PostJson("/api/v1/persons", PersonBody(NewIdNumber(), p.phone));
  EXPECT_EQ(same_phone.status, 409) << same_phone.body;
  EXPECT_TRUE(Contains(FieldErrors(same_phone), "phone:taken")) << same_phone.body;
}

TEST_P(IdentityTest, RegistersACompanyCheckingItsRepresentative) {
  const std::string uscc = NewUscc();
  auto bad_rep = client().PostJson("/api/v1/companies", CompanyBody(uscc, WithWrongCheck(NewIdNumber()), NewPhone()));
  EXPECT_EQ(bad_rep.status, 422) << bad_rep.body;
  EXPECT_EQ(FieldErrors(bad_rep), std::vector<std::string>{"legal_representative.id_number:checksum"}) << bad_rep.body;

  json no_rep = CompanyBody(uscc, "", NewPhone());
  no_rep.erase("legal_representative");
  auto missing = client().PostJson("/api/v1/companies", no_rep);
  EXPECT_EQ(missing.status, 422) << missing.body;
  const auto errors = FieldErrors(missing);
  EXPECT_TRUE(Contains(errors, "legal_representative.name:required")) << missing.body;
  EXPECT_TRUE(Contains(errors, "legal_representative.id_number:required")) << missing.body;

  auto ok = client().PostJson("/api/v1/companies", CompanyBody(uscc, NewIdNumber(), NewPhone()));
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.Json()["kind"], "company");
  EXPECT_EQ(ok.Json()["name"], "海口测试贸易有限公司");
  EXPECT_TRUE(ok.Json()["id"].is_string());

  auto taken = client().PostJson("/api/v1/companies", CompanyBody(uscc, NewIdNumber(), NewPhone()));
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_TRUE(Contains(FieldErrors(taken), "uscc:taken")) << taken.body;
}

// ---------------------------------------------------------------------------------------------
// Login

TEST_P(IdentityTest, LogsInByIdNumberPhoneUsccAndStaffAccount) {
  const Person p = RegisterPerson();
  const std::string uscc = NewUscc();
  auto company = client().PostJson("/api/v1/companies", CompanyBody(uscc, NewIdNumber(), NewPhone()));
  ASSERT_EQ(company.status, 201) << company.body;
  const std::string company_id = company.Json()["id"].get<std::string>();
  std::string lower_uscc = uscc;
  for (char& c : lower_uscc) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  struct Way {
    std::string account, password, kind, id;
  };
  const std::vector<Way> ways = {
      {p.id_number, kPassword, "person", p.id},
      {p.phone, kPassword, "person", p.id},
      {"+86 " + p.phone.substr(0, 3) + "-" + p.phone.substr(3, 4) + "-" + p.phone.substr(7), kPassword, "person", p.id},
      {uscc, kPassword, "company", company_id},
      {lower_uscc, kPassword, "company", company_id},
      {"window", kDemoPassword, "staff", ""},
      {"WINDOW", kDemoPassword, "staff", ""},
      // The demo applicants: 张三 by ID number, the demo company by its USCC.
      {IdNumber("46010019900101123"), kDemoPassword, "person", ""},
      {Uscc("91460100MA5T00001"), kDemoPassword, "company", ""},
  };
  for (const auto& w : ways) {
    auto r = Login(w.account, w.password);
    ASSERT_EQ(r.status, 201) << w.account << ": " << r.body;
    const json j = r.Json();
    const std::string token = j["token"].get<std::string>();
    EXPECT_EQ(token.size(), 64u);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
    EXPECT_TRUE(j["expires_at"].is_string());
    EXPECT_EQ(j["user"]["kind"], w.kind) << w.account;
    if (!w.id.empty()) {
      EXPECT_EQ(j["user"]["id"], w.id) << w.account;
    }
    auto me = Me(token);
    EXPECT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.Json()["id"], j["user"]["id"]);
    if (w.kind == "staff") {
      EXPECT_EQ(me.Json()["roles"], json::array({"window"}));
      EXPECT_EQ(me.Json()["department"], "HK-XZSP");
    }
  }
}

TEST_P(IdentityTest, WrongPasswordAndUnknownAccountLookTheSame) {
  const Person p = RegisterPerson();
  auto wrong = Login(p.phone, "Not#MyPassword1");
  auto unknown = Login(NewPhone(), "Not#MyPassword1");
  auto unknown_staff = Login("nobody-here", "Not#MyPassword1");
  for (const auto* r : {&wrong, &unknown, &unknown_staff}) {
    EXPECT_EQ(r->status, 401) << r->body;
    EXPECT_EQ(Code(*r), "bad_credentials") << r->body;
    EXPECT_EQ(r->Json()["detail"], wrong.Json()["detail"]);
  }
  auto missing = client().PostJson("/api/v1/sessions", {{"account", p.phone}});
  EXPECT_EQ(missing.status, 422) << missing.body;
  EXPECT_TRUE(Contains(FieldErrors(missing), "password:required")) << missing.body;
}

TEST_P(IdentityTest, ThrottlesAnAccountAfterFiveFailures) {
  const Person p = RegisterPerson();
  for (int i = 1; i <= 5; ++i) {
    auto r = Login(p.phone, "Wrong#Password" + std::to_string(i));
    EXPECT_EQ(r.status, 401) << "failure " << i << ": " << r.body;
  }
  auto locked = Login(p.phone, "Wrong#Password6");
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(Code(locked), "rate_limited");
  EXPECT_EQ(locked.Header("retry-after"), "30");
  // The right password does not get through a lock, even by another spelling of the account.
  auto right = Login(p.phone, kPassword);
  EXPECT_EQ(right.status, 429) << right.body;
  EXPECT_EQ(right.Header("retry-after"), "30");
  // Others are not affected.
  EXPECT_EQ(Login("window", kDemoPassword).status, 201);

  Advance(29);
  EXPECT_EQ(Login(p.phone, kPassword).status, 429);
  Advance(2);
  auto after = Login(p.phone, kPassword);
  EXPECT_EQ(after.status, 201) << after.body;
}

TEST_P(IdentityTest, EachFailureDuringThrottlingDoublesTheLock) {
  const Person p = RegisterPerson();
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(Login(p.id_number, "Wrong#Password" + std::to_string(i)).status, 401);
  Advance(31);
  // The sixth failure locks for 30 s * 2^(6-5).
  EXPECT_EQ(Login(p.id_number, "Wrong#Password7").status, 401);
  auto locked = Login(p.id_number, kPassword);
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(locked.Header("retry-after"), "60");
  Advance(61);
  EXPECT_EQ(Login(p.id_number, kPassword).status, 201);
}

TEST_P(IdentityTest, TheAccountLockHoldsWhicheverIdentifierIsTyped) {
  // The lock is on the account, not on the text typed: another identifier of the same person
  // (ID number instead of phone, or the phone written another way) must not get through it.
  const Person p = RegisterPerson();
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(Login(p.phone, "Wrong#Password" + std::to_string(i)).status, 401);
  const std::string hyphenated = p.phone.substr(0, 3) + "-" + p.phone.substr(3, 4) + "-" + p.phone.substr(7);
  for (const std::string& other_spelling : {p.id_number, "+86 " + p.phone, hyphenated}) {
    auto r = Login(other_spelling, kPassword);
    EXPECT_EQ(r.status, 429) << other_spelling << " got past the lock: " << r.body;
  }
}

TEST_P(IdentityTest, ThrottlesAnAddressAfterTwentyFailures) {
  // Failures on 20 different accounts from one address lock the address, whatever account
  // comes next, even with the right password.
  for (int i = 1; i <= 20; ++i) {
    auto r = Login(NewPhone(), "Wrong#Password1");
    EXPECT_EQ(r.status, 401) << "failure " << i << ": " << r.body;
  }
  auto locked = Login("window", kDemoPassword);
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(Code(locked), "rate_limited");
  EXPECT_EQ(locked.Header("retry-after"), "30");
  Advance(31);
  EXPECT_EQ(Login("window", kDemoPassword).status, 201);
}

// ---------------------------------------------------------------------------------------------
// Sessions

TEST_P(IdentityTest, AnIdleSessionExpires) {
  const Person p = RegisterPerson();
  const std::string token = Token(p.phone);
  Advance(29 * 60);
  EXPECT_EQ(Me(token).status, 200);
  Advance(31 * 60);
  auto r = Me(token);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(Code(r), "session_expired");
  // Logging in again works.
  EXPECT_EQ(Me(Token(p.phone)).status, 200);
}

TEST_P(IdentityTest, ActivityKeepsASessionAlive) {
  // last_seen is written at most once a minute, so each step is far longer than that.
  const Person p = RegisterPerson();
  const std::string token = Token(p.phone);
  for (int step = 1; step <= 4; ++step) {
    Advance(20 * 60);
    auto r = Me(token);
    EXPECT_EQ(r.status, 200) << "after " << step * 20 << " min: " << r.body;
  }
  Advance(31 * 60);
  EXPECT_EQ(Me(token).status, 401);
}

TEST_P(IdentityTest, ASessionEndsAfterTwelveHoursHoweverActive) {
  auto set = client().PostJson("/api/v1/test/clock", {{"set", "2030-01-07T09:00:00+08:00"}});
  ASSERT_EQ(set.status, 200) << set.body;
  const Person p = RegisterPerson();
  auto login = Login(p.phone, kPassword);
  ASSERT_EQ(login.status, 201) << login.body;
  EXPECT_TRUE(login.Json()["expires_at"].get<std::string>().starts_with("2030-01-07T21:00:00")) << login.body;
  const std::string token = login.Json()["token"].get<std::string>();
  int minutes = 0;
  while (minutes + 25 < 12 * 60) {
    Advance(25 * 60);
    minutes += 25;
    auto r = Me(token);
    ASSERT_EQ(r.status, 200) << "after " << minutes << " min: " << r.body;
  }
  Advance(25 * 60);
  auto r = Me(token);
  EXPECT_EQ(r.status, 401) << "after " << minutes + 25 << " min: " << r.body;
  EXPECT_EQ(Code(r), "session_expired");
}

TEST_P(IdentityTest, LogoutEndsTheSession) {
  const Person p = RegisterPerson();
  const std::string token = Token(p.phone);
  const std::string other = Token(p.phone);
  auto out = client().Delete("/api/v1/sessions/current", Bearer(token));
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(SetCookie(out).find("Max-Age=0"), std::string::npos) << SetCookie(out);
  EXPECT_EQ(Me(token).status, 401);
  EXPECT_EQ(client().Delete("/api/v1/sessions/current", Bearer(token)).status, 401);
  EXPECT_EQ(Me(other).status, 200) << "only the current session ends";
}

TEST_P(IdentityTest, LogoutEverywhereEndsEverySessionOfTheUser) {
  const Person p = RegisterPerson();
  const std::string a = Token(p.phone);
  const std::string b = Token(p.id_number);
  const std::string someone_else = Token("window", kDemoPassword);
  auto out = client().Delete("/api/v1/sessions", Bearer(a));
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(Me(a).status, 401);
  EXPECT_EQ(Me(b).status, 401);
  EXPECT_EQ(Me(someone_else).status, 200);
  EXPECT_EQ(Me(Token(p.phone)).status, 200) << "logging in again works";
}

TEST_P(IdentityTest, ChangingThePasswordEndsOtherSessions) {
  const Person p = RegisterPerson();
  const std::string current = Token(p.phone);
  const std::string other = Token(p.phone);
  const std::string new_password = "Renewed#2026pw";

  auto wrong =
      client().PutJson("/api/v1/me/password", {{"current_password", "Not#MyPassword1"}, {"new_password", new_password}},
                       Bearer(current));
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(Code(wrong), "bad_credentials");
  auto weak = client().PutJson("/api/v1/me/password",
                               {{"current_password", kPassword}, {"new_password", "password123"}}, Bearer(current));
  EXPECT_EQ(weak.status, 422) << weak.body;
  EXPECT_TRUE(Contains(FieldErrors(weak), "new_password:common")) << weak.body;
  auto same = client().PutJson("/api/v1/me/password", {{"current_password", kPassword}, {"new_password", kPassword}},
                               Bearer(current));
  EXPECT_EQ(same.status, 422) << same.body;
  EXPECT_TRUE(Contains(FieldErrors(same), "new_password:unchanged")) << same.body;
  EXPECT_EQ(Me(other).status, 200) << "failed attempts change nothing";

  auto changed = client().PutJson("/api/v1/me/password",
                                  {{"current_password", kPassword}, {"new_password", new_password}}, Bearer(current));
  EXPECT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(Me(current).status, 200);
  EXPECT_EQ(Me(other).status, 401);
  auto old_login = Login(p.phone, kPassword);
  EXPECT_EQ(old_login.status, 401) << old_login.body;
  EXPECT_EQ(Code(old_login), "bad_credentials");
  EXPECT_EQ(Login(p.phone, new_password).status, 201);
}

TEST_P(IdentityTest, TheSessionCookieIsHttpOnlyStrictAndNeedsXRequestedWithForWrites) {
  const Person p = RegisterPerson();
  auto login = Login(p.phone, kPassword);
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string token = login.Json()["token"].get<std::string>();
  const std::string cookie = SetCookie(login);
  EXPECT_TRUE(cookie.starts_with("wb_session=" + token + ";")) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;

  const Headers with_cookie = {{"Cookie", "theme=dark; wb_session=" + token}};
  auto me = client().Get("/api/v1/me", with_cookie);
  EXPECT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json()["id"], p.id);

  auto password = client().PutJson("/api/v1/me/password",
                                   {{"current_password", kPassword}, {"new_password", "Renewed#2026pw"}}, with_cookie);
  EXPECT_EQ(password.status, 403) << password.body;
  EXPECT_EQ(Code(password), "csrf");
  auto logout = client().Delete("/api/v1/sessions/current", with_cookie);
  EXPECT_EQ(logout.status, 403) << logout.body;
  EXPECT_EQ(Code(logout), "csrf");
  EXPECT_EQ(client().Get("/api/v1/me", with_cookie).status, 200) << "the refused logout changed nothing";

  Headers xhr = with_cookie;
  xhr.emplace_back("X-Requested-With", "XMLHttpRequest");
  EXPECT_EQ(client().Delete("/api/v1/sessions/current", xhr).status, 204);
  EXPECT_EQ(client().Get("/api/v1/me", with_cookie).status, 401);
}

// ---------------------------------------------------------------------------------------------
// Agents (代办)

TEST_P(IdentityTest, AnAgentActsForThePrincipalUntilRevoked) {
  const Person principal = RegisterPerson("赵敏");
  const Person agent = RegisterPerson("钱勇");
  const Person second = RegisterPerson("孙丽");
  const std::string pt = Token(principal.phone);
  const std::string at = Token(agent.phone);
  const std::string st = Token(second.phone);

  auto grant = client().PostJson("/api/v1/agents", {{"agent_account", agent.phone}}, Bearer(pt));
  ASSERT_EQ(grant.status, 201) << grant.body;
  const std::string grant_id = grant.Json()["id"].get<std::string>();
  EXPECT_EQ(grant.Json()["principal"]["id"], principal.id);
  EXPECT_EQ(grant.Json()["agent"]["id"], agent.id);
  EXPECT_EQ(grant.Json()["active"], true);

  auto has_grant = [&](const std::string& token, const std::string& id, bool active) {
    auto list = client().Get("/api/v1/agents", Bearer(token));
    EXPECT_EQ(list.status, 200) << list.body;
    const json body = list.Json();  // a range-for over list.Json()["items"] would dangle
    for (const auto& item : body["items"]) {
      if (item["id"] == id) return item["active"] == active;
    }
    return false;
  };
  EXPECT_TRUE(has_grant(pt, grant_id, true)) << "the principal sees the grant";
  EXPECT_TRUE(has_grant(at, grant_id, true)) << "the agent sees the grant";
  EXPECT_FALSE(has_grant(st, grant_id, true)) << "nobody else does";

  auto acting = Me(at, {{"X-On-Behalf-Of", principal.id}});
  ASSERT_EQ(acting.status, 200) << acting.body;
  EXPECT_EQ(acting.Json()["id"], agent.id);
  EXPECT_EQ(acting.Json()["acting_for"]["id"], principal.id);
  EXPECT_EQ(acting.Json()["acting_for"]["name"], "赵敏");
  auto stranger = Me(st, {{"X-On-Behalf-Of", principal.id}});
  EXPECT_EQ(stranger.status, 403) << stranger.body;
  EXPECT_EQ(Code(stranger), "no_agent_grant");

  // By ID number too; twice is a conflict.
  auto by_id = client().PostJson("/api/v1/agents", {{"agent_account", second.id_number}}, Bearer(pt));
  EXPECT_EQ(by_id.status, 201) << by_id.body;
  auto twice = client().PostJson("/api/v1/agents", {{"agent_account", agent.phone}}, Bearer(pt));
  EXPECT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(Code(twice), "already_granted");

  // Someone else's grant is not found, not forbidden.
  auto foreign = client().Delete("/api/v1/agents/" + grant_id, Bearer(st));
  EXPECT_EQ(foreign.status, 404) << foreign.body;

  auto revoke = client().Delete("/api/v1/agents/" + grant_id, Bearer(pt));
  EXPECT_EQ(revoke.status, 204) << revoke.body;
  auto after = Me(at, {{"X-On-Behalf-Of", principal.id}});
  EXPECT_EQ(after.status, 403) << after.body;
  EXPECT_EQ(Code(after), "no_agent_grant");
  EXPECT_TRUE(has_grant(pt, grant_id, false)) << "a revoked grant stays listed, inactive";

  // Granted again, and this time the agent gives it back.
  auto regrant = client().PostJson("/api/v1/agents", {{"agent_account", agent.phone}}, Bearer(pt));
  ASSERT_EQ(regrant.status, 201) << regrant.body;
  EXPECT_EQ(Me(at, {{"X-On-Behalf-Of", principal.id}}).status, 200);
  EXPECT_EQ(client().Delete("/api/v1/agents/" + regrant.Json()["id"].get<std::string>(), Bearer(at)).status, 204);
  EXPECT_EQ(Me(at, {{"X-On-Behalf-Of", principal.id}}).status, 403);
}

TEST_P(IdentityTest, ACompanyGrantsAPersonToActForIt) {
  const Person agent = RegisterPerson("李雷");
  const std::string uscc = NewUscc();
  auto company = client().PostJson("/api/v1/companies", CompanyBody(uscc, NewIdNumber(), NewPhone()));
  ASSERT_EQ(company.status, 201) << company.body;
  const std::string company_id = company.Json()["id"].get<std::string>();
  const std::string ct = Token(uscc);
  auto grant = client().PostJson("/api/v1/agents", {{"agent_account", agent.phone}}, Bearer(ct));
  ASSERT_EQ(grant.status, 201) << grant.body;
  EXPECT_EQ(grant.Json()["principal"]["kind"], "company");
  auto acting = Me(Token(agent.phone), {{"X-On-Behalf-Of", company_id}});
  ASSERT_EQ(acting.status, 200) << acting.body;
  EXPECT_EQ(acting.Json()["acting_for"]["id"], company_id);
  EXPECT_EQ(acting.Json()["acting_for"]["kind"], "company");
  // A company cannot act for anyone, even for whom it granted.
  auto back = Me(ct, {{"X-On-Behalf-Of", agent.id}});
  EXPECT_EQ(back.status, 403) << back.body;
  EXPECT_EQ(Code(back), "no_agent_grant");
}

TEST_P(IdentityTest, GrantingOneselfOrAnUnknownAccountIsInvalid) {
  const Person p = RegisterPerson();
  const std::string token = Token(p.phone);
  auto self = client().PostJson("/api/v1/agents", {{"agent_account", p.phone}}, Bearer(token));
  EXPECT_EQ(self.status, 422) << self.body;
  EXPECT_EQ(FieldErrors(self), std::vector<std::string>{"agent_account:self"}) << self.body;
  auto self_by_id = client().PostJson("/api/v1/agents", {{"agent_account", p.id_number}}, Bearer(token));
  EXPECT_EQ(FieldErrors(self_by_id), std::vector<std::string>{"agent_account:self"}) << self_by_id.body;
  for (const std::string& unknown : {NewPhone(), NewIdNumber(), std::string("window")}) {
    auto r = client().PostJson("/api/v1/agents", {{"agent_account", unknown}}, Bearer(token));
    EXPECT_EQ(r.status, 422) << unknown << ": " << r.body;
    EXPECT_EQ(FieldErrors(r), std::vector<std::string>{"agent_account:not_found"}) << unknown << ": " << r.body;
  }
}

// ---------------------------------------------------------------------------------------------
// Staff

TEST_P(IdentityTest, AnAdminCreatesStaffWithinItsRegion) {
  const std::string admin = Token("admin", kDemoPassword);
  auto body = [](const std::string& account, const std::string& region, json roles) {
    return json{{"account", account},      {"name", "窗口 吴昊"}, {"password", "Staff#2026pw"},
                {"department", "HK-XZSP"}, {"region", region},    {"roles", std::move(roles)}};
  };
  auto created = client().PostJson("/api/v1/staff", body("new-window", "460100", {"window"}), Bearer(admin));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["kind"], "staff");
  EXPECT_EQ(created.Json()["account"], "new-window");
  EXPECT_EQ(created.Json()["roles"], json::array({"window"}));

  auto me = Me(Token("new-window", "Staff#2026pw"));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json()["roles"], json::array({"window"}));
  EXPECT_EQ(me.Json()["department"], "HK-XZSP");
  EXPECT_EQ(me.Json()["region"], "460100");

  auto outside = client().PostJson("/api/v1/staff", body("bj-window", "110101", {"window"}), Bearer(admin));
  EXPECT_EQ(outside.status, 403) << outside.body;
  EXPECT_EQ(Code(outside), "out_of_scope");
  auto duplicate = client().PostJson("/api/v1/staff", body("NEW-WINDOW", "460100", {"window"}), Bearer(admin));
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_TRUE(Contains(FieldErrors(duplicate), "account:taken")) << duplicate.body;
  auto bad_role = client().PostJson("/api/v1/staff", body("mayor-1", "460100", {"mayor"}), Bearer(admin));
  EXPECT_EQ(bad_role.status, 422) << bad_role.body;
  EXPECT_EQ(FieldErrors(bad_role), std::vector<std::string>{"roles[0]:unknown_role"}) << bad_role.body;

  auto list = client().Get("/api/v1/staff", Bearer(admin));
  ASSERT_EQ(list.status, 200) << list.body;
  std::set<std::string> accounts;
  const json staff = list.Json();
  for (const auto& s : staff["items"]) accounts.insert(s["account"].get<std::string>());
  EXPECT_TRUE(accounts.contains("new-window")) << list.body;
  EXPECT_FALSE(accounts.contains("bj-window"));

  for (const auto& [account, password] : {std::pair{"window", kDemoPassword}, std::pair{"supervisor", kDemoPassword},
                                          std::pair{"new-window", "Staff#2026pw"}}) {
    auto r =
        client().PostJson("/api/v1/staff", body("not-made", "460100", {"window"}), Bearer(Token(account, password)));
    EXPECT_EQ(r.status, 403) << account << ": " << r.body;
  }
  const Person p = RegisterPerson();
  EXPECT_EQ(client().PostJson("/api/v1/staff", body("not-made", "460100", {"window"}), Bearer(Token(p.phone))).status,
            403);
  EXPECT_EQ(Login("not-made", "Staff#2026pw").status, 401) << "refused requests created nobody";
}

TEST_P(IdentityTest, TheCreateStaffCommandMakesAnAccountThatLogsIn) {
  const std::vector<std::string> db = {"--db", server_->db_url(), "--data", server_->data_dir().string()};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), db.begin(), db.end());
    return args;
  };
  auto made =
      RunWangban(with({"admin", "create-staff", "--account", "cli-approver", "--name", "审批员 郑洁", "--department",
                       "HK-SCJG", "--role", "approver", "--region", "460100", "--password-stdin"}),
                 "Cli#Staff2026\n");
  ASSERT_EQ(made.exit_status, 0) << made.output;
  EXPECT_NE(made.output.find("created staff cli-approver"), std::string::npos) << made.output;
  EXPECT_EQ(made.output.find("Cli#Staff2026"), std::string::npos) << "the password is printed";
  auto login = Login("cli-approver", "Cli#Staff2026");
  ASSERT_EQ(login.status, 201) << login.body;
  EXPECT_EQ(login.Json()["user"]["roles"], json::array({"approver"}));
  EXPECT_EQ(login.Json()["user"]["department"], "HK-SCJG");

  // Without --password-stdin a password is generated and shown once.
  auto generated = RunWangban(with({"admin", "create-staff", "--account", "cli-window", "--name", "窗口 冯涛",
                                    "--department", "HK-XZSP", "--role", "window"}));
  ASSERT_EQ(generated.exit_status, 0) << generated.output;
  const auto at = generated.output.find("password: ");
  ASSERT_NE(at, std::string::npos) << generated.output;
  const std::string password = generated.output.substr(at + 10, generated.output.find('\n', at) - at - 10);
  EXPECT_EQ(Login("cli-window", password).status, 201) << password;

  // An admin of another province: the demo admin (460000) does not see it, and it sees only
  // its own region.
  auto beijing =
      RunWangban(with({"admin", "create-staff", "--account", "cli-bj-admin", "--name", "北京管理员", "--department",
                       "BJ-ZWFW", "--role", "admin", "--region", "110000", "--password-stdin"}),
                 "Cli#Staff2026\n");
  ASSERT_EQ(beijing.exit_status, 0) << beijing.output;
  auto staff_accounts = [&](const std::string& token) {
    auto list = client().Get("/api/v1/staff", Bearer(token));
    EXPECT_EQ(list.status, 200) << list.body;
    const json body = list.Json();
    std::set<std::string> accounts;
    for (const auto& s : body["items"]) accounts.insert(s["account"].get<std::string>());
    return accounts;
  };
  const auto hainan = staff_accounts(Token("admin", kDemoPassword));
  EXPECT_TRUE(hainan.contains("cli-approver"));
  EXPECT_FALSE(hainan.contains("cli-bj-admin"));
  EXPECT_EQ(staff_accounts(Token("cli-bj-admin", "Cli#Staff2026")), std::set<std::string>{"cli-bj-admin"});

  auto bad = RunWangban(with({"admin", "create-staff", "--account", "cli-bad", "--name", "x", "--department", "HK-XZSP",
                              "--role", "mayor", "--password-stdin"}),
                        "Cli#Staff2026\n");
  EXPECT_EQ(bad.exit_status, 1) << bad.output;
  EXPECT_NE(bad.output.find("unknown_role"), std::string::npos) << bad.output;
}

// ---------------------------------------------------------------------------------------------
// Personal data

TEST_P(IdentityTest, PersonalDataIsMaskedAndNeverLogged) {
  const Person p = RegisterPerson();
  const std::string rep_id = NewIdNumber();
  const std::string company_phone = NewPhone();
  const std::string uscc = NewUscc();
  ASSERT_EQ(client().PostJson("/api/v1/companies", CompanyBody(uscc, rep_id, company_phone)).status, 201);

  auto login = Login(p.id_number, kPassword);
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string token = login.Json()["token"].get<std::string>();
  EXPECT_EQ(login.body.find(p.id_number), std::string::npos) << login.body;
  EXPECT_EQ(login.body.find(p.phone), std::string::npos) << login.body;

  auto me = Me(token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json()["id_number"], p.id_number.substr(0, 4) + std::string(10, '*') + p.id_number.substr(14));
  EXPECT_EQ(me.Json()["phone"], p.phone.substr(0, 3) + "****" + p.phone.substr(7));
  EXPECT_EQ(me.body.find(p.id_number), std::string::npos) << me.body;
  EXPECT_EQ(me.body.find(p.phone), std::string::npos) << me.body;

  auto company_me = Me(Token(uscc));
  ASSERT_EQ(company_me.status, 200) << company_me.body;
  EXPECT_EQ(company_me.Json()["legal_representative"]["id_number"],
            rep_id.substr(0, 4) + std::string(10, '*') + rep_id.substr(14));
  EXPECT_EQ(company_me.body.find(rep_id), std::string::npos) << company_me.body;
  EXPECT_EQ(company_me.body.find(company_phone), std::string::npos) << company_me.body;

  // Paths where a careless server would log the numbers: conflicts, bad logins, grants, and
  // validation failures.
  const std::string bad_checksum = WithWrongCheck(p.id_number);
  EXPECT_EQ(client().PostJson("/api/v1/persons", PersonBody(p.id_number, NewPhone())).status, 409);
  EXPECT_EQ(client().PostJson("/api/v1/persons", PersonBody(bad_checksum, p.phone)).status, 422);
  EXPECT_EQ(Login(p.id_number, "Not#MyPassword1").status, 401);
  EXPECT_EQ(Login(p.phone, "Not#MyPassword1").status, 401);
  const Person agent = RegisterPerson();
  EXPECT_EQ(client().PostJson("/api/v1/agents", {{"agent_account", agent.id_number}}, Bearer(token)).status, 201);
  EXPECT_EQ(client().PostJson("/api/v1/agents", {{"agent_account", p.phone}}, Bearer(token)).status, 422);

  ASSERT_EQ(server_->Stop(), 0);
  const std::string log = server_->output();
  for (const std::string& secret :
       {p.id_number, p.phone, rep_id, company_phone, bad_checksum, agent.id_number, agent.phone, token}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the server log contains " << secret;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::testing
