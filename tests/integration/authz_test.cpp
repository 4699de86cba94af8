// Walks the authorization table (authz_table.tsv beside this file) against the real server on
// SQLite and on PostgreSQL: every row's actor logs in afresh, sends the request and must get the
// row's status. Every mismatch is reported, not just the first; then every route of
// /api/openapi.json must have rows, and every row must name a route that exists.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"
#include "tests/testing/temp_dir.hpp"

namespace wangban::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kApplicantPassword = "Applicant#2026";
constexpr std::string_view kDemoPassword = "Wangban@2026";
constexpr std::string_view kOtherRegionAdminPassword = "Beijing#Admin2026";
constexpr std::string_view kOtherRegionAdminAccount = "bj-admin";

// ---------------------------------------------------------------------------------------------
// Valid identifiers, computed here independently of the server's own code.

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

std::string Padded(long long n, int width) {
  std::string s = std::to_string(n);
  return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, '0') + s;
}

// Fresh identifiers, unique within the process (and so within any one test database).
std::atomic<int> g_serial{0};
std::string NewIdNumber() {
  const int n = g_serial++;
  // Born 1960-1999 on day 1-28 of a month, sequence 100-999: far from the demo's numbers.
  return IdNumber("460106" + std::to_string(1960 + n / (12 * 28 * 900) % 40) + Padded(1 + n / (28 * 900) % 12, 2) +
                  Padded(1 + n / 900 % 28, 2) + std::to_string(100 + n % 900));
}
std::string NewPhone() { return "139" + Padded(g_serial++, 8); }
std::string NewUscc() { return Uscc("91460100MA" + Padded(g_serial++, 7)); }
std::string NewStaffAccount() { return "staff-" + std::to_string(g_serial++); }

// ---------------------------------------------------------------------------------------------
// The table.

struct Row {
  int line = 0;
  std::string method, path, actor;
  int status = 0;
  std::string check;  // "-", a problem code, or "/json/pointer=value"
  std::string body;   // "" for none
};

