// TempDir: mkdtemp under $TMPDIR (or /tmp), removed recursively on destruction.
#include "tests/testing/temp_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace wangban::testing {

TempDir::TempDir(const std::string& prefix) {
  const char* tmpdir = std::getenv("TMPDIR");
  const std::filesystem::path root = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  const std::string pattern = (root / (prefix + "XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) {
    // A constructor cannot ASSERT; GoogleTest reports an exception escaping the test body as a
    // failure of that test and goes on with the next one.
    throw std::runtime_error("TempDir: mkdtemp(" + pattern + ") failed: " + std::strerror(errno));
  }
  path_ = name.data();
}

TempDir::~TempDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
  if (error) {
    std::fprintf(stderr, "TempDir: cannot remove %s: %s\n", path_.c_str(), error.message().c_str());
  }
}

}  // namespace wangban::testing
