// The identity service on SQLite and PostgreSQL with a fake clock: registration, login and
// throttling, session expiry, password change, agents, staff.
#include "wangban/identity/service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "tests/testing/fixtures.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/identity/id_number.hpp"
#include "wangban/identity/uscc.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::identity {
namespace {

using namespace std::chrono_literals;

std::string IdNumber(std::string first17) { return first17 + IdNumberCheckChar(first17).value(); }
std::string Uscc(std::string first17) { return first17 + UsccCheckChar(first17).value(); }

constexpr const char* kPassword = "Zx9!kq2#Lm";

class IdentityServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "sqlite") {
      url = "sqlite:" + (dir_ / "id.db").string();
    } else {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url = cluster->CreateDatabase();
    }
    auto db = storage::OpenDatabase(url, {.pool_size = 4});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).has_value());
    auto cipher = PiiCipher::FromKeyBytes(std::string(64, '\x5a'));
    ASSERT_TRUE(cipher.has_value());
    cipher_.emplace(std::move(*cipher));
    Restart({});
  }

  // A new service on the same database (as another server process would be), with `config`.
  void Restart(IdentityConfig config) {
    config.password_hash = PasswordHashParams::Minimum();
    service_ = std::make_unique<IdentityService>(*db_, clock_, *cipher_, registry_, config);
  }

  void Sql(std::string_view sql, storage::Params params = {}) {
    auto done = db_->Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
      auto n = tx.Exec(sql, params);
      if (!n) return std::unexpected(n.error());
      return {};
    });
    ASSERT_TRUE(done.has_value()) << done.error().message;
  }

  UserSummary Person(std::string first17, std::string phone, std::string name = "张三") {
    auto r = service_->RegisterPerson({name, IdNumber(first17), phone, kPassword});
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r.value_or(UserSummary{});
  }

  Principal Login(std::string_view account, std::string_view password = kPassword) {
    auto r = service_->Login(account, password, "10.0.0.1", "test");
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    token_ = r ? r->token : "";
    return r ? r->principal : Principal{};
  }

  testing::TempDir dir_;
  FakeClock clock_{testing::TestEpoch()};
  FakeRealNameRegistry registry_;
  std::unique_ptr<storage::Database> db_;
  std::optional<PiiCipher> cipher_;
  std::unique_ptr<IdentityService> service_;
  std::string token_;
};

TEST_P(IdentityServiceTest, RegistersAndLogsInByIdNumberAndPhone) {
  auto user = Person("46010019900101123", "13800000001");
  EXPECT_EQ(user.kind, UserKind::kPerson);
  Principal by_id = Login(IdNumber("46010019900101123"));
  EXPECT_EQ(by_id.user_id, user.id);
  Principal by_phone = Login("+86 138-0000-0001");
  EXPECT_EQ(by_phone.user_id, user.id);
  auto authed = service_->Authenticate(token_);
  ASSERT_TRUE(authed.has_value());
  EXPECT_EQ(authed->user_id, user.id);
  auto profile = service_->GetProfile(*authed);
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ(profile->masked_id_number, "4601**********" + IdNumber("46010019900101123").substr(14));
  EXPECT_EQ(profile->masked_phone, "138****0001");
}

TEST_P(IdentityServiceTest, LowercaseXIsTheSameNumber) {
  Person("11010519491231002", "13800000009");  // check character X
  auto again = service_->RegisterPerson({"王五", "11010519491231002x", "13800000010", kPassword});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().reason, "already_registered");
  EXPECT_EQ(again.error().field_errors.at(0).field, "id_number");
  Login("11010519491231002x");
}

TEST_P(IdentityServiceTest, StoresNoPlainPersonalData) {
  const std::string id = IdNumber("46010019900101123");
  Person("46010019900101123", "13800000001");
  auto rows = db_->TransactValue<storage::Rows>(storage::kReadOnly, [](storage::Tx& tx) {
    return tx.Query("SELECT id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash FROM persons");
  });
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(rows->at(0).Text(i).find(id), std::string::npos);
    EXPECT_EQ(rows->at(0).Text(i).find("13800000001"), std::string::npos);
  }
  EXPECT_EQ(cipher_->Decrypt(rows->at(0).Text(0)).value(), id);
}

