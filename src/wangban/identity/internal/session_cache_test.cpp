#include "wangban/identity/internal/session_cache.hpp"

#include <gtest/gtest.h>

namespace wangban::identity::internal {
namespace {

CachedSession Session(std::string id, std::int64_t last_seen = 1) {
  CachedSession s{.principal = {}, .last_seen_at = last_seen, .expires_at = 100, .read_at = 1};
  s.principal.session_id = std::move(id);
  return s;
}

TEST(SessionCacheTest, KeepsFindsTouchesAndErases) {
  SessionCache cache(10);
  EXPECT_FALSE(cache.Find("h1"));
  cache.Put("h1", Session("s1"), cache.generation());
  ASSERT_TRUE(cache.Find("h1"));
  EXPECT_EQ(cache.Find("h1")->principal.session_id, "s1");
  cache.Touched("h1", 42);
  EXPECT_EQ(cache.Find("h1")->last_seen_at, 42);
  cache.Touched("unknown", 42);  // nothing to touch: no entry appears
  EXPECT_FALSE(cache.Find("unknown"));
  cache.Erase("h1");
  EXPECT_FALSE(cache.Find("h1"));
}

TEST(SessionCacheTest, AReadThatRacedWithARevocationIsNotKept) {
  SessionCache cache(10);
  cache.Put("h1", Session("s1"), cache.generation());
  const std::uint64_t before = cache.generation();  // a request starts reading the database
  cache.InvalidateAll();                            // meanwhile a logout commits
  EXPECT_FALSE(cache.Find("h1"));
  cache.Put("h2", Session("s2"), before);  // what that request read may be stale: dropped
  EXPECT_FALSE(cache.Find("h2"));
  cache.Put("h2", Session("s2"), cache.generation());
  EXPECT_TRUE(cache.Find("h2"));
}

TEST(SessionCacheTest, StaysWithinItsBound) {
  SessionCache cache(3);
  for (const char* h : {"a", "b", "c"}) cache.Put(h, Session("s"), cache.generation());
  cache.Put("c", Session("s", 7), cache.generation());  // replacing an entry: nothing dropped
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.Find("a"));
  EXPECT_EQ(cache.Find("c")->last_seen_at, 7);
  cache.Put("d", Session("s"), cache.generation());  // full: starts over with the new one
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Find("d"));
  for (int i = 0; i < 100; ++i) {
    cache.Put("h" + std::to_string(i), Session("s"), cache.generation());
    EXPECT_LE(cache.size(), 3u);
  }

  SessionCache off(0);  // a cache of size 0 keeps nothing
  off.Put("h1", Session("s1"), off.generation());
  EXPECT_FALSE(off.Find("h1"));
}

}  // namespace
}  // namespace wangban::identity::internal
