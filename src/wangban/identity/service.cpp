// Identity service: SQL is constant text; personal data is encrypted before it reaches it.
#include "wangban/identity/service.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <limits>

#include "wangban/common/ids.hpp"
#include "wangban/common/log.hpp"
#include "wangban/identity/id_number.hpp"
#include "wangban/identity/internal/crypto.hpp"
#include "wangban/identity/internal/region_code.hpp"
#include "wangban/identity/internal/session_cache.hpp"
#include "wangban/identity/mask.hpp"
#include "wangban/identity/phone.hpp"
#include "wangban/identity/uscc.hpp"

namespace wangban::identity {
namespace {

using storage::Params;
using storage::Row;
using storage::Tx;

std::string Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void CheckName(FieldErrors& errors, const std::string& name, std::string_view field, std::size_t max_chars) {
  if (name.empty()) {
    errors.Add(std::string(field), "required", "required");
    return;
  }
  if (CodePoints(name) > max_chars) {
    errors.Add(std::string(field), "too_long", "at most " + std::to_string(max_chars) + " characters");
    return;
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) {
      errors.Add(std::string(field), "format", "control characters are not allowed");
      return;
    }
  }
}

void Merge(FieldErrors& errors, const Error& e) {
  for (const auto& f : e.field_errors) errors.Add(f.field, f.code, f.message);
}

Error AlreadyRegistered(std::vector<FieldError> fields) {
  Error e = Error::Conflict("already registered", "already_registered");
  e.field_errors = std::move(fields);
  return e;
}

bool LooksLikeIdNumber(std::string_view s) {
  if (s.size() != 18) return false;
  for (std::size_t i = 0; i < 17; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return (s[17] >= '0' && s[17] <= '9') || s[17] == 'X';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Starts with a letter, so that it can never be mistaken for a phone or an ID number at login.
bool ValidStaffAccount(std::string_view s) {
  if (s.size() < 3 || s.size() > 64 || s.front() < 'a' || s.front() > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool ValidDepartmentCode(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

bool ValidRegion(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         internal::IsProvinceCode(s.substr(0, 2));
}

std::vector<Role> ParseRoles(std::string_view csv) {
  std::vector<Role> roles;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    if (auto r = ParseRole(csv.substr(0, comma))) roles.push_back(*r);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return roles;
}

std::string JoinRoles(const std::vector<Role>& roles) {
  std::string out;
  for (Role r : roles) {
    if (!out.empty()) out.push_back(',');
    out += RoleName(r);
  }
  return out;
}

Result<void> Ok(const Result<std::int64_t>& r) {
  if (!r) return std::unexpected(r.error());
  return {};
}

constexpr std::string_view kSelectSession =
    "SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.revoked_at, u.kind, u.name, u.status,"
    " st.department, st.region, st.roles"
    " FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN staff st ON st.user_id = u.id"
    " WHERE s.token_hash = :h";

constexpr std::string_view kSelectLogin =
    "SELECT u.id, u.kind, u.name, u.password_hash, u.status, st.department, st.region, st.roles"
    " FROM user_logins l JOIN users u ON u.id = l.user_id LEFT JOIN staff st ON st.user_id = u.id"
    " WHERE l.login_key = :k";

Principal PrincipalFromRow(const Row& r, std::size_t kind_col, std::size_t name_col, std::size_t dept_col,
                           std::string user_id) {
  Principal p;
  p.user_id = std::move(user_id);
  p.kind = ParseUserKind(r.Text(kind_col)).value_or(UserKind::kPerson);
  p.name = r.Text(name_col);
  if (p.kind == UserKind::kStaff) {
    p.department = r.Text(dept_col);
    p.region = r.Text(dept_col + 1);
    p.roles = ParseRoles(r.Text(dept_col + 2));
  }
  return p;
}

}  // namespace

struct IdentityService::HashSlots {
  std::mutex mutex;
  std::condition_variable cv;
  int free = 1;         // GUARDED_BY(mutex)
  int waiting = 0;      // GUARDED_BY(mutex)
  int max_waiting = 1;  // set once at construction
};

template <typename F>
auto IdentityService::WithHashSlot(F&& f) {
  {
    std::unique_lock lock(hash_slots_->mutex);
    ++hash_slots_->waiting;
    hash_slots_->cv.wait(lock, [&] { return hash_slots_->free > 0; });
    --hash_slots_->waiting;
    --hash_slots_->free;
  }
  struct Release {
    HashSlots& slots;
    ~Release() {
      {
        std::lock_guard lock(slots.mutex);
        ++slots.free;
      }
      slots.cv.notify_one();
    }
  } release{*hash_slots_};
  return f();
}

IdentityService::IdentityService(storage::Database& db, const Clock& clock, const PiiCipher& cipher,
                                 RealNameRegistry& registry, IdentityConfig config)
    : db_(db), clock_(clock), cipher_(cipher), registry_(registry), config_(config),
      hash_slots_(std::make_shared<HashSlots>()),
      sessions_(std::make_shared<internal::SessionCache>(config_.session_cache_entries)) {
  hash_slots_->free = config_.max_concurrent_hashes > 0
                          ? config_.max_concurrent_hashes
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  hash_slots_->max_waiting = config_.max_waiting_hashes >= 0 ? config_.max_waiting_hashes : hash_slots_->free;
  // A real hash with the configured cost, so unknown accounts take as long as wrong passwords.
  dummy_hash_ = HashPassword(RandomHex(16), config_.password_hash).value_or("");
}

Result<void> IdentityService::ShedIfHashQueueFull() {
  std::lock_guard lock(hash_slots_->mutex);
  if (hash_slots_->free == 0 && hash_slots_->waiting >= hash_slots_->max_waiting) {
    Error e = Error::Unavailable("too many logins at once; retry in a moment", "busy");
    e.retry_after_seconds = 1;
    return Fail(std::move(e));
  }
  return {};
}

std::string IdentityService::TokenHash(std::string_view token) {
  auto digest = internal::Sm3(token);
  return digest ? ToHex(*digest) : std::string();
}

Result<UserSummary> IdentityService::RegisterPerson(const PersonRegistration& r) {
  const Timestamp now = clock_.Now();
  FieldErrors errors;
  const std::string name = Trim(r.name);
  CheckName(errors, name, "name", 50);
  const std::string id_number = NormalizeIdNumber(r.id_number);
  auto info = ParseIdNumber(id_number, ChinaDate(now));
  if (!info) Merge(errors, info.error());
  auto phone = ValidatePhone(r.phone);
  if (!phone) Merge(errors, phone.error());
  if (auto p = CheckPasswordPolicy(r.password); !p) Merge(errors, p.error());
  if (auto f = errors.Finish(); !f) return Fail(f.error());

  if (auto busy = ShedIfHashQueueFull(); !busy) return Fail(busy.error());
  if (auto v = registry_.VerifyPerson(name, id_number); !v) return Fail(v.error());
  auto hash = WithHashSlot([&] { return HashPassword(r.password, config_.password_hash); });
  if (!hash) return Fail(hash.error());

  const std::string id = NewId(clock_);
  const std::string id_hash = cipher_.LookupHash(id_number);
  const std::string phone_hash = cipher_.LookupHash(*phone);
  const auto birth = info->birth_date;
  char birth_text[16];
  std::snprintf(birth_text, sizeof birth_text, "%04d-%02u-%02u", static_cast<int>(birth.year()),
                static_cast<unsigned>(birth.month()), static_cast<unsigned>(birth.day()));
  auto done = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    std::vector<FieldError> taken;
    auto by_id = tx.QueryOne("SELECT 1 FROM persons WHERE id_number_hash = :h", {{"h", id_hash}});
    if (!by_id) return std::unexpected(by_id.error());
    if (*by_id) taken.push_back({"id_number", "taken", "an account with this ID number exists"});
    auto by_phone = tx.QueryOne("SELECT 1 FROM persons WHERE phone_hash = :h", {{"h", phone_hash}});
    if (!by_phone) return std::unexpected(by_phone.error());
    if (*by_phone) taken.push_back({"phone", "taken", "an account with this phone number exists"});
    if (!taken.empty()) return Fail(AlreadyRegistered(std::move(taken)));
    const std::int64_t t = ToMicros(now);
    if (auto e = Ok(tx.Exec("INSERT INTO users (id, kind, name, password_hash, status, real_name_verified_at,"
                            " password_changed_at, created_at, updated_at)"
                            " VALUES (:id, 'person', :name, :ph, 'active', :t1, :t2, :t3, :t4)",
                            {{"id", id}, {"name", name}, {"ph", *hash}, {"t1", t}, {"t2", t}, {"t3", t}, {"t4", t}}));
        !e) {
      return e;
    }
    if (auto e = Ok(tx.Exec("INSERT INTO persons (user_id, id_number_enc, id_number_hash, id_number_masked,"
                            " phone_enc, phone_hash, phone_masked, birth_date)"
                            " VALUES (:id, :ie, :ih, :im, :pe, :phh, :pm, :bd)",
                            {{"id", id},
                             {"ie", cipher_.Encrypt(id_number)},
                             {"ih", id_hash},
                             {"im", MaskIdNumber(id_number)},
                             {"pe", cipher_.Encrypt(*phone)},
                             {"phh", phone_hash},
                             {"pm", MaskPhone(*phone)},
                             {"bd", std::string(birth_text)}}));
        !e) {
      return e;
    }
    if (auto e = Ok(tx.Exec("INSERT INTO user_logins (login_key, user_id) VALUES (:k, :id)",
                            {{"k", "idn:" + id_hash}, {"id", id}}));
        !e) {
      return e;
    }
    return Ok(tx.Exec("INSERT INTO user_logins (login_key, user_id) VALUES (:k, :id)",
                      {{"k", "phone:" + phone_hash}, {"id", id}}));
  });
  if (!done) {
    if (done.error().reason == "unique_violation") {
      return Fail(AlreadyRegistered({{"id_number", "taken", "already registered"}}));
    }
    return Fail(done.error());
  }
  return UserSummary{id, UserKind::kPerson, name};
}

Result<UserSummary> IdentityService::RegisterCompany(const CompanyRegistration& r) {
  const Timestamp now = clock_.Now();
  FieldErrors errors;
  const std::string name = Trim(r.name);
  CheckName(errors, name, "name", 100);
  const std::string uscc = NormalizeUscc(r.uscc);
  if (auto u = ValidateUscc(uscc); !u) Merge(errors, u.error());
  const std::string rep_name = Trim(r.legal_rep_name);
  CheckName(errors, rep_name, "legal_representative.name", 50);
  const std::string rep_id = NormalizeIdNumber(r.legal_rep_id_number);
  if (auto v = ValidateIdNumber(rep_id, ChinaDate(now), "legal_representative.id_number"); !v) {
    Merge(errors, v.error());
  }
  auto phone = ValidatePhone(r.phone);
  if (!phone) Merge(errors, phone.error());
  if (auto p = CheckPasswordPolicy(r.password); !p) Merge(errors, p.error());
  if (auto f = errors.Finish(); !f) return Fail(f.error());

  if (auto busy = ShedIfHashQueueFull(); !busy) return Fail(busy.error());
  if (auto v = registry_.VerifyCompany(name, uscc, rep_name); !v) return Fail(v.error());
  auto hash = WithHashSlot([&] { return HashPassword(r.password, config_.password_hash); });
  if (!hash) return Fail(hash.error());

  const std::string id = NewId(clock_);
  auto done = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto existing = tx.QueryOne("SELECT 1 FROM companies WHERE uscc = :u", {{"u", uscc}});
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return Fail(AlreadyRegistered({{"uscc", "taken", "a company with this code is registered"}}));
    const std::int64_t t = ToMicros(now);
    if (auto e = Ok(tx.Exec("INSERT INTO users (id, kind, name, password_hash, status, real_name_verified_at,"
                            " password_changed_at, created_at, updated_at)"
                            " VALUES (:id, 'company', :name, :ph, 'active', :t1, :t2, :t3, :t4)",
                            {{"id", id}, {"name", name}, {"ph", *hash}, {"t1", t}, {"t2", t}, {"t3", t}, {"t4", t}}));
        !e) {
      return e;
    }
    if (auto e = Ok(tx.Exec("INSERT INTO companies (user_id, uscc, legal_rep_name, legal_rep_id_enc,"
                            " legal_rep_id_hash, legal_rep_id_masked, phone_enc, phone_masked)"
                            " VALUES (:id, :u, :rn, :re, :rh, :rm, :pe, :pm)",
                            {{"id", id},
                             {"u", uscc},
                             {"rn", rep_name},
                             {"re", cipher_.Encrypt(rep_id)},
                             {"rh", cipher_.LookupHash(rep_id)},
                             {"rm", MaskIdNumber(rep_id)},
                             {"pe", cipher_.Encrypt(*phone)},
                             {"pm", MaskPhone(*phone)}}));
        !e) {
      return e;
    }
    return Ok(tx.Exec("INSERT INTO user_logins (login_key, user_id) VALUES (:k, :id)",
                      {{"k", "uscc:" + uscc}, {"id", id}}));
  });
  if (!done) {
    if (done.error().reason == "unique_violation") {
      return Fail(AlreadyRegistered({{"uscc", "taken", "already registered"}}));
    }
    return Fail(done.error());
  }
  return UserSummary{id, UserKind::kCompany, name};
}

Result<UserSummary> IdentityService::CreateStaff(const Principal* creator, const StaffRegistration& r) {
  FieldErrors errors;
  const std::string account = Lower(Trim(r.account));
  if (account.empty()) {
    errors.Add("account", "required", "required");
  } else if (!ValidStaffAccount(account)) {
    errors.Add("account", "format", "3-64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter");
  } else if (ValidateUscc(NormalizeUscc(account))) {
    // Login tries credit codes before staff accounts; such a name could never log in.
    errors.Add("account", "format", "must not look like a unified social credit code");
  }
  const std::string name = Trim(r.name);
  CheckName(errors, name, "name", 50);
  if (auto p = CheckPasswordPolicy(r.password); !p) Merge(errors, p.error());
  if (!ValidDepartmentCode(r.department)) {
    errors.Add("department", r.department.empty() ? "required" : "format", "a department code");
  }
  if (!ValidRegion(r.region)) errors.Add("region", "format", "a 6-digit administrative division code");
  std::vector<Role> roles;
  if (r.roles.empty()) errors.Add("roles", "required", "at least one role");
  for (std::size_t i = 0; i < r.roles.size(); ++i) {
    auto role = ParseRole(r.roles[i]);
    if (!role) {
      errors.Add("roles[" + std::to_string(i) + "]", "unknown_role",
                 "one of window, approver, catalog_admin, supervisor, admin");
    } else if (std::find(roles.begin(), roles.end(), *role) == roles.end()) {
      roles.push_back(*role);
    }
  }
  if (auto f = errors.Finish(); !f) return Fail(f.error());
  if (creator && !RegionCovers(creator->region, r.region)) {
    return Fail(Error{.code = ErrorCode::kForbidden,
                                        .message = "the region is outside yours",
                                        .reason = "out_of_scope"});
  }
  auto hash = WithHashSlot([&] { return HashPassword(r.password, config_.password_hash); });
  if (!hash) return Fail(hash.error());
  const std::string id = NewId(clock_);
  const std::int64_t t = ToMicros(clock_.Now());
  auto done = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    if (auto e = Ok(tx.Exec("INSERT INTO users (id, kind, name, password_hash, status, password_changed_at,"
                            " created_at, updated_at) VALUES (:id, 'staff', :name, :ph, 'active', :t1, :t2, :t3)",
                            {{"id", id}, {"name", name}, {"ph", *hash}, {"t1", t}, {"t2", t}, {"t3", t}}));
        !e) {
      return e;
    }
    if (auto e = Ok(tx.Exec("INSERT INTO staff (user_id, account, department, region, roles, created_by)"
                            " VALUES (:id, :a, :d, :r, :roles, :by)",
                            {{"id", id},
                             {"a", account},
                             {"d", r.department},
                             {"r", r.region},
                             {"roles", JoinRoles(roles)},
                             {"by", creator ? storage::Value(creator->user_id) : storage::Value(storage::kNull)}}));
        !e) {
      return e;
    }
    return Ok(tx.Exec("INSERT INTO user_logins (login_key, user_id) VALUES (:k, :id)",
                      {{"k", "staff:" + account}, {"id", id}}));
  });
  if (!done) {
    if (done.error().reason == "unique_violation") {
      return Fail(AlreadyRegistered({{"account", "taken", "this staff account exists"}}));
    }
    return Fail(done.error());
  }
  return UserSummary{id, UserKind::kStaff, name};
}