TEST_P(IdentityServiceTest, ReportsEveryBadField) {
  auto r = service_->RegisterPerson({"", "110105194912310021", "12345", "password"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  std::set<std::string> fields;
  for (const auto& f : r.error().field_errors) fields.insert(f.field + ":" + f.code);
  EXPECT_EQ(fields, (std::set<std::string>{"name:required", "id_number:checksum", "phone:format", "password:common"}));
}

TEST_P(IdentityServiceTest, RealNameMismatchIsRefused) {
  registry_.DenyIdNumber(IdNumber("46010019900101123"));
  auto r = service_->RegisterPerson({"张三", IdNumber("46010019900101123"), "13800000001", kPassword});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field_errors.at(0).code, "real_name_mismatch");
}

TEST_P(IdentityServiceTest, CompanyRegistersAndLogsInByUscc) {
  const std::string uscc = Uscc("91460100MA5T00001");
  auto company = service_->RegisterCompany({"海口示例科技有限公司", uscc, "张三", IdNumber("46010019900101123"),
                                            "13800000003", kPassword});
  ASSERT_TRUE(company.has_value()) << company.error().message;
  Principal p = Login(uscc);
  EXPECT_EQ(p.kind, UserKind::kCompany);
  std::string bad_id = IdNumber("46010019900101123");
  bad_id.back() = bad_id.back() == '1' ? '2' : '1';  // a wrong check character
  auto bad = service_->RegisterCompany({"X", uscc, "张三", bad_id, "13800000003", kPassword});
  ASSERT_FALSE(bad.has_value());
  std::set<std::string> fields;
  for (const auto& f : bad.error().field_errors) fields.insert(f.field);
  EXPECT_TRUE(fields.contains("legal_representative.id_number"));
}

TEST_P(IdentityServiceTest, WrongPasswordAndUnknownAccountLookTheSame) {
  Person("46010019900101123", "13800000001");
  auto wrong = service_->Login("13800000001", "nope-nope-nope", "10.0.0.1", "");
  auto unknown = service_->Login("13899999999", "nope-nope-nope", "10.0.0.1", "");
  ASSERT_FALSE(wrong.has_value());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(wrong.error().reason, "bad_credentials");
  EXPECT_EQ(unknown.error().reason, "bad_credentials");
  EXPECT_EQ(wrong.error().message, unknown.error().message);
}

TEST_P(IdentityServiceTest, ThrottlesWithExponentialLocksUpToFifteenMinutes) {
  Person("46010019900101123", "13800000001");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(service_->Login("13800000001", "wrong-password", "10.0.0.1", "").error().reason, "bad_credentials");
  }
  // The 5th failure locks for 30 s.
  EXPECT_EQ(service_->Login("13800000001", "wrong-password", "10.0.0.1", "").error().reason, "bad_credentials");
  auto locked = service_->Login("13800000001", kPassword, "10.0.0.1", "");
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(locked.error().retry_after_seconds, 30);
  clock_.Advance(31s);
  // The 6th failure locks for 60 s, the 7th for 120 s ... capped at 15 min.
  EXPECT_EQ(service_->Login("13800000001", "wrong-password", "10.0.0.1", "").error().reason, "bad_credentials");
  EXPECT_EQ(service_->Login("13800000001", kPassword, "10.0.0.1", "").error().retry_after_seconds, 60);
  int previous = 60;
  for (int expected : {120, 240, 480, 900, 900}) {
    clock_.Advance(std::chrono::seconds(previous + 1));  // just past the previous lock
    auto f = service_->Login("13800000001", "wrong-password", "10.0.0.1", "");
    ASSERT_FALSE(f.has_value());
    EXPECT_EQ(f.error().reason, "bad_credentials");
    auto l = service_->Login("13800000001", kPassword, "10.0.0.1", "");
    ASSERT_FALSE(l.has_value());
    EXPECT_EQ(l.error().code, ErrorCode::kRateLimited);
    EXPECT_EQ(l.error().retry_after_seconds, expected);
    previous = expected;
  }
  clock_.Advance(16min);
  EXPECT_TRUE(service_->Login("13800000001", kPassword, "10.0.0.1", "").has_value());
  // Success resets the account's count.
  EXPECT_EQ(service_->Login("13800000001", "wrong-password", "10.0.0.1", "").error().reason, "bad_credentials");
  EXPECT_TRUE(service_->Login("13800000001", kPassword, "10.0.0.1", "").has_value());
}

