#include "wangban/storage/blob_store.hpp"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.hpp"

namespace wangban::storage {
namespace {

TEST(BlobStoreTest, StoresByContentOnce) {
  testing::TempDir dir;
  auto store = DirectoryBlobStore::Open(dir.path() / "blobs");
  ASSERT_TRUE(store.has_value());
  const std::string bytes = std::string("%PDF-1.7\0binary\xff", 16);
  auto a = (*store)->Put(bytes);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->size, 16);
  EXPECT_EQ(a->sha256, Sha256Hex(bytes));
  auto b = (*store)->Put(bytes);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->sha256, b->sha256);
  auto got = (*store)->Get(a->sha256);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, bytes);
  EXPECT_TRUE((*store)->Exists(a->sha256).value());
  // Nothing is left behind in tmp/.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "blobs" / "tmp"));
}

TEST(BlobStoreTest, KnownSha256) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BlobStoreTest, RejectsMalformedAndMissing) {
  testing::TempDir dir;
  auto store = DirectoryBlobStore::Open(dir.path());
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ((*store)->Get("../../etc/passwd").error().code, ErrorCode::kBadRequest);
  EXPECT_EQ((*store)->Get(std::string(64, 'a')).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE((*store)->Exists(std::string(64, 'b')).value());
}

}  // namespace
}  // namespace wangban::storage