Result<std::vector<Profile>> IdentityService::ListStaff(const Principal& admin, int limit,
                                                        const std::optional<std::string>& after, bool* more) {
  // The admin's region as a code prefix: 460000 covers 46xxxx, 460100 covers 4601xx.
  const std::string prefix(RegionPrefix(admin.region));
  auto rows = db_.TransactValue<storage::Rows>(storage::kReadOnly, [&](Tx& tx) {
    return tx.Query(
        "SELECT u.id, u.name, st.account, st.department, st.region, st.roles FROM staff st"
        " JOIN users u ON u.id = st.user_id WHERE st.region LIKE :p AND st.account > :after"
        " ORDER BY st.account LIMIT :n",
        {{"p", prefix + "%"}, {"after", after.value_or("")}, {"n", limit + 1}});
  });
  if (!rows) return Fail(rows.error());
  std::vector<Profile> out;
  for (const Row& row : *rows) {
    if (!RegionCovers(admin.region, row.Text(4))) continue;
    Profile p;
    p.principal.user_id = row.Text(0);
    p.principal.kind = UserKind::kStaff;
    p.principal.name = row.Text(1);
    p.staff_account = row.Text(2);
    p.principal.department = row.Text(3);
    p.principal.region = row.Text(4);
    p.principal.roles = ParseRoles(row.Text(5));
    out.push_back(std::move(p));
  }
  if (more) *more = static_cast<int>(out.size()) > limit;
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
  return out;
}