TEST_P(IdentityServiceTest, TheLockHoldsWhicheverIdentifierIsTyped) {
  Person("46010019900101123", "13800000001");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(service_->Login("13800000001", "wrong-password", "10.0.0.1", "").error().reason, "bad_credentials");
  }
  for (const std::string& other : {IdNumber("46010019900101123"), std::string("+86 138 0000 0001"), std::string("138-0000-0001")}) {
    auto r = service_->Login(other, kPassword, "10.0.0.2", "");
    ASSERT_FALSE(r.has_value()) << other;
    EXPECT_EQ(r.error().code, ErrorCode::kRateLimited) << other;
  }
}

TEST_P(IdentityServiceTest, StaffAccountsCannotLookLikeApplicantIdentifiers) {
  for (const std::string& account : std::vector<std::string>{"13800000001", "460100199001011234", "91460100ma5t000011", "1abc"}) {
    auto r = service_->CreateStaff(nullptr, {account, "某", kPassword, "D", "460100", {"window"}});
    ASSERT_FALSE(r.has_value()) << account;
    EXPECT_EQ(r.error().field_errors.at(0).field, "account") << account;
  }
  const std::string uscc = Uscc("91460100MA5T00001");
  std::string lower = uscc;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.front() >= 'a' && lower.front() <= 'z') {
    EXPECT_FALSE(service_->CreateStaff(nullptr, {lower, "某", kPassword, "D", "460100", {"window"}}).has_value());
  }
}

TEST_P(IdentityServiceTest, ThrottlesOneAddressAcrossAccounts) {
  for (int i = 0; i < 20; ++i) {
    const std::string account = "1390000" + std::to_string(1000 + i);
    EXPECT_EQ(service_->Login(account, "wrong-password", "10.9.9.9", "").error().reason, "bad_credentials");
  }
  auto r = service_->Login("13900009999", "wrong-password", "10.9.9.9", "");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kRateLimited);
  // Another address is unaffected.
  EXPECT_EQ(service_->Login("13900009999", "wrong-password", "10.1.1.1", "").error().reason, "bad_credentials");
}

TEST_P(IdentityServiceTest, SessionsExpireWhenIdleAndAbsolutely) {
  Person("46010019900101123", "13800000001");
  Login("13800000001");
  const std::string idle_token = token_;
  clock_.Advance(29min);
  EXPECT_TRUE(service_->Authenticate(idle_token).has_value());  // touches last_seen
  clock_.Advance(29min);
  EXPECT_TRUE(service_->Authenticate(idle_token).has_value());
  clock_.Advance(30min);
  auto idle = service_->Authenticate(idle_token);
  ASSERT_FALSE(idle.has_value());
  EXPECT_EQ(idle.error().reason, "session_expired");

  Login("13800000001");
  for (int i = 0; i < 27; ++i) {  // active every 25 min: 11 h 15 min
    clock_.Advance(25min);
    ASSERT_TRUE(service_->Authenticate(token_).has_value()) << i;
  }
  clock_.Advance(25min);  // 11 h 40 min
  ASSERT_TRUE(service_->Authenticate(token_).has_value());
  clock_.Advance(25min);  // past 12 h
  EXPECT_EQ(service_->Authenticate(token_).error().reason, "session_expired");
}

TEST_P(IdentityServiceTest, SessionsRevokedByAnotherProcessEndWithinTheCacheTime) {
  Person("46010019900101123", "13800000001");
  Login("13800000001");
  ASSERT_TRUE(service_->Authenticate(token_).has_value());  // read once, then kept 5 s
  // Another server process ends the session (its own logout, straight in the database).
  Sql("UPDATE sessions SET revoked_at = :t", {{"t", ToMicros(clock_.Now())}});
  clock_.Advance(4s);
  EXPECT_TRUE(service_->Authenticate(token_).has_value()) << "within the cache time the copy is trusted";
  clock_.Advance(1s);
  EXPECT_EQ(service_->Authenticate(token_).error().reason, "session_expired");

  // Without the cache (0 s) every request reads the database.
  Restart({.session_cache_ttl = 0s});
  Login("13800000001");
  ASSERT_TRUE(service_->Authenticate(token_).has_value());
  Sql("UPDATE sessions SET revoked_at = :t", {{"t", ToMicros(clock_.Now())}});
  EXPECT_EQ(service_->Authenticate(token_).error().reason, "session_expired");
  Sql("DELETE FROM sessions");
  EXPECT_EQ(service_->Authenticate(token_).error().reason, "invalid_token");
}

