// The holiday documents of data/holidays-cn compiled into the binary (src/wangban/CMakeLists.txt).
#pragma once

#include <span>
#include <string_view>

namespace wangban::internal {

// Every data/holidays-cn/YYYY.json, ascending by year.
std::span<const std::string_view> EmbeddedHolidayDocuments();

}  // namespace wangban::internal
