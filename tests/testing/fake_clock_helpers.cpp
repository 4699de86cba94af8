// Shared fixtures for unit tests: a fixed, readable starting instant for fake clocks.
#include "tests/testing/fixtures.hpp"

namespace wangban::testing {

Timestamp TestEpoch() {
  using namespace std::chrono;
  // 2026-11-20 09:00 Beijing time, a Friday and a working day.
  return time_point_cast<microseconds>(sys_days{2026y / 11 / 20} + hours(1));
}

}  // namespace wangban::testing
