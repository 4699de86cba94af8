#include "wangban/common/version.hpp"

namespace wangban {

std::string_view Version() { return WANGBAN_VERSION; }
// GitCommit() is generated at build time (cmake/git_commit.cmake).

}  // namespace wangban
