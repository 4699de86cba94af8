// Small shared test fixtures.
#pragma once

#include "wangban/common/clock.hpp"

namespace wangban::testing {

// A fixed instant for FakeClock: 2026-11-20T09:00:00+08:00 (a working day).
Timestamp TestEpoch();

}  // namespace wangban::testing
