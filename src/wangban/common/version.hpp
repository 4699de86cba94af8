// The build's version, for `wangban version`, /api/health and /metrics.
#pragma once

#include <string_view>

namespace wangban {

// Semantic version of this build, e.g. "0.1.0".
std::string_view Version();
// Short git commit the build came from, with "+dirty" when tracked files differed from it,
// or "unknown" outside a git checkout; stamped at build time.
std::string_view GitCommit();

}  // namespace wangban
