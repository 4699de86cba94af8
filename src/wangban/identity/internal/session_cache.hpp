// Sessions recently checked against the database, kept in memory so that a request's session
// check does not read the database again (IdentityService::Authenticate).
//
// An entry is used for at most IdentityConfig::session_cache_ttl after it was read; the expiry
// checks (idle, absolute) still run on every request against the times it holds. Revocations
// made by this process (logout, logout everywhere, password change) clear the cache once they
// have committed; a revocation made by another server process sharing the database takes
// effect here within the TTL.
//
// A read that raced with a revocation must not bring the revoked session back: callers take
// generation() before reading the database and Put() keeps the entry only if no revocation
// was announced (InvalidateAll) since.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "wangban/identity/principal.hpp"

namespace wangban::identity::internal {

struct CachedSession {
  Principal principal;        // session_id set
  std::int64_t last_seen_at;  // micros, as stored
  std::int64_t expires_at;    // micros
  std::int64_t read_at;       // micros of the service clock: when the database said so
};

class SessionCache {
 public:
  // At most `max_entries` sessions; when full, the cache starts over (entries are cheap to
  // read again, and a bound matters more than which ones stay).
  explicit SessionCache(std::size_t max_entries) : max_entries_(max_entries) {}

  std::uint64_t generation() const;
  std::optional<CachedSession> Find(const std::string& token_hash) const;
  // Keeps the session unless InvalidateAll ran after `generation` was taken.
  void Put(const std::string& token_hash, CachedSession session, std::uint64_t generation);
  // The session's last_seen_at was written.
  void Touched(const std::string& token_hash, std::int64_t last_seen_at);
  void Erase(const std::string& token_hash);
  // Forgets every session; call after a revocation has committed.
  void InvalidateAll();
  std::size_t size() const;

 private:
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, CachedSession> sessions_;  // GUARDED_BY(mutex_)
  std::uint64_t generation_ = 0;                             // GUARDED_BY(mutex_)
};

}  // namespace wangban::identity::internal
