#include "wangban/app/serve.hpp"

#include <gtest/gtest.h>

namespace wangban::app {
namespace {

TEST(DefaultDbPoolTest, SqliteKeepsItsReadersAndPostgresFollowsTheCpus) {
  EXPECT_EQ(DefaultDbPool("sqlite:/var/lib/wangban/wangban.db", 2), 32);
  EXPECT_EQ(DefaultDbPool("sqlite:/var/lib/wangban/wangban.db", 64), 32);
  EXPECT_EQ(DefaultDbPool("postgresql://wb@db/wangban", 0), 8);  // CPUs unknown
  EXPECT_EQ(DefaultDbPool("postgresql://wb@db/wangban", 2), 8);
  EXPECT_EQ(DefaultDbPool("postgresql://wb@db/wangban", 4), 16);
  EXPECT_EQ(DefaultDbPool("postgresql://wb@db/wangban", 32), 64);  // at most 64
}

}  // namespace
}  // namespace wangban::app
