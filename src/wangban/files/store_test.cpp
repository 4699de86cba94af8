// The file store on SQLite and PostgreSQL with a directory blob store: uploads, shared blobs,
// reading back, refusals that leave nothing behind, and a blob changed on disk.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/testing/fixtures.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/common/ids.hpp"
#include "wangban/files/files.hpp"
#include "wangban/files/internal/samples.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::files {
namespace {

class FileStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "sqlite") {
      url = "sqlite:" + (dir_ / "files.db").string();
    } else {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url = cluster->CreateDatabase();
    }
    auto db = storage::OpenDatabase(url, {.pool_size = 4});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).has_value());
    auto blobs = storage::DirectoryBlobStore::Open(dir_ / "blobs");
    ASSERT_TRUE(blobs.has_value());
    blobs_ = std::move(*blobs);
    store_ = std::make_unique<FileStore>(*db_, *blobs_, clock_, FileLimits{.max_bytes = 64 * 1024});
    alice_ = AddUser("person", "张三");
    bob_ = AddUser("person", "李四");
    agent_ = AddUser("person", "王五");
  }

  std::string AddUser(const std::string& kind, const std::string& name) {
    const std::string id = NewId(clock_);
    auto r = db_->Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
      auto e = tx.Exec(
          "INSERT INTO users (id, kind, name, password_hash, password_changed_at, created_at, updated_at)"
          " VALUES (:id, :kind, :name, 'x', 0, 0, 0)",
          {{"id", id}, {"kind", kind}, {"name", name}});
      if (!e) return std::unexpected(e.error());
      return {};
    });
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return id;
  }

  Result<StoredFile> Upload(std::string_view owner, std::string_view bytes, std::string_view type = "",
                            std::string_view name = "", KindSet allowed = kDefaultKinds) {
    return store_->Upload({.owner_id = owner,
                           .uploaded_by = owner,
                           .declared_type = type,
                           .declared_name = name,
                           .bytes = bytes,
                           .allowed = allowed});
  }

  std::int64_t CountFiles() {
    auto n = db_->TransactValue<std::int64_t>(storage::kReadOnly, [](storage::Tx& tx) -> Result<std::int64_t> {
      auto row = tx.QueryOne("SELECT COUNT(*) FROM files");
      if (!row) return std::unexpected(row.error());
      return (*row)->Int(0);
    });
    return n.value_or(-1);
  }

  // Regular files under the blob root, tmp/ excluded.
  std::vector<std::filesystem::path> BlobFiles() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "blobs")) {
      if (e.is_regular_file() && e.path().parent_path().filename() != "tmp") out.push_back(e.path());
    }
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{testing::TestEpoch()};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::DirectoryBlobStore> blobs_;
  std::unique_ptr<FileStore> store_;
  std::string alice_, bob_, agent_;
};

TEST_P(FileStoreTest, UploadStoresTheBytesUnderTheirHashAndReadsThemBack) {
  const std::string pdf = samples::Pdf();
  auto up = Upload(alice_, pdf, "application/pdf", "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf");
  ASSERT_TRUE(up.has_value()) << up.error().message;
  EXPECT_TRUE(IsUuid(up->id));
  EXPECT_EQ(up->owner_id, alice_);
  EXPECT_EQ(up->uploaded_by, alice_);
  EXPECT_EQ(up->sha256, storage::Sha256Hex(pdf));
  EXPECT_EQ(up->sm3, Sm3Hex(pdf));
  EXPECT_EQ(up->sm3.size(), 64u);
  EXPECT_EQ(up->size, static_cast<std::int64_t>(pdf.size()));
  EXPECT_EQ(up->kind, FileKind::kPdf);
  EXPECT_EQ(up->media_type, "application/pdf");
  EXPECT_EQ(up->name, "营业执照.pdf");
  EXPECT_EQ(up->created_at, clock_.Now());

  // On disk the blob is named by its hash, never by the client's name.
  const auto blobs = BlobFiles();
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].filename().string(), up->sha256);

  auto got = store_->Get(up->id);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->id, up->id);
  EXPECT_EQ(got->owner_id, alice_);
  EXPECT_EQ(got->sha256, up->sha256);
  EXPECT_EQ(got->sm3, up->sm3);
  EXPECT_EQ(got->size, up->size);
  EXPECT_EQ(got->kind, FileKind::kPdf);
  EXPECT_EQ(got->media_type, "application/pdf");
  EXPECT_EQ(got->name, "营业执照.pdf");
  EXPECT_EQ(got->created_at, up->created_at);
  auto bytes = store_->ReadBytes(*got);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().message;
  EXPECT_EQ(*bytes, pdf);

  auto read = store_->Read(up->id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->file.id, up->id);
  EXPECT_EQ(read->bytes, pdf);

  // The same inside a caller's transaction.
  auto in_tx =
      db_->TransactValue<StoredFile>(storage::kReadOnly, [&](storage::Tx& tx) { return FileStore::Get(tx, up->id); });
  ASSERT_TRUE(in_tx.has_value());
  EXPECT_EQ(in_tx->owner_id, alice_);
}

