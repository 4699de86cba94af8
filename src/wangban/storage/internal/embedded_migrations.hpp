// Migration files compiled into the binary by cmake/embed.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace wangban::storage::internal {

struct EmbeddedFile {
  std::string_view path;  // relative to storage/migrations, e.g. "sqlite/0001_jobs.sql"
  std::string_view text;
};

// Every migrations/<backend>/NNNN_name.sql file, sorted by path.
const std::vector<EmbeddedFile>& EmbeddedMigrationFiles();

}  // namespace wangban::storage::internal