Result<void> IdentityService::CheckThrottle(Tx& tx, const std::string& key, Timestamp now) {
  auto row = tx.QueryOne("SELECT locked_until FROM login_throttle WHERE key = :k", {{"k", key}});
  if (!row) return std::unexpected(row.error());
  if (*row) {
    const std::int64_t until = (*row)->Int(0);
    if (until > ToMicros(now)) {
      const auto seconds = static_cast<int>((until - ToMicros(now) + 999'999) / 1'000'000);
      return Fail(Error::RateLimited(seconds, "too many failed logins; try again later"));
    }
  }
  return {};
}

Result<void> IdentityService::RecordFailure(Tx& tx, const std::string& key, int free_failures, Timestamp now) {
  auto row = tx.QueryOne("SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE key = :k",
                         {{"k", key}});
  if (!row) return std::unexpected(row.error());
  const std::int64_t t = ToMicros(now);
  std::int64_t failures = 1;
  // Failures are forgotten after a quiet window counted from the later of the last failure and
  // the end of the lock, so a long lock does not wipe the count it was based on.
  if (*row && t - std::max((*row)->Int(1), (*row)->Int(2)) <=
                  std::chrono::duration_cast<std::chrono::microseconds>(config_.throttle_window).count()) {
    failures = (*row)->Int(0) + 1;
  }
  std::int64_t locked_until = 0;
  if (failures >= free_failures) {
    const double factor = std::pow(2.0, static_cast<double>(std::min<std::int64_t>(failures - free_failures, 30)));
    const auto lock = std::min<double>(static_cast<double>(config_.throttle_base.count()) * factor,
                                       static_cast<double>(config_.throttle_max.count()));
    locked_until = t + static_cast<std::int64_t>(lock * 1e6);
  }
  return Ok(tx.Exec(
      "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES (:k, :f, :t, :l)"
      " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,"
      " locked_until = excluded.locked_until",
      {{"k", key}, {"f", failures}, {"t", t}, {"l", locked_until}}));
}

Result<LoginResult> IdentityService::Login(std::string_view account_in, std::string_view password,
                                           std::string_view client_address, std::string_view user_agent) {
  const std::string account = Trim(account_in);
  FieldErrors errors;
  if (account.empty()) errors.Add("account", "required", "required");
  if (password.empty()) errors.Add("password", "required", "required");
  if (account.size() > 128) errors.Add("account", "too_long", "at most 128 characters");
  if (password.size() > kMaxPasswordBytes) errors.Add("password", "too_long", "too long");
  if (auto f = errors.Finish(); !f) return Fail(f.error());

  const Timestamp now = clock_.Now();
  // Throttle by what was typed (so unknown accounts are throttled alike) and by address.
  const std::string account_key = "acct:" + cipher_.LookupHash(Lower(account));
  const std::string address_key = "addr:" + std::string(client_address.substr(0, 64));

  std::vector<std::string> keys;
  const std::string upper = NormalizeIdNumber(account);
  if (LooksLikeIdNumber(upper)) keys.push_back("idn:" + cipher_.LookupHash(upper));
  if (account.size() == 18) keys.push_back("uscc:" + NormalizeUscc(account));
  if (auto phone = ValidatePhone(account)) keys.push_back("phone:" + cipher_.LookupHash(*phone));
  keys.push_back("staff:" + Lower(account));

  std::optional<Row> user;
  auto found = db_.Transact(storage::kReadOnly, [&](Tx& tx) -> Result<void> {
    if (auto t = CheckThrottle(tx, account_key, now); !t) return t;
    if (!client_address.empty()) {
      if (auto t = CheckThrottle(tx, address_key, now); !t) return t;
    }
    user.reset();
    for (const auto& key : keys) {
      auto row = tx.QueryOne(kSelectLogin, {{"k", key}});
      if (!row) return std::unexpected(row.error());
      if (*row) {
        user = std::move(**row);
        break;
      }
    }
    // The account's own lock, whichever of its identifiers (or spellings) was typed.
    if (user) return CheckThrottle(tx, "user:" + user->Text(0), now);
    return {};
  });
  if (!found) {
    if (found.error().code == ErrorCode::kRateLimited) {
      // The account is never logged (it may be an ID number); its keyed hash identifies it.
      log::Warn("login_throttled", {{"account_hash", account_key.substr(5, 16)},
                                    {"remote", client_address},
                                    {"retry_after", found.error().retry_after_seconds.value_or(0)}});
    }
    return Fail(found.error());
  }

  if (auto busy = ShedIfHashQueueFull(); !busy) {
    log::Warn("login_shed", {{"remote", client_address}});
    return Fail(busy.error());
  }
  // The slow part runs outside any transaction.
  const bool ok = WithHashSlot([&] {
    return user ? VerifyPassword(user->Text(3), password) : (VerifyPassword(dummy_hash_, password), false);
  });
  const bool active = user && user->Text(4) == "active";
  if (!ok || !active) {
    auto recorded = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
      if (auto r = RecordFailure(tx, account_key, config_.throttle_free_failures, now); !r) return r;
      if (user) {
        if (auto r = RecordFailure(tx, "user:" + user->Text(0), config_.throttle_free_failures, now); !r) return r;
      }
      if (client_address.empty()) return {};
      return RecordFailure(tx, address_key, config_.address_free_failures, now);
    });
    if (!recorded) return Fail(recorded.error());
    log::Warn("login_failed", {{"account_hash", account_key.substr(5, 16)},
                               {"user", user ? user->Text(0) : std::string()},
                               {"reason", !user ? "unknown_account" : (ok ? "disabled" : "wrong_password")},
                               {"remote", client_address}});
    return Fail(Error{.code = ErrorCode::kUnauthenticated,
                                        .message = "the account or the password is wrong",
                                        .reason = "bad_credentials"});
  }

  Principal principal = PrincipalFromRow(*user, 1, 2, 5, user->Text(0));
  const std::string token = RandomHex(32);
  principal.session_id = NewId(clock_);
  const Timestamp expires = now + std::chrono::duration_cast<std::chrono::microseconds>(config_.session_absolute);
  std::optional<std::string> rehash;
  if (PasswordNeedsRehash(user->Text(3), config_.password_hash)) {
    if (auto h = WithHashSlot([&] { return HashPassword(password, config_.password_hash); })) rehash = std::move(*h);
  }
  auto opened = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    if (auto e = Ok(tx.Exec("DELETE FROM login_throttle WHERE key = :k1 OR key = :k2",
                            {{"k1", account_key}, {"k2", "user:" + principal.user_id}}));
        !e) {
      return e;
    }
    if (rehash) {
      if (auto e = Ok(tx.Exec("UPDATE users SET password_hash = :h WHERE id = :id",
                              {{"h", *rehash}, {"id", principal.user_id}}));
          !e) {
        return e;
      }
    }
    return Ok(tx.Exec("INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at,"
                      " remote, user_agent) VALUES (:id, :h, :u, :c, :l, :e, :r, :ua)",
                      {{"id", principal.session_id},
                       {"h", TokenHash(token)},
                       {"u", principal.user_id},
                       {"c", ToMicros(now)},
                       {"l", ToMicros(now)},
                       {"e", ToMicros(expires)},
                       {"r", std::string(client_address.substr(0, 64))},
                       {"ua", std::string(user_agent.substr(0, 256))}}));
  });
  if (!opened) return Fail(opened.error());
  return LoginResult{token, expires, std::move(principal)};
}

