// Accounts, sessions and agent grants: registration of persons and companies with real-name
// verification, staff creation, login with throttling, session checks with idle and absolute
// expiry, password changes, logout, and 代办 grants.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/identity/password.hpp"
#include "wangban/identity/pii_cipher.hpp"
#include "wangban/identity/principal.hpp"
#include "wangban/identity/real_name.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::identity {

namespace internal {
class SessionCache;
}  // namespace internal

struct IdentityConfig {
  std::chrono::seconds session_idle{30 * 60};
  std::chrono::seconds session_absolute{12 * 60 * 60};
  // last_seen_at is written at most this often per session (a write per request would cost
  // more than the rest of an authenticated read).
  std::chrono::seconds session_touch_interval{60};
  // A session read from the database is trusted for this long without reading it again (the
  // expiry checks still run on every request). Revocations by this process apply at once; by
  // another server process sharing the database, within this time. 0: read every time.
  std::chrono::seconds session_cache_ttl{5};
  // Sessions kept in memory at most (about 0.5 KB each).
  std::size_t session_cache_entries = 100000;
  PasswordHashParams password_hash;
  // Throttling: after `throttle_free_failures` failures on one account (or
  // `address_free_failures` from one address) each further failure locks for
  // throttle_base * 2^(n - free), capped at throttle_max (5th failure: 30 s, 6th: 60 s, ...,
  // 10th and later: 15 min). The count is forgotten after throttle_window without failures,
  // counted from the end of the last lock.
  int throttle_free_failures = 5;
  int address_free_failures = 20;
  std::chrono::seconds throttle_base{30};
  std::chrono::seconds throttle_max{15 * 60};
  std::chrono::seconds throttle_window{15 * 60};
  // argon2id holds `password_hash.memlimit` bytes per hash; at most this many hashes run at once
  // (others wait), so a burst of logins cannot exhaust memory. 0: the number of CPUs.
  int max_concurrent_hashes = 0;
  // How many more may wait for a slot; beyond that, logins and registrations are refused at
  // once (503 "busy", Retry-After 1) so that they do not hold the server's workers and stall
  // every other request. -1: as many as there are slots.
  int max_waiting_hashes = -1;
};

struct PersonRegistration {
  std::string name;
  std::string id_number;
  std::string phone;
  std::string password;
};

struct CompanyRegistration {
  std::string name;
  std::string uscc;
  std::string legal_rep_name;
  std::string legal_rep_id_number;
  std::string phone;
  std::string password;
};

struct StaffRegistration {
  std::string account;
  std::string name;
  std::string password;
  std::string department;
  std::string region = "460100";
  std::vector<std::string> roles;
};

struct UserSummary {
  std::string id;
  UserKind kind = UserKind::kPerson;
  std::string name;
};

struct LoginResult {
  std::string token;  // shown once; only its hash is stored
  Timestamp expires_at;  // absolute expiry (idle expiry may come first)
  Principal principal;
};

// What /me shows: masked personal data only.
struct Profile {
  Principal principal;
  std::string masked_id_number;  // persons; companies: the legal representative's
  std::string masked_phone;
  std::string uscc;  // companies
  std::string legal_rep_name;
  std::string staff_account;
  std::optional<Timestamp> real_name_verified_at;
};

struct AgentGrant {
  std::string id;
  UserSummary principal;
  UserSummary agent;
  Timestamp created_at;
  std::optional<Timestamp> revoked_at;
};

class IdentityService {
 public:
  IdentityService(storage::Database& db, const Clock& clock, const PiiCipher& cipher, RealNameRegistry& registry,
                  IdentityConfig config = {});

