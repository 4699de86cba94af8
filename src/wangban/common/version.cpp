#include "wangban/common/version.hpp"

namespace wangban {

std::string_view Version() { return WANGBAN_VERSION; }
std::string_view GitCommit() { return WANGBAN_GIT_COMMIT; }

}  // namespace wangban