TEST_P(FileStoreTest, IdenticalContentSharesOneBlobButEachUploadIsItsOwnFile) {
  const std::string png = samples::Png();
  auto first = Upload(alice_, png, "image/png", "a.png");
  auto second = Upload(bob_, png, "image/png", "b.png");
  auto again = Upload(alice_, png, "", "");
  ASSERT_TRUE(first && second && again);
  EXPECT_NE(first->id, second->id);
  EXPECT_NE(first->id, again->id);
  EXPECT_EQ(first->sha256, second->sha256);
  EXPECT_EQ(first->sha256, again->sha256);
  EXPECT_EQ(second->owner_id, bob_);
  EXPECT_EQ(again->name, "file.png");
  EXPECT_EQ(BlobFiles().size(), 1u);
  EXPECT_EQ(CountFiles(), 3);
  EXPECT_EQ(store_->Get(second->id)->owner_id, bob_);
}

TEST_P(FileStoreTest, ConcurrentUploadsOfTheSameBytesAllSucceed) {
  const std::string jpeg = samples::Jpeg();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (Upload(alice_, jpeg, "image/jpeg", "photo.jpg")) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(CountFiles(), 8);
  EXPECT_EQ(BlobFiles().size(), 1u);
}

TEST_P(FileStoreTest, AnAgentUploadsForTheApplicant) {
  auto up = store_->Upload({.owner_id = alice_,
                            .uploaded_by = agent_,
                            .declared_type = "application/pdf",
                            .declared_name = "委托书.pdf",
                            .bytes = samples::Pdf()});
  ASSERT_TRUE(up.has_value()) << up.error().message;
  auto got = store_->Get(up->id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->owner_id, alice_);
  EXPECT_EQ(got->uploaded_by, agent_);
}

