#include "wangban/common/thread_name.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <string>
#include <thread>

namespace wangban {
namespace {

std::string CurrentName() {
  std::array<char, 32> buf{};
  EXPECT_EQ(pthread_getname_np(pthread_self(), buf.data(), buf.size()), 0);
  return buf.data();
}

TEST(ThreadNameTest, NamesTheCallingThreadAndCutsLongNames) {
  std::string short_name, long_name;
  std::thread([&] {
    SetThreadName("wb-writer");
    short_name = CurrentName();
    SetThreadName("wb-a-name-longer-than-fifteen");
    long_name = CurrentName();
  }).join();
  EXPECT_EQ(short_name, "wb-writer");
  EXPECT_EQ(long_name, "wb-a-name-longe");
}

}  // namespace
}  // namespace wangban