std::filesystem::path TablePath() {
  if (const char* dir = std::getenv("WANGBAN_SOURCE_DIR"); dir && *dir) {
    return std::filesystem::path(dir) / "tests" / "integration" / "authz_table.tsv";
  }
  return std::filesystem::path(__FILE__).parent_path() / "authz_table.tsv";
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

// The rows; a malformed line fails the test and is skipped.
std::vector<Row> LoadTable() {
  std::ifstream in(TablePath());
  EXPECT_TRUE(in.good()) << "cannot read " << TablePath();
  std::vector<Row> rows;
  std::string line;
  bool header_seen = false;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line.starts_with('#')) continue;
    auto cells = SplitTabs(line);
    if (!header_seen) {
      header_seen = true;
      EXPECT_EQ(cells.size(), 6u) << "header of " << TablePath();
      EXPECT_EQ(cells[0], "method");
      continue;
    }
    if (cells.size() < 4 || cells.size() > 6) {
      ADD_FAILURE() << TablePath().filename().string() << ":" << number << ": expected 4-6 tab-separated cells";
      continue;
    }
    Row row{.line = number, .method = cells[0], .path = cells[1], .actor = cells[2]};
    try {
      row.status = std::stoi(cells[3]);
    } catch (const std::exception&) {
      ADD_FAILURE() << TablePath().filename().string() << ":" << number << ": bad status " << cells[3];
      continue;
    }
    row.check = cells.size() > 4 ? cells[4] : "-";
    row.body = cells.size() > 5 && cells[5] != "-" ? cells[5] : "";
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Routes: "METHOD /template" from the OpenAPI document, matched segment by segment.

std::vector<std::string> Segments(std::string_view path) {
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  std::vector<std::string> out;
  std::string::size_type start = 0;
  const std::string p(path);
  while (start <= p.size()) {
    const auto slash = p.find('/', start);
    out.push_back(p.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool IsParameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

struct Route {
  std::string method;  // upper case
  std::string path;    // the template
};

std::vector<Route> DocumentedRoutes(const json& doc) {
  std::vector<Route> routes;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::string upper = method;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      routes.push_back({upper, path});
    }
  }
  return routes;
}

// The route a row's path (placeholders unresolved) names: the documented template whose literal
// segments all match, preferring more literal segments; nullopt if none.
std::optional<std::size_t> MatchRoute(const std::vector<Route>& routes, const Row& row) {
  const auto want = Segments(row.path);
  std::optional<std::size_t> best;
  int best_literals = -1;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].method != row.method) continue;
    const auto have = Segments(routes[i].path);
    if (have.size() != want.size()) continue;
    int literals = 0;
    bool ok = true;
    for (std::size_t s = 0; s < have.size() && ok; ++s) {
      if (IsParameter(have[s])) continue;
      ok = have[s] == want[s];
      ++literals;
    }
    if (ok && literals > best_literals) {
      best = i;
      best_literals = literals;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// The walker.

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

enum class Credential { kNone, kBadToken, kBearer, kCookie, kCookieWithXhr };

struct ActorSpec {
  std::string account;  // login; empty for kNone and kBadToken
  std::string password;
  Credential credential = Credential::kBearer;
  std::string on_behalf_of;  // a placeholder name, e.g. "person_id"; "" for none
};

struct Applicant {
  std::string id, id_number, phone;
};

class TableWalker {
 public:
  explicit TableWalker(const ServerProcess& server) : client_(server.client()) {}

  // Registers the applicants, logs everyone in once and creates the standing grants; false
  // (with failures added) if that did not work.
  bool SetUp() {
    person_ = RegisterPerson("甲申");
    other_person_ = RegisterPerson("乙酉");
    agent_ = RegisterPerson("丙戌");
    company_uscc_ = NewUscc();
    auto company = client_.PostJson("/api/v1/companies",
                                    {{"name", "海口表驱动测试有限公司"},
                                     {"uscc", company_uscc_},
                                     {"legal_representative", {{"name", "甲申"}, {"id_number", NewIdNumber()}}},
                                     {"phone", NewPhone()},
                                     {"password", kApplicantPassword}});
    EXPECT_EQ(company.status, 201) << company.body;
    if (person_.id.empty() || other_person_.id.empty() || agent_.id.empty() || company.status != 201) return false;
    company_id_ = company.Json()["id"].get<std::string>();

    const std::string applicant(kApplicantPassword), demo(kDemoPassword);
    actors_ = {
        {"anonymous", {.credential = Credential::kNone}},
        {"bad_token", {.credential = Credential::kBadToken}},
        {"person", {person_.phone, applicant}},
        {"other_person", {other_person_.phone, applicant}},
        {"agent", {agent_.phone, applicant}},
        {"company", {company_uscc_, applicant}},
        {"agent_for_person", {agent_.phone, applicant, Credential::kBearer, "person_id"}},
        {"agent_for_other", {agent_.phone, applicant, Credential::kBearer, "other_person_id"}},
        {"company_for_person", {company_uscc_, applicant, Credential::kBearer, "person_id"}},
        {"window_for_person", {"window", demo, Credential::kBearer, "person_id"}},
        {"window", {"window", demo}},
        {"approver", {"approver", demo}},
        {"catalog_admin", {"catalog", demo}},
        {"supervisor", {"supervisor", demo}},
        {"admin", {"admin", demo}},
        {"other_region_admin", {std::string(kOtherRegionAdminAccount), std::string(kOtherRegionAdminPassword)}},
        {"cookie_person", {person_.phone, applicant, Credential::kCookie}},
        {"cookie_person_xhr", {person_.phone, applicant, Credential::kCookieWithXhr}},
    };
    fixed_ = {
        {"person_id", person_.id},
        {"other_person_id", other_person_.id},
        {"agent_id", agent_.id},
        {"company_id", company_id_},
        {"person_phone", person_.phone},
        {"person_id_number", person_.id_number},
        {"agent_phone", agent_.phone},
        {"company_uscc", company_uscc_},
        {"applicant_password", applicant},
        {"demo_password", demo},
        {"missing_grant", "01900000-0000-7000-8000-000000000000"},
    };
    auto person_grant = Grant(person_.phone, agent_.phone);
    auto other_grant = Grant(other_person_.phone, RegisterPerson("丁亥").phone);
    if (!person_grant || !other_grant) return false;
    fixed_["person_grant"] = *person_grant;
    fixed_["other_grant"] = *other_grant;
    return true;
  }

  // Sends every row; returns one line per mismatch.
  std::vector<std::string> Walk(const std::vector<Row>& rows) {
    std::vector<std::string> mismatches;
    for (const Row& row : rows) {
      if (auto m = RunRow(row)) mismatches.push_back(*m);
    }
    return mismatches;
  }

 private:
  Applicant RegisterPerson(const std::string& name) {
    Applicant a{.id_number = NewIdNumber(), .phone = NewPhone()};
    auto r = client_.PostJson(
        "/api/v1/persons",
        {{"name", name}, {"id_number", a.id_number}, {"phone", a.phone}, {"password", kApplicantPassword}});
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status == 201) a.id = r.Json()["id"].get<std::string>();
    return a;
  }

  std::optional<std::string> Token(const std::string& account, const std::string& password) {
    auto r = client_.PostJson("/api/v1/sessions", {{"account", account}, {"password", password}});
    if (r.status != 201) return std::nullopt;
    return r.Json()["token"].get<std::string>();
  }

  // `principal_account` grants the person with `agent_account`; the grant id.
  std::optional<std::string> Grant(const std::string& principal_account, const std::string& agent_account) {
    auto token = Token(principal_account, std::string(kApplicantPassword));
    if (!token) {
      ADD_FAILURE() << "cannot log in " << principal_account;
      return std::nullopt;
    }
    auto r =
        client_.PostJson("/api/v1/agents", {{"agent_account", agent_account}}, {{"Authorization", "Bearer " + *token}});
    if (r.status != 201) {
      ADD_FAILURE() << "grant " << principal_account << " -> " << agent_account << ": " << r.status << " " << r.body;
      return std::nullopt;
    }
    return r.Json()["id"].get<std::string>();
  }

  // The value of placeholder `name` in this row (`fresh` caches per-row values); nullopt if
  // the name is unknown.
  std::optional<std::string> Resolve(const std::string& name, const ActorSpec& actor,
                                     std::map<std::string, std::string>& fresh) {
    if (auto it = fixed_.find(name); it != fixed_.end()) return it->second;
    if (auto it = fresh.find(name); it != fresh.end()) return it->second;
    std::optional<std::string> value;
    if (name == "password") {
      value = actor.password;
    } else if (name == "new_id_number") {
      value = NewIdNumber();
    } else if (name == "new_phone") {
      value = NewPhone();
    } else if (name == "new_uscc") {
      value = NewUscc();
    } else if (name == "new_staff_account") {
      value = NewStaffAccount();
    } else if (name == "new_person_phone") {
      value = RegisterPerson("戊子").phone;
    } else if (name == "new_person_grant") {
      value = Grant(person_.phone, RegisterPerson("己丑").phone).value_or("no-grant");
    } else if (name == "new_agent_grant") {
      value = Grant(RegisterPerson("庚寅").phone, agent_.phone).value_or("no-grant");
    }
    if (value) fresh[name] = *value;
    return value;
  }

  // `text` with every {name} replaced; unknown names are added to `unknown`.
  std::string Substitute(const std::string& text, const ActorSpec& actor, std::map<std::string, std::string>& fresh,
                         std::vector<std::string>& unknown) {
    static const std::regex kPlaceholder(R"(\{([a-z_]+)\})");
    std::string out;
    auto begin = std::sregex_iterator(text.begin(), text.end(), kPlaceholder);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      out += text.substr(last, static_cast<std::size_t>(it->position()) - last);
      auto value = Resolve((*it)[1].str(), actor, fresh);
      if (!value) unknown.push_back((*it)[1].str());
      out += value.value_or(it->str());
      last = static_cast<std::size_t>(it->position() + it->length());
    }
    return out + text.substr(last);
  }

  // The session token for `actor`, logged in afresh; from the Set-Cookie header for cookie
  // actors, so the cookie itself is what authenticates them.
  std::optional<std::string> LogIn(const ActorSpec& actor) {
    auto r = client_.PostJson("/api/v1/sessions", {{"account", actor.account}, {"password", actor.password}});
    if (r.status != 201) return std::nullopt;
    if (actor.credential == Credential::kBearer) return r.Json()["token"].get<std::string>();
    for (const auto& [name, value] : r.headers) {
      if (Lower(name) == "set-cookie" && value.starts_with("wb_session=")) {
        return value.substr(11, value.find(';') - 11);
      }
    }
    return std::nullopt;
  }

  // After a row changed `actor`'s password to `new_password`, sets it back.
  std::optional<std::string> RestorePassword(const ActorSpec& actor, const std::string& new_password) {
    ActorSpec changed = actor;
    changed.password = new_password;
    changed.credential = Credential::kBearer;
    auto token = LogIn(changed);
    if (!token) return "cannot log in with the changed password";
    auto r =
        client_.PutJson("/api/v1/me/password", {{"current_password", new_password}, {"new_password", actor.password}},
                        {{"Authorization", "Bearer " + *token}});
    if (r.status != 204) return "restoring the password: " + std::to_string(r.status) + " " + r.body;
    return std::nullopt;
  }

  std::optional<std::string> RunRow(const Row& row) {
    const std::string where =
        "authz_table.tsv:" + std::to_string(row.line) + ": " + row.method + " " + row.path + " as " + row.actor + ": ";
    auto spec = actors_.find(row.actor);
    if (spec == actors_.end()) return where + "unknown actor";
    const ActorSpec& actor = spec->second;

    std::map<std::string, std::string> fresh;
    std::vector<std::string> unknown;
    HttpRequest request{.method = row.method, .target = Substitute(row.path, actor, fresh, unknown)};
    request.body = Substitute(row.body, actor, fresh, unknown);
    const std::string check = Substitute(row.check, actor, fresh, unknown);
    std::string on_behalf_of;
    if (!actor.on_behalf_of.empty()) on_behalf_of = Substitute("{" + actor.on_behalf_of + "}", actor, fresh, unknown);
    if (!unknown.empty()) return where + "unknown placeholder {" + unknown.front() + "}";
    if (!request.body.empty()) request.headers.emplace_back("Content-Type", "application/json");

    switch (actor.credential) {
      case Credential::kNone:
        break;
      case Credential::kBadToken:
        request.headers.emplace_back("Authorization", "Bearer " + std::string(64, 'a'));
        break;
      case Credential::kBearer:
      case Credential::kCookie:
      case Credential::kCookieWithXhr: {
        auto token = LogIn(actor);
        if (!token) return where + "cannot log in as " + actor.account;
        if (actor.credential == Credential::kBearer) {
          request.headers.emplace_back("Authorization", "Bearer " + *token);
        } else {
          request.headers.emplace_back("Cookie", "wb_session=" + *token);
          if (actor.credential == Credential::kCookieWithXhr) {
            request.headers.emplace_back("X-Requested-With", "XMLHttpRequest");
          }
        }
        break;
      }
    }
    if (!on_behalf_of.empty()) request.headers.emplace_back("X-On-Behalf-Of", on_behalf_of);

    const HttpResponse response = client_.Send(request);
    std::optional<std::string> mismatch;
    if (response.status != row.status) {
      mismatch = where + "expected " + std::to_string(row.status) + ", got " + std::to_string(response.status) + " " +
                 response.body;
    } else if (check != "-" && !check.empty()) {
      const json body = response.Json();
      if (check.starts_with('/')) {
        const auto eq = check.find('=');
        const std::string pointer = check.substr(0, eq);
        const std::string want = eq == std::string::npos ? "" : check.substr(eq + 1);
        const json::json_pointer ptr(pointer);
        if (!body.is_object() || !body.contains(ptr)) {
          mismatch = where + "no " + pointer + " in " + response.body;
        } else {
          const json& got = body.at(ptr);
          const std::string text = got.is_string() ? got.get<std::string>() : got.dump();
          if (text != want) mismatch = where + pointer + " is " + text + ", expected " + want + ": " + response.body;
        }
      } else if (!body.is_object() || body.value("code", "") != check) {
        mismatch = where + "expected code " + check + ": " + response.body;
      }
    }
    // A successful password change is undone, so later rows log in with the known password.
    if (row.method == "PUT" && row.path == "/api/v1/me/password" && response.status / 100 == 2) {
      const json sent = json::parse(request.body, nullptr, false);
      if (auto failed = RestorePassword(actor, sent.value("new_password", ""))) {
        mismatch = mismatch.value_or(where) + " [" + *failed + "]";
      }
    }
    return mismatch;
  }

  HttpClient client_;
  Applicant person_, other_person_, agent_;
  std::string company_uscc_, company_id_;
  std::map<std::string, ActorSpec> actors_;
  std::map<std::string, std::string> fixed_;
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

// Creates the other-region admin in `db_url` before the server starts (an admin of 460000 may
// not create one for 110000), starts the server and walks the table.
void WalkTableOn(const std::string& db_url) {
  TempDir data;
  auto created = RunWangban({"admin", "create-staff", "--db", db_url, "--data", data.path().string(), "--account",
                             std::string(kOtherRegionAdminAccount), "--name", "北京管理员", "--department", "BJ-ZWFW",
                             "--role", "admin", "--region", "110000", "--password-stdin"},
                            std::string(kOtherRegionAdminPassword) + "\n");
  ASSERT_EQ(created.exit_status, 0) << created.output;

  ServerProcess server({.db = db_url, .extra_args = {"--demo", "--test-clock", "--password-hash-cost", "minimum"}});
  ASSERT_TRUE(server.ok()) << server.output();

  const auto rows = LoadTable();
  ASSERT_GT(rows.size(), 50u);
  TableWalker walker(server);
  ASSERT_TRUE(walker.SetUp());
  const auto mismatches = walker.Walk(rows);
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " of " << rows.size() << " rows failed:\n"
                                  << Joined(mismatches);

  // Every route has rows; every row names a route.
  auto openapi = server.client().Get("/api/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  const auto routes = DocumentedRoutes(openapi.Json());
  ASSERT_FALSE(routes.empty());
  std::vector<int> rows_per_route(routes.size(), 0);
  std::vector<std::string> unknown_routes;
  for (const Row& row : rows) {
    if (auto i = MatchRoute(routes, row)) {
      ++rows_per_route[*i];
    } else {
      unknown_routes.push_back("authz_table.tsv:" + std::to_string(row.line) + ": " + row.method + " " + row.path);
    }
  }
  std::vector<std::string> uncovered;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (rows_per_route[i] == 0) uncovered.push_back(routes[i].method + " " + routes[i].path);
  }
  EXPECT_TRUE(uncovered.empty()) << "routes without rows in authz_table.tsv:\n" << Joined(uncovered);
  EXPECT_TRUE(unknown_routes.empty()) << "rows naming no documented route:\n" << Joined(unknown_routes);
  EXPECT_EQ(server.Stop(), 0) << server.output();
}

TEST(AuthzTableTest, EveryRowHoldsOnSqlite) {
  TempDir dir;
  WalkTableOn("sqlite:" + (dir / "authz.db").string());
}

TEST(AuthzTableTest, EveryRowHoldsOnPostgresql) {
  auto* cluster = PostgresCluster::Shared();
  ASSERT_NE(cluster, nullptr);
  const std::string url = cluster->CreateDatabase();
  ASSERT_FALSE(url.empty());
  WalkTableOn(url);
}

// The walker's own pieces, so a broken table fails with a clear message.
TEST(AuthzTableTest, RoutesMatchTemplatesPreferringLiterals) {
  const std::vector<Route> routes = {
      {"DELETE", "/api/v1/sessions"}, {"DELETE", "/api/v1/sessions/{id}"}, {"DELETE", "/api/v1/sessions/current"}};
  EXPECT_EQ(MatchRoute(routes, {.method = "DELETE", .path = "/api/v1/sessions/current"}), 2u);
  EXPECT_EQ(MatchRoute(routes, {.method = "DELETE", .path = "/api/v1/sessions/{grant}"}), 1u);
  EXPECT_EQ(MatchRoute(routes, {.method = "DELETE", .path = "/api/v1/sessions"}), 0u);
  EXPECT_EQ(MatchRoute(routes, {.method = "GET", .path = "/api/v1/sessions"}), std::nullopt);
  EXPECT_EQ(MatchRoute(routes, {.method = "DELETE", .path = "/api/v1/sessions/a/b"}), std::nullopt);
}

TEST(AuthzTableTest, GeneratedIdentifiersAreValid) {
  // The GB 11643 example number and a GB 32100 example code.
  EXPECT_EQ(IdNumber("11010519491231002"), "11010519491231002X");
  EXPECT_EQ(Uscc("91350100M000100Y4"), "91350100M000100Y43");
  EXPECT_NE(NewIdNumber(), NewIdNumber());
}

}  // namespace
}  // namespace wangban::testing