Result<Principal> IdentityService::Authenticate(std::string_view token) {
  const Error invalid{.code = ErrorCode::kUnauthenticated, .message = "invalid session token", .reason = "invalid_token"};
  if (token.size() != 64 || !std::all_of(token.begin(), token.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return Fail(invalid);
  }
  const std::string hash = TokenHash(token);
  const std::int64_t now = ToMicros(clock_.Now());
  const auto micros = [](auto d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
  const std::int64_t idle = micros(config_.session_idle);
  const std::int64_t ttl = micros(config_.session_cache_ttl);
  const Error expired{.code = ErrorCode::kUnauthenticated, .message = "the session has ended; log in again",
                      .reason = "session_expired"};
  const auto live = [&](const internal::CachedSession& s) { return now < s.expires_at && now - s.last_seen_at < idle; };
  // last_seen_at is written at most every session_touch_interval.
  const auto touch = [&](internal::CachedSession& s) -> Result<Principal> {
    if (now - s.last_seen_at >= micros(config_.session_touch_interval)) {
      auto touched = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
        return Ok(tx.Exec("UPDATE sessions SET last_seen_at = :t WHERE id = :id AND revoked_at IS NULL",
                          {{"t", now}, {"id", s.principal.session_id}}));
      });
      if (!touched) return Fail(touched.error());
      s.last_seen_at = now;
      sessions_->Touched(hash, now);
    }
    return s.principal;
  };

  if (ttl > 0) {
    if (auto cached = sessions_->Find(hash); cached && now >= cached->read_at && now - cached->read_at < ttl) {
      if (live(*cached)) return touch(*cached);
      sessions_->Erase(hash);  // ended as far as this copy knows: the database decides
    }
  }
  const std::uint64_t generation = sessions_->generation();  // before the read (SessionCache)
  auto row = db_.TransactValue<std::optional<Row>>(storage::kReadOnly,
                                                   [&](Tx& tx) { return tx.QueryOne(kSelectSession, {{"h", hash}}); });
  if (!row) return Fail(row.error());
  if (!*row) return Fail(invalid);
  const Row& r = **row;
  if (!r.IsNull(4) || r.Text(7) != "active") return Fail(expired);
  internal::CachedSession session{.principal = PrincipalFromRow(r, 5, 6, 8, r.Text(1)),
                                  .last_seen_at = r.Int(2),
                                  .expires_at = r.Int(3),
                                  .read_at = now};
  session.principal.session_id = r.Text(0);
  if (!live(session)) return Fail(expired);
  auto principal = touch(session);
  if (principal && ttl > 0) sessions_->Put(hash, std::move(session), generation);
  return principal;
}