TEST_P(FileStoreTest, RefusalsLeaveNothingBehind) {
  auto html = Upload(alice_, "<!DOCTYPE html><html><script>alert(1)</script></html>", "application/pdf", "x.pdf");
  ASSERT_FALSE(html.has_value());
  EXPECT_EQ(html.error().code, ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(html.error().StableCode(), "unsupported_file_type");

  auto svg = Upload(alice_, "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "image/png", "a.png");
  ASSERT_FALSE(svg.has_value());
  EXPECT_EQ(svg.error().StableCode(), "unsupported_file_type");

  auto mismatch = Upload(alice_, samples::Pdf(), "image/png", "a.png");
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().code, ErrorCode::kUnprocessable);
  EXPECT_EQ(mismatch.error().StableCode(), "type_mismatch");

  auto empty = Upload(alice_, "", "application/pdf", "a.pdf");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(empty.error().field_errors.size(), 1u);
  EXPECT_EQ(empty.error().field_errors[0].field, "body");

  const std::string big = "%PDF-1.7\n" + std::string(64 * 1024, ' ') + "\n%%EOF\n";
  auto oversize = Upload(alice_, big, "application/pdf", "big.pdf");
  ASSERT_FALSE(oversize.has_value());
  EXPECT_EQ(oversize.error().code, ErrorCode::kPayloadTooLarge);

  EXPECT_EQ(CountFiles(), 0);
  EXPECT_TRUE(BlobFiles().empty());
}

TEST_P(FileStoreTest, OfficeFormatsOnlyWhenTheCallerAllowsThem) {
  const std::string docx = samples::Docx();
  auto refused = Upload(alice_, docx, "", "申请表.docx");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().StableCode(), "unsupported_file_type");
  EXPECT_NE(refused.error().message.find("pdf, jpeg, png, ofd"), std::string::npos) << refused.error().message;

  auto docx_ok = Upload(alice_, docx, "application/msword", "申请表.doc", kAllKinds);
  ASSERT_TRUE(docx_ok.has_value()) << docx_ok.error().message;
  EXPECT_EQ(docx_ok->kind, FileKind::kDocx);
  EXPECT_EQ(docx_ok->name, "申请表.docx");
  EXPECT_EQ(docx_ok->media_type, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");

  auto xls = Upload(alice_, samples::Xls(), "application/vnd.ms-excel", "台账.xls", KindSet{FileKind::kXls});
  ASSERT_TRUE(xls.has_value()) << xls.error().message;
  EXPECT_EQ(xls->kind, FileKind::kXls);

  auto ofd = Upload(alice_, samples::Ofd(), "application/ofd", "电子证照.ofd");
  ASSERT_TRUE(ofd.has_value()) << ofd.error().message;
  EXPECT_EQ(ofd->media_type, "application/ofd");
}

TEST_P(FileStoreTest, TraversalNamesNeverReachTheDisk) {
  for (const char* name : {"../../../../etc/passwd", "..\\..\\..\\x.pdf", "..%2F..%2Fescaped.pdf", "/tmp/abs.pdf"}) {
    auto up = Upload(alice_, samples::Pdf(), "application/pdf", name);
    ASSERT_TRUE(up.has_value()) << name;
    EXPECT_EQ(up->name.find('/'), std::string::npos);
    EXPECT_EQ(up->name.find('\\'), std::string::npos);
    EXPECT_FALSE(up->name.starts_with("."));
  }
  EXPECT_EQ(store_->Get(store_->Get(Upload(alice_, samples::Pdf(), "", "../../etc/passwd")->id)->id)->name,
            "passwd.pdf");
  // Only the one blob under blobs/ab/cd/<sha256>; nothing named after a client's path anywhere.
  EXPECT_EQ(BlobFiles().size(), 1u);
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path())) {
    const std::string f = e.path().filename().string();
    EXPECT_TRUE(f != "passwd" && f != "x.pdf" && f != "escaped.pdf" && f != "abs.pdf") << e.path();
  }
}

TEST_P(FileStoreTest, UnknownAndMalformedIdsAreNotFound) {
  for (const std::string& id : {NewId(clock_), std::string("../../etc/passwd"), std::string(""),
                                std::string("not-a-uuid"), std::string("'; DROP TABLE files; --")}) {
    auto got = store_->Get(id);
    ASSERT_FALSE(got.has_value()) << id;
    EXPECT_EQ(got.error().code, ErrorCode::kNotFound) << id;
  }
}

TEST_P(FileStoreTest, AnOwnerMustBeAUser) {
  auto up = Upload(NewId(clock_), samples::Pdf(), "application/pdf", "a.pdf");
  ASSERT_FALSE(up.has_value());
  EXPECT_EQ(up.error().code, ErrorCode::kConflict);
  EXPECT_EQ(up.error().reason, "foreign_key_violation");
}

TEST_P(FileStoreTest, ABlobChangedOrLostOnDiskIsAnInternalError) {
  auto up = Upload(alice_, samples::Pdf(), "application/pdf", "a.pdf");
  ASSERT_TRUE(up.has_value());
  const auto path = BlobFiles().at(0);
  std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << samples::Pdf("2 0 obj\n(tampered)\nendobj\n");
  }
  auto changed = store_->ReadBytes(*up);
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code, ErrorCode::kInternal);

  std::filesystem::remove(path);
  auto lost = store_->Read(up->id);
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, ErrorCode::kInternal);
}

INSTANTIATE_TEST_SUITE_P(Backends, FileStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::files