TEST_P(IdentityServiceTest, CachedSessionsStillExpireAndAreTouched) {
  // A cache time longer than the idle timeout, so that every check below uses the copy.
  Restart({.session_idle = 30min, .session_cache_ttl = 10h});
  Person("46010019900101123", "13800000001");
  Login("13800000001");
  const std::string idle_token = token_;
  ASSERT_TRUE(service_->Authenticate(idle_token).has_value());
  clock_.Advance(31min);
  EXPECT_EQ(service_->Authenticate(idle_token).error().reason, "session_expired");

  Login("13800000001");
  ASSERT_TRUE(service_->Authenticate(token_).has_value());
  const Timestamp touched_at = clock_.Now() + 10min;
  clock_.Advance(10min);
  ASSERT_TRUE(service_->Authenticate(token_).has_value());  // from the copy; writes last_seen_at
  auto last_seen = db_->TransactValue<std::int64_t>(storage::kReadOnly, [&](storage::Tx& tx) -> Result<std::int64_t> {
    auto row = tx.QueryOne("SELECT last_seen_at FROM sessions WHERE token_hash = :h",
                           {{"h", IdentityService::TokenHash(token_)}});
    if (!row) return std::unexpected(row.error());
    return (*row)->Int(0);
  });
  ASSERT_TRUE(last_seen.has_value());
  EXPECT_EQ(*last_seen, ToMicros(touched_at));
  clock_.Advance(25min);  // 35 min after login, 25 after the touch: the copy knows of the touch
  EXPECT_TRUE(service_->Authenticate(token_).has_value());
  clock_.Advance(31min);
  EXPECT_EQ(service_->Authenticate(token_).error().reason, "session_expired");
}

TEST_P(IdentityServiceTest, MalformedTokensAreRejectedWithoutTheDatabase) {
  for (const std::string& bad : std::vector<std::string>{"", "abc", std::string(64, 'g'), std::string(64, 'A'), std::string(65, 'a')}) {
    EXPECT_EQ(service_->Authenticate(bad).error().reason, "invalid_token") << bad;
  }
  EXPECT_EQ(service_->Authenticate(std::string(64, 'a')).error().reason, "invalid_token");
}

TEST_P(IdentityServiceTest, LogoutAndLogoutEverywhere) {
  Person("46010019900101123", "13800000001");
  Principal a = Login("13800000001");
  const std::string token_a = token_;
  Login("13800000001");
  const std::string token_b = token_;
  auto pa = service_->Authenticate(token_a);
  ASSERT_TRUE(pa.has_value());
  ASSERT_TRUE(service_->Logout(*pa).has_value());
  EXPECT_FALSE(service_->Authenticate(token_a).has_value());
  EXPECT_TRUE(service_->Authenticate(token_b).has_value());
  Login("13800000001");
  auto pc = service_->Authenticate(token_);
  ASSERT_TRUE(service_->LogoutEverywhere(*pc).has_value());
  EXPECT_FALSE(service_->Authenticate(token_b).has_value());
  EXPECT_FALSE(service_->Authenticate(token_).has_value());
}