Result<void> IdentityService::ActFor(Principal& principal, std::string_view principal_user_id) {
  const Error denied{.code = ErrorCode::kForbidden, .message = "no active agent grant from that applicant",
                     .reason = "no_agent_grant"};
  if (principal.kind != UserKind::kPerson || principal_user_id == principal.user_id) return Fail(denied);
  auto row = db_.TransactValue<std::optional<Row>>(storage::kReadOnly, [&](Tx& tx) {
    return tx.QueryOne(
        "SELECT u.id, u.kind, u.name FROM agent_grants g JOIN users u ON u.id = g.principal_id"
        " WHERE g.agent_id = :me AND g.principal_id = :p AND g.revoked_at IS NULL AND u.status = 'active'",
        {{"me", principal.user_id}, {"p", std::string(principal_user_id)}});
  });
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(denied);
  principal.acting_for = ActingFor{(*row)->Text(0), ParseUserKind((*row)->Text(1)).value_or(UserKind::kPerson),
                                   (*row)->Text(2)};
  return {};
}

Result<void> IdentityService::Logout(const Principal& principal) {
  const std::int64_t now = ToMicros(clock_.Now());
  auto done = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    return Ok(tx.Exec("UPDATE sessions SET revoked_at = :t WHERE id = :id AND revoked_at IS NULL",
                      {{"t", now}, {"id", principal.session_id}}));
  });
  sessions_->InvalidateAll();  // after the commit (SessionCache); also when it failed: cheap
  return done;
}