  // Registers a person. Errors: kValidationFailed with one entry per bad field (name,
  // id_number, phone, password; real_name_mismatch on name); kConflict (reason
  // "already_registered") with field errors when the ID number or phone is taken.
  Result<UserSummary> RegisterPerson(const PersonRegistration& r);
  // Registers a company; the legal representative's ID number is checked like a person's.
  Result<UserSummary> RegisterCompany(const CompanyRegistration& r);
  // Creates a staff account. `creator` is the admin doing it (null from the command line).
  // Errors: kValidationFailed (account, name, password, department, region, roles);
  // kForbidden when the region is outside the creator's; kConflict when the account is taken.
  Result<UserSummary> CreateStaff(const Principal* creator, const StaffRegistration& r);
  // Staff in the admin's region, ordered by account: at most `limit`, after the account
  // `after` (keyset paging). `more` says whether another page follows.
  Result<std::vector<Profile>> ListStaff(const Principal& admin, int limit = 200,
                                         const std::optional<std::string>& after = std::nullopt, bool* more = nullptr);

  // Checks the password of `account` (ID number, USCC, phone or staff account) and opens a
  // session. Errors: kValidationFailed for missing fields; kUnauthenticated (reason
  // "bad_credentials") for an unknown account or a wrong password, indistinguishably;
  // kRateLimited with retry_after_seconds while the account or the address is locked.
  Result<LoginResult> Login(std::string_view account, std::string_view password, std::string_view client_address,
                            std::string_view user_agent);

  // The principal of a session token. kUnauthenticated (reason "session_expired" or
  // "invalid_token") if the token is unknown, revoked, idle for too long or past its absolute
  // expiry, or the account is disabled.
  Result<Principal> Authenticate(std::string_view token);
  // Makes `principal` act for `principal_user_id` (header X-On-Behalf-Of). kForbidden (reason
  // "no_agent_grant") without an active grant.
  Result<void> ActFor(Principal& principal, std::string_view principal_user_id);

  Result<void> Logout(const Principal& principal);
  // Ends every session of the user (logout everywhere).
  Result<void> LogoutEverywhere(const Principal& principal);
  // Changes the password after checking the current one; ends every other session.
  // Errors: kUnauthenticated (reason "bad_credentials") for a wrong current password;
  // kValidationFailed for a weak new one.
  Result<void> ChangePassword(const Principal& principal, std::string_view current_password,
                              std::string_view new_password);

  Result<Profile> GetProfile(const Principal& principal);

  // Grants `agent_account` (a person's ID number or phone) the right to act for `principal`.
  // Errors: kValidationFailed (field agent_account: not_found, self); kConflict (reason
  // "already_granted").
  Result<AgentGrant> GrantAgent(const Principal& principal, std::string_view agent_account);
  // Grants where the user is the principal or the agent, newest first: at most `limit`, after
  // the cursor `after` (see AgentGrantCursor). `more` says whether another page follows.
  Result<std::vector<AgentGrant>> ListAgentGrants(const Principal& principal, int limit = 200,
                                                  const std::optional<std::string>& after = std::nullopt,
                                                  bool* more = nullptr);
  // The paging key of a grant ("<created_at micros>|<id>").
  static std::string AgentGrantCursor(const AgentGrant& grant);
  // Revokes a grant; the principal or the agent may. kNotFound for others' grants.
  Result<void> RevokeAgentGrant(const Principal& principal, std::string_view grant_id);

  // Deletes sessions that expired more than a day ago (housekeeping job).
  Result<std::int64_t> PurgeExpiredSessions();

  // The hash under which a session token is stored.
  static std::string TokenHash(std::string_view token);

  const IdentityConfig& config() const { return config_; }

 private:
  Result<void> CheckThrottle(storage::Tx& tx, const std::string& key, Timestamp now);
  Result<void> RecordFailure(storage::Tx& tx, const std::string& key, int free_failures, Timestamp now);

  storage::Database& db_;
  const Clock& clock_;
  const PiiCipher& cipher_;
  RealNameRegistry& registry_;
  IdentityConfig config_;
  // Runs f() holding one of the hashing slots.
  template <typename F>
  auto WithHashSlot(F&& f);
  // kUnavailable "busy" when the hashing queue is full (load shedding).
  Result<void> ShedIfHashQueueFull();

  std::string dummy_hash_;  // verified against when the account does not exist (equal timing)
  struct HashSlots;
  std::shared_ptr<HashSlots> hash_slots_;
  std::shared_ptr<internal::SessionCache> sessions_;
};

}  // namespace wangban::identity
