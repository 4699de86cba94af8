#include "wangban/http/internal/static_files.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.hpp"

namespace wangban::http::internal {
namespace {

void Write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(StaticFilesTest, ServesFilesAndFallsBackToIndex) {
  testing::TempDir dir;
  Write(dir / "index.html", "<html>spa</html>");
  Write(dir / "assets/app-1a2b.js", "console.log(1)");
  Write(dir.path().parent_path() / "secret.txt", "no");
  StaticFiles files(dir.path());

  auto js = files.Serve("/assets/app-1a2b.js", false);
  ASSERT_TRUE(js.has_value());
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->headers[0].second, "public, max-age=31536000, immutable");

  auto route = files.Serve("/cases/123", false);  // a client-side route
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->body, "<html>spa</html>");
  EXPECT_EQ(route->headers[0].second, "no-cache");

  auto root = files.Serve("/", false);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");

  EXPECT_EQ(files.Serve("/assets/missing.js", false).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files.Serve("/../secret.txt", false).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files.Serve("/assets/../../secret.txt", false).error().code, ErrorCode::kNotFound);

  auto head = files.Serve("/assets/app-1a2b.js", true);
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->body.empty());
}

TEST(StaticFilesTest, MissingBuildIsNotFound) {
  testing::TempDir dir;
  StaticFiles files(dir.path());
  auto r = files.Serve("/", false);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace wangban::http::internal