Result<void> IdentityService::LogoutEverywhere(const Principal& principal) {
  const std::int64_t now = ToMicros(clock_.Now());
  auto done = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    return Ok(tx.Exec("UPDATE sessions SET revoked_at = :t WHERE user_id = :u AND revoked_at IS NULL",
                      {{"t", now}, {"u", principal.user_id}}));
  });
  sessions_->InvalidateAll();
  return done;
}

Result<void> IdentityService::ChangePassword(const Principal& principal, std::string_view current_password,
                                             std::string_view new_password) {
  FieldErrors errors;
  if (current_password.empty()) errors.Add("current_password", "required", "required");
  if (auto p = CheckPasswordPolicy(new_password, "new_password"); !p) Merge(errors, p.error());
  if (!current_password.empty() && current_password == new_password) {
    errors.Add("new_password", "unchanged", "the new password must differ from the current one");
  }
  if (auto f = errors.Finish(); !f) return f;
  auto row = db_.TransactValue<std::optional<Row>>(storage::kReadOnly, [&](Tx& tx) {
    return tx.QueryOne("SELECT password_hash FROM users WHERE id = :id", {{"id", principal.user_id}});
  });
  if (!row) return std::unexpected(row.error());
  if (!*row || !WithHashSlot([&] { return VerifyPassword((*row)->Text(0), current_password); })) {
    return Fail(Error{.code = ErrorCode::kUnauthenticated, .message = "the current password is wrong",
                      .reason = "bad_credentials"});
  }
  auto hash = WithHashSlot([&] { return HashPassword(new_password, config_.password_hash); });
  if (!hash) return std::unexpected(hash.error());
  const std::int64_t now = ToMicros(clock_.Now());
  auto done = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    if (auto e = Ok(tx.Exec("UPDATE users SET password_hash = :h, password_changed_at = :t1, updated_at = :t2"
                            " WHERE id = :id",
                            {{"h", *hash}, {"t1", now}, {"t2", now}, {"id", principal.user_id}}));
        !e) {
      return e;
    }
    return Ok(tx.Exec("UPDATE sessions SET revoked_at = :t WHERE user_id = :u AND id <> :sid AND revoked_at IS NULL",
                      {{"t", now}, {"u", principal.user_id}, {"sid", principal.session_id}}));
  });
  sessions_->InvalidateAll();  // the other sessions end now
  return done;
}