TEST_P(IdentityServiceTest, PasswordChangeEndsOtherSessions) {
  Person("46010019900101123", "13800000001");
  Login("13800000001");
  const std::string other = token_;
  Login("13800000001");
  auto me = service_->Authenticate(token_);
  ASSERT_TRUE(me.has_value());
  EXPECT_EQ(service_->ChangePassword(*me, "wrong-current", "N3w!pass-word").error().reason, "bad_credentials");
  EXPECT_EQ(service_->ChangePassword(*me, kPassword, "12345678").error().field_errors.at(0).code, "common");
  EXPECT_EQ(service_->ChangePassword(*me, kPassword, kPassword).error().field_errors.at(0).code, "unchanged");
  ASSERT_TRUE(service_->ChangePassword(*me, kPassword, "N3w!pass-word").has_value());
  EXPECT_TRUE(service_->Authenticate(token_).has_value());
  EXPECT_FALSE(service_->Authenticate(other).has_value());
  EXPECT_FALSE(service_->Login("13800000001", kPassword, "10.0.0.1", "").has_value());
  EXPECT_TRUE(service_->Login("13800000001", "N3w!pass-word", "10.0.0.1", "").has_value());
}

TEST_P(IdentityServiceTest, AgentGrantsActingAndRevocation) {
  auto principal = Person("46010019900101123", "13800000001", "张三");
  auto agent = Person("46010019850615234", "13800000002", "李四");
  Principal p = Login("13800000001");
  auto grant = service_->GrantAgent(p, "13800000002");
  ASSERT_TRUE(grant.has_value()) << grant.error().message;
  EXPECT_EQ(grant->agent.id, agent.id);
  EXPECT_EQ(service_->GrantAgent(p, "13800000002").error().reason, "already_granted");
  EXPECT_EQ(service_->GrantAgent(p, "13800000001").error().field_errors.at(0).code, "self");
  EXPECT_EQ(service_->GrantAgent(p, "13899999999").error().field_errors.at(0).code, "not_found");

  Principal a = Login("13800000002");
  ASSERT_EQ(service_->ListAgentGrants(a).value().size(), 1u);
  ASSERT_TRUE(service_->ActFor(a, principal.id).has_value());
  ASSERT_TRUE(a.acting_for.has_value());
  EXPECT_EQ(a.acting_for->name, "张三");
  EXPECT_EQ(a.EffectiveApplicantId(), principal.id);

  // A stranger cannot revoke it (404), the principal can, and acting stops.
  auto stranger = Person("46010019700101345", "13800000004", "王五");
  Principal s = Login("13800000004");
  EXPECT_EQ(service_->RevokeAgentGrant(s, grant->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->ActFor(s, principal.id).error().reason, "no_agent_grant");
  ASSERT_TRUE(service_->RevokeAgentGrant(p, grant->id).has_value());
  ASSERT_TRUE(service_->RevokeAgentGrant(p, grant->id).has_value());  // idempotent
  Principal a2 = Login("13800000002");
  EXPECT_EQ(service_->ActFor(a2, principal.id).error().reason, "no_agent_grant");
  // A new grant is possible after the revocation.
  EXPECT_TRUE(service_->GrantAgent(p, IdNumber("46010019850615234")).has_value());
}

TEST_P(IdentityServiceTest, StaffCreationIsScopedToTheAdminsRegion) {
  auto admin = service_->CreateStaff(nullptr, {"admin", "管理员", kPassword, "HN-ZWFW", "460000", {"admin"}});
  ASSERT_TRUE(admin.has_value()) << admin.error().message;
  Principal a = Login("admin");
  EXPECT_TRUE(a.HasRole(Role::kAdmin));
  EXPECT_EQ(a.region, "460000");
  EXPECT_TRUE(service_->CreateStaff(&a, {"window1", "王芳", kPassword, "HK-XZSP", "460100", {"window"}}).has_value());
  EXPECT_EQ(service_->CreateStaff(&a, {"bj1", "北京", kPassword, "BJ", "110000", {"window"}}).error().reason,
            "out_of_scope");
  EXPECT_EQ(service_->CreateStaff(&a, {"WINDOW1", "重复", kPassword, "HK-XZSP", "460100", {"window"}}).error().reason,
            "already_registered");
  auto bad = service_->CreateStaff(&a, {"x", "", "short", "", "46", {"pilot"}});
  ASSERT_FALSE(bad.has_value());
  std::set<std::string> fields;
  for (const auto& f : bad.error().field_errors) fields.insert(f.field + ":" + f.code);
  EXPECT_EQ(fields, (std::set<std::string>{"account:format", "name:required", "password:too_short", "department:required",
                                           "region:format", "roles[0]:unknown_role"}));
  auto listed = service_->ListStaff(a);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), 2u);
  Principal w = Login("window1");
  EXPECT_EQ(w.department, "HK-XZSP");
  EXPECT_EQ(w.roles, std::vector<Role>{Role::kWindow});
}

