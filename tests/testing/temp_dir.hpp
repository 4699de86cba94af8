// A directory under $TMPDIR (or /tmp) removed with everything in it when the object dies.
#pragma once

#include <filesystem>
#include <string>

namespace wangban::testing {

class TempDir {
 public:
  // Creates a fresh directory named `prefix` + random suffix. Aborts the test on failure.
  explicit TempDir(const std::string& prefix = "wangban-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace wangban::testing