Result<Profile> IdentityService::GetProfile(const Principal& principal) {
  Profile profile;
  profile.principal = principal;
  auto r = db_.Transact(storage::kReadOnly, [&](Tx& tx) -> Result<void> {
    auto user = tx.QueryOne("SELECT real_name_verified_at FROM users WHERE id = :id", {{"id", principal.user_id}});
    if (!user) return std::unexpected(user.error());
    if (!*user) return Fail(Error::NotFound("no such user"));
    if (auto t = (*user)->OptInt(0)) profile.real_name_verified_at = FromMicros(*t);
    if (principal.kind == UserKind::kPerson) {
      auto p = tx.QueryOne("SELECT id_number_masked, phone_masked FROM persons WHERE user_id = :id",
                           {{"id", principal.user_id}});
      if (!p) return std::unexpected(p.error());
      if (*p) {
        profile.masked_id_number = (*p)->Text(0);
        profile.masked_phone = (*p)->Text(1);
      }
    } else if (principal.kind == UserKind::kCompany) {
      auto c = tx.QueryOne("SELECT uscc, legal_rep_name, legal_rep_id_masked, phone_masked FROM companies"
                           " WHERE user_id = :id",
                           {{"id", principal.user_id}});
      if (!c) return std::unexpected(c.error());
      if (*c) {
        profile.uscc = (*c)->Text(0);
        profile.legal_rep_name = (*c)->Text(1);
        profile.masked_id_number = (*c)->Text(2);
        profile.masked_phone = (*c)->Text(3);
      }
    } else {
      auto s = tx.QueryOne("SELECT account FROM staff WHERE user_id = :id", {{"id", principal.user_id}});
      if (!s) return std::unexpected(s.error());
      if (*s) profile.staff_account = (*s)->Text(0);
    }
    return {};
  });
  if (!r) return Fail(r.error());
  return profile;
}

namespace {

constexpr std::string_view kSelectGrants =
    "SELECT g.id, g.created_at, g.revoked_at, p.id, p.kind, p.name, a.id, a.kind, a.name"
    " FROM agent_grants g JOIN users p ON p.id = g.principal_id JOIN users a ON a.id = g.agent_id";

AgentGrant GrantFromRow(const Row& r) {
  AgentGrant g;
  g.id = r.Text(0);
  g.created_at = FromMicros(r.Int(1));
  if (auto t = r.OptInt(2)) g.revoked_at = FromMicros(*t);
  g.principal = {r.Text(3), ParseUserKind(r.Text(4)).value_or(UserKind::kPerson), r.Text(5)};
  g.agent = {r.Text(6), ParseUserKind(r.Text(7)).value_or(UserKind::kPerson), r.Text(8)};
  return g;
}

}  // namespace