TEST_P(IdentityServiceTest, ListsPageByKeyset) {
  ASSERT_TRUE(service_->CreateStaff(nullptr, {"admin", "管理员", kPassword, "HN", "460000", {"admin"}}).has_value());
  for (const char* a : {"w1", "w2", "w3", "w4"}) {
    ASSERT_TRUE(service_->CreateStaff(nullptr, {std::string("a") + a, "窗口", kPassword, "D", "460100", {"window"}}).has_value());
  }
  ASSERT_TRUE(service_->CreateStaff(nullptr, {"bjw", "北京", kPassword, "BJ", "110000", {"window"}}).has_value());
  Principal admin = Login("admin");
  std::vector<std::string> seen;
  std::optional<std::string> after;
  for (int page = 0; page < 5; ++page) {
    bool more = false;
    auto items = service_->ListStaff(admin, 2, after, &more);
    ASSERT_TRUE(items.has_value());
    for (const auto& p : *items) seen.push_back(p.staff_account);
    if (!more) break;
    after = items->back().staff_account;
  }
  // Region 460000 sees its own five (not Beijing's), each once, in order.
  EXPECT_EQ(seen, (std::vector<std::string>{"admin", "aw1", "aw2", "aw3", "aw4"}));

  auto principal = Person("46010019900101123", "13800000001");
  Principal p = Login("13800000001");
  for (int i = 0; i < 5; ++i) {
    const std::string phone = "1380000010" + std::to_string(i);
    Person("4601001990010" + std::to_string(2000 + i), phone, "代办人");
    ASSERT_TRUE(service_->GrantAgent(p, phone).has_value());
    clock_.Advance(1s);
  }
  std::vector<std::string> grants;
  after.reset();
  for (int page = 0; page < 5; ++page) {
    bool more = false;
    auto items = service_->ListAgentGrants(p, 2, after, &more);
    ASSERT_TRUE(items.has_value());
    for (const auto& g : *items) grants.push_back(g.id);
    if (!more) break;
    after = IdentityService::AgentGrantCursor(items->back());
  }
  ASSERT_EQ(grants.size(), 5u);
  EXPECT_TRUE(std::is_sorted(grants.rbegin(), grants.rend()));  // newest first; ids are time-ordered
}

TEST_P(IdentityServiceTest, ConcurrentLoginsShareTheHashingSlots) {
  Person("46010019900101123", "13800000001");
  IdentityConfig one;
  one.password_hash = PasswordHashParams::Minimum();
  one.max_concurrent_hashes = 1;  // every hash waits for the one slot
  one.max_waiting_hashes = 6;     // and all may wait: none is shed, however the threads interleave
  IdentityService limited(*db_, clock_, *cipher_, registry_, one);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] { ok += limited.Login("13800000001", kPassword, "10.0.0.1", "").has_value(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
}

TEST_P(IdentityServiceTest, AFullHashingQueueShedsLoginsInsteadOfQueueing) {
  Person("46010019900101123", "13800000001");
  IdentityConfig tight;
  tight.password_hash = PasswordHashParams::Minimum();
  tight.max_concurrent_hashes = 1;
  tight.max_waiting_hashes = 0;  // nobody may wait
  IdentityService limited(*db_, clock_, *cipher_, registry_, tight);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, busy{0}, other{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = limited.Login("13800000001", kPassword, "10.0.0." + std::to_string(i), "");
      if (r) {
        ++ok;
      } else if (r.error().reason == "busy") {
        EXPECT_EQ(r.error().retry_after_seconds, 1);
        ++busy;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_EQ(ok.load() + busy.load(), 8);
  EXPECT_EQ(other.load(), 0);
}

TEST_P(IdentityServiceTest, PurgesOldSessions) {
  Person("46010019900101123", "13800000001");
  Login("13800000001");
  clock_.Advance(12h + 25h);
  auto purged = service_->PurgeExpiredSessions();
  ASSERT_TRUE(purged.has_value());
  EXPECT_EQ(*purged, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityServiceTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::identity
