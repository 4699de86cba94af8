#include "wangban/identity/internal/session_cache.hpp"

namespace wangban::identity::internal {

std::uint64_t SessionCache::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::optional<CachedSession> SessionCache::Find(const std::string& token_hash) const {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token_hash);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

void SessionCache::Put(const std::string& token_hash, CachedSession session, std::uint64_t generation) {
  if (max_entries_ == 0) return;
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;  // a revocation committed since the read began
  if (sessions_.size() >= max_entries_ && !sessions_.contains(token_hash)) sessions_.clear();
  sessions_.insert_or_assign(token_hash, std::move(session));
}

void SessionCache::Touched(const std::string& token_hash, std::int64_t last_seen_at) {
  std::lock_guard lock(mutex_);
  if (const auto it = sessions_.find(token_hash); it != sessions_.end()) it->second.last_seen_at = last_seen_at;
}

void SessionCache::Erase(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token_hash);
}

void SessionCache::InvalidateAll() {
  std::lock_guard lock(mutex_);
  ++generation_;
  sessions_.clear();
}

std::size_t SessionCache::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace wangban::identity::internal