Result<AgentGrant> IdentityService::GrantAgent(const Principal& principal, std::string_view agent_account_in) {
  const std::string agent_account = Trim(agent_account_in);
  if (agent_account.empty()) {
    return Fail(Error::Validation({{"agent_account", "required", "the agent's ID number or phone"}}));
  }
  std::vector<std::string> keys;
  const std::string upper = NormalizeIdNumber(agent_account);
  if (LooksLikeIdNumber(upper)) keys.push_back("idn:" + cipher_.LookupHash(upper));
  if (auto phone = ValidatePhone(agent_account)) keys.push_back("phone:" + cipher_.LookupHash(*phone));
  const std::string id = NewId(clock_);
  const std::int64_t now = ToMicros(clock_.Now());
  auto r = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    std::optional<std::string> agent_id;
    for (const auto& key : keys) {
      auto row = tx.QueryOne(
          "SELECT u.id FROM user_logins l JOIN users u ON u.id = l.user_id"
          " WHERE l.login_key = :k AND u.kind = 'person' AND u.status = 'active'",
          {{"k", key}});
      if (!row) return std::unexpected(row.error());
      if (*row) {
        agent_id = (*row)->Text(0);
        break;
      }
    }
    if (!agent_id) {
      return Fail(Error::Validation({{"agent_account", "not_found", "no registered person with this ID number or phone"}}));
    }
    if (*agent_id == principal.user_id) {
      return Fail(Error::Validation({{"agent_account", "self", "you cannot be your own agent"}}));
    }
    auto e = tx.Exec("INSERT INTO agent_grants (id, principal_id, agent_id, created_at) VALUES (:id, :p, :a, :t)",
                     {{"id", id}, {"p", principal.user_id}, {"a", *agent_id}, {"t", now}});
    if (!e) {
      if (e.error().reason == "unique_violation") {
        return Fail(Error::Conflict("this person is already your agent", "already_granted"));
      }
      return std::unexpected(e.error());
    }
    return {};
  });
  if (!r) return Fail(r.error());
  auto row = db_.TransactValue<std::optional<Row>>(storage::kReadOnly, [&](Tx& tx) {
    return tx.QueryOne(std::string(kSelectGrants) + " WHERE g.id = :id", {{"id", id}});
  });
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Error::Internal("grant vanished after insert"));
  return GrantFromRow(**row);
}

std::string IdentityService::AgentGrantCursor(const AgentGrant& grant) {
  return std::to_string(ToMicros(grant.created_at)) + "|" + grant.id;
}

Result<std::vector<AgentGrant>> IdentityService::ListAgentGrants(const Principal& principal, int limit,
                                                                 const std::optional<std::string>& after, bool* more) {
  // Newest first; the cursor is the last grant's (created_at, id).
  std::int64_t before_t = std::numeric_limits<std::int64_t>::max();
  std::string before_id = "~";
  if (after) {
    const auto bar = after->find('|');
    if (bar == std::string::npos) return Fail(Error::Validation({{"cursor", "format", "bad cursor"}}));
    try {
      before_t = std::stoll(after->substr(0, bar));
    } catch (...) {
      return Fail(Error::Validation({{"cursor", "format", "bad cursor"}}));
    }
    before_id = after->substr(bar + 1);
  }
  auto rows = db_.TransactValue<storage::Rows>(storage::kReadOnly, [&](Tx& tx) {
    return tx.Query(std::string(kSelectGrants) +
                        " WHERE (g.principal_id = :u1 OR g.agent_id = :u2)"
                        " AND (g.created_at < :t1 OR (g.created_at = :t2 AND g.id < :id))"
                        " ORDER BY g.created_at DESC, g.id DESC LIMIT :n",
                    {{"u1", principal.user_id},
                     {"u2", principal.user_id},
                     {"t1", before_t},
                     {"t2", before_t},
                     {"id", before_id},
                     {"n", limit + 1}});
  });
  if (!rows) return Fail(rows.error());
  std::vector<AgentGrant> out;
  for (const Row& r : *rows) out.push_back(GrantFromRow(r));
  if (more) *more = static_cast<int>(out.size()) > limit;
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
  return out;
}

Result<void> IdentityService::RevokeAgentGrant(const Principal& principal, std::string_view grant_id) {
  const std::int64_t now = ToMicros(clock_.Now());
  return db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto row = tx.QueryOne("SELECT revoked_at FROM agent_grants WHERE id = :id AND (principal_id = :u1 OR agent_id = :u2)",
                           {{"id", std::string(grant_id)}, {"u1", principal.user_id}, {"u2", principal.user_id}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(Error::NotFound("no such agent grant"));
    if (!(*row)->IsNull(0)) return {};  // already revoked: revoking again changes nothing
    return Ok(tx.Exec("UPDATE agent_grants SET revoked_at = :t WHERE id = :id AND revoked_at IS NULL",
                      {{"t", now}, {"id", std::string(grant_id)}}));
  });
}

Result<std::int64_t> IdentityService::PurgeExpiredSessions() {
  const std::int64_t cutoff = ToMicros(clock_.Now()) - 24LL * 3600 * 1'000'000;
  return db_.TransactValue<std::int64_t>(storage::kReadWrite, [&](Tx& tx) {
    return tx.Exec("DELETE FROM sessions WHERE expires_at < :c1 OR (revoked_at IS NOT NULL AND revoked_at < :c2)",
                   {{"c1", cutoff}, {"c2", cutoff}});
  });
}

}  // namespace wangban::identity
