// Uploads through the real binary on SQLite and PostgreSQL: a PDF goes up and comes back as an
// attachment with nosniff; nobody else sees it; an agent uploads for the applicant; HTML and
// SVG in disguise, oversized bodies and path traversal names get nowhere.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/storage/blob_store.hpp"

namespace wangban::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kZhangSan = "13800000001";  // demo person 张三
constexpr const char* kLiSi = "13800000002";      // demo person 李四
// 营业执照.pdf, percent-encoded as browsers send it in X-File-Name.
constexpr const char* kLicenseName = "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf";

std::string Pdf(const std::string& body = "1 0 obj\n<< /Type /Catalog >>\nendobj\n") {
  return "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n" + body + "\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

class FilesApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = DatabaseFor(GetParam());
    ASSERT_FALSE(db_.empty());
    server_ = std::make_unique<ServerProcess>(
        ServerOptions{.db = db_, .extra_args = {"--demo", "--password-hash-cost", "minimum", "--no-jobs"}});
    ASSERT_TRUE(server_->ok()) << server_->output();
  }

  HttpClient client() const { return server_->client(); }

  std::string Login(const std::string& account) {
    auto r = client().PostJson("/api/v1/sessions", {{"account", account}, {"password", "Wangban@2026"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return "Bearer " + r.Json().value("token", "");
  }

  std::string UserId(const std::string& auth) {
    auto me = client().Get("/api/v1/me", {{"Authorization", auth}});
    EXPECT_EQ(me.status, 200) << me.body;
    return me.Json().value("id", "");
  }

  HttpResponse Upload(const std::string& auth, const std::string& body, const std::string& type,
                      const std::string& name, std::vector<std::pair<std::string, std::string>> extra = {}) {
    HttpRequest request{.method = "POST", .target = "/api/v1/files", .body = body};
    if (!auth.empty()) request.headers.emplace_back("Authorization", auth);
    if (!type.empty()) request.headers.emplace_back("Content-Type", type);
    if (!name.empty()) request.headers.emplace_back("X-File-Name", name);
    for (auto& h : extra) request.headers.push_back(std::move(h));
    return client().Send(request);
  }

  HttpResponse Download(const std::string& id, const std::string& auth,
                        std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> headers = std::move(extra);
    if (!auth.empty()) headers.emplace_back("Authorization", auth);
    return client().Get("/api/v1/files/" + id, headers);
  }

  // The blob files under the server's data directory (blobs/ab/cd/<sha256>), tmp/ excluded.
  std::vector<std::filesystem::path> Blobs() const {
    std::vector<std::filesystem::path> out;
    const auto root = server_->data_dir() / "blobs";
    if (!std::filesystem::exists(root)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().parent_path().filename() != "tmp") out.push_back(e.path());
    }
    return out;
  }

  std::string db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(FilesApiTest, APdfGoesUpAndComesBackAsAnAttachmentWithNosniff) {
  const std::string auth = Login(kZhangSan);
  const std::string pdf = Pdf();
  auto up = Upload(auth, pdf, "application/pdf", kLicenseName);
  ASSERT_EQ(up.status, 201) << up.body;
  const json f = up.Json();
  const std::string id = f.value("id", "");
  ASSERT_EQ(id.size(), 36u) << up.body;
  EXPECT_EQ(f["sha256"], storage::Sha256Hex(pdf));
  EXPECT_EQ(f["size"], pdf.size());
  EXPECT_EQ(f["media_type"], "application/pdf");
  EXPECT_EQ(f["kind"], "pdf");
  EXPECT_EQ(f["name"], "营业执照.pdf");
  EXPECT_EQ(f["sm3"].get<std::string>().size(), 64u);
  // The blob is stored under its hash.
  const auto blobs = Blobs();
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].filename().string(), f["sha256"].get<std::string>());

  auto down = Download(id, auth);
  ASSERT_EQ(down.status, 200) << down.body;
  EXPECT_EQ(down.body, pdf);
  EXPECT_EQ(down.Header("Content-Type"), "application/pdf");
  EXPECT_EQ(down.Header("Content-Disposition"),
            "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf");
  EXPECT_EQ(down.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(down.Header("Content-Security-Policy"), "sandbox; default-src 'none'");
  EXPECT_EQ(down.Header("Cache-Control"), "private, no-store");
  EXPECT_EQ(down.Header("Cross-Origin-Resource-Policy"), "same-origin");

  // The same bytes again: a new file, the same blob.
  auto again = Upload(auth, pdf, "", "");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_NE(again.Json()["id"], id);
  EXPECT_EQ(again.Json()["sha256"], f["sha256"]);
  EXPECT_EQ(again.Json()["name"], "file.pdf");
  EXPECT_EQ(Blobs().size(), 1u);
}

TEST_P(FilesApiTest, OnlyTheOwnerSeesAFile) {
  const std::string zhang = Login(kZhangSan);
  const std::string li = Login(kLiSi);
  auto up = Upload(zhang, Pdf(), "application/pdf", "a.pdf");
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string id = up.Json()["id"];

  auto other = Download(id, li);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(other.Json()["code"], "not_found");
  EXPECT_EQ(Download(id, "").status, 401);
  const std::string staff = Login("window");
  EXPECT_EQ(Download(id, staff).status, 404) << "staff read materials through the case";
  EXPECT_EQ(Download("0190a000-0000-7000-8000-000000000000", zhang).status, 404);
  EXPECT_EQ(Download("..%2F..%2Fetc%2Fpasswd", zhang).status, 404);
  EXPECT_EQ(Download(id, zhang).status, 200);

  // Staff keep their own uploads (scans at the window).
  auto scan = Upload(staff, Pdf("2 0 obj\n(scan)\nendobj"), "application/pdf", "扫描件.pdf");
  ASSERT_EQ(scan.status, 201) << scan.body;
  EXPECT_EQ(Download(scan.Json()["id"].get<std::string>(), staff).status, 200);
  EXPECT_EQ(Download(scan.Json()["id"].get<std::string>(), zhang).status, 404);
}

TEST_P(FilesApiTest, AnAgentUploadsForTheApplicant) {
  const std::string zhang = Login(kZhangSan);
  const std::string li = Login(kLiSi);
  const std::string zhang_id = UserId(zhang);
  auto grant = client().PostJson("/api/v1/agents", {{"agent_account", kLiSi}}, {{"Authorization", zhang}});
  ASSERT_EQ(grant.status, 201) << grant.body;

  auto up = Upload(li, Pdf(), "application/pdf", "委托书.pdf", {{"X-On-Behalf-Of", zhang_id}});
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string id = up.Json()["id"];
  EXPECT_EQ(Download(id, zhang).status, 200) << "the applicant owns what the agent uploaded";
  EXPECT_EQ(Download(id, li, {{"X-On-Behalf-Of", zhang_id}}).status, 200);
  EXPECT_EQ(Download(id, li).status, 404) << "not the agent's own file";
}

TEST_P(FilesApiTest, HtmlSvgAndOtherDisguisesAre415) {
  const std::string auth = Login(kZhangSan);
  struct Case {
    std::string body, type, name;
  };
  const std::vector<Case> cases = {
      {"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>", "application/pdf",
       "evil.pdf"},
      {"<html><script>fetch('/api/v1/me')</script></html>", "application/octet-stream", "x.pdf"},
      {"\xEF\xBB\xBF  <html><body>hi</body></html>\n%PDF-1.7\n%%EOF", "application/pdf", "bom.pdf"},
      {"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n", "application/pdf", "polyglot.pdf"},
      {"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "image/svg+xml", "logo.svg"},
      {"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "image/png", "logo.png"},
      {"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", "image/jpeg", "a.jpg"},
      {"alert(document.cookie)", "application/javascript", "a.js"},
      {std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + std::string(200, 'A'), "application/pdf", "setup.pdf"},
      {std::string(100, ' ') + Pdf(), "application/pdf", "late-signature.pdf"},
      {"just some text", "text/plain", "a.txt"},
  };
  for (const auto& c : cases) {
    auto r = Upload(auth, c.body, c.type, c.name);
    EXPECT_EQ(r.status, 415) << c.name << " " << r.body;
    EXPECT_EQ(r.Json()["code"], "unsupported_file_type") << c.name;
  }
  EXPECT_TRUE(Blobs().empty());
}

TEST_P(FilesApiTest, ADeclaredTypeOfAnotherFamilyIs422) {
  const std::string auth = Login(kZhangSan);
  auto r = Upload(auth, Pdf(), "image/png", "a.png");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.Json()["code"], "type_mismatch");
  r = Upload(auth, Pdf(), "text/html", "a.html");
  EXPECT_EQ(r.status, 422) << r.body;
  // No Content-Type at all, or octet-stream: the content decides.
  EXPECT_EQ(Upload(auth, Pdf(), "", "a.pdf").status, 201);
  EXPECT_EQ(Upload(auth, Pdf(), "application/octet-stream", "a.pdf").status, 201);
}

TEST_P(FilesApiTest, OversizedUploadsAre413AndLargeOnesWithinTheLimitPass) {
  const std::string auth = Login(kZhangSan);
  // Declared over 20 MiB: answered at once, the body is never read.
  RawConnection c(server_->port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.Write("POST /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth +
                      "\r\nContent-Type: application/pdf\r\nX-File-Name: big.pdf\r\nExpect: 100-continue\r\n"
                      "Content-Length: " +
                      std::to_string((20u << 20) + 1) + "\r\n\r\n"));
  auto r = c.ReadResponse(10s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Json()["code"], "payload_too_large");

  RawConnection c2(server_->port());
  ASSERT_TRUE(c2.ok());
  ASSERT_TRUE(c2.Write("POST /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth +
                       "\r\nContent-Type: application/pdf\r\nContent-Length: 2000000000\r\n\r\n%PDF-1.7\n"));
  r = c2.ReadResponse(10s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);

  const std::string big =
      Pdf("3 0 obj\n<< /Length 3000000 >>\nstream\n" + std::string(3'000'000, 'x') + "\nendstream\nendobj");
  auto ok = Upload(auth, big, "application/pdf", "big.pdf");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.Json()["size"], big.size());
  EXPECT_EQ(Download(ok.Json()["id"].get<std::string>(), auth).body, big);
  EXPECT_EQ(Blobs().size(), 1u);
}

TEST_P(FilesApiTest, PathTraversalNamesAreSanitized) {
  const std::string auth = Login(kZhangSan);
  const std::vector<std::pair<std::string, std::string>> names = {
      {"../../etc/passwd", "passwd.pdf"},
      {"..%2F..%2F..%2Fetc%2Fpasswd", "passwd.pdf"},
      {"..\\..\\windows\\win.ini", "win.pdf"},
      {"%2E%2E%5C%2E%2E%5Cx.pdf", "x.pdf"},
      {"/var/lib/wangban/blobs/evil.pdf", "evil.pdf"},
      {".htaccess", "htaccess.pdf"},
      {"invoice%E2%80%AEfdp.exe", "invoicefdp.pdf"},
      {"a%0D%0ASet-Cookie%3A%20x%3Dy.pdf", "aSet-Cookie_ x=y.pdf"},
      {"evil.html", "evil.pdf"},
  };
  int n = 0;
  for (const auto& [declared, expected] : names) {
    auto up = Upload(auth, Pdf("% " + std::to_string(n++)), "application/pdf", declared);
    ASSERT_EQ(up.status, 201) << declared << " " << up.body;
    EXPECT_EQ(up.Json()["name"], expected) << declared;
    auto down = Download(up.Json()["id"].get<std::string>(), auth);
    ASSERT_EQ(down.status, 200);
    const std::string disposition = down.Header("Content-Disposition");
    EXPECT_TRUE(disposition.starts_with("attachment; filename=\"")) << disposition;
    EXPECT_EQ(disposition.find('/'), std::string::npos) << disposition;
    EXPECT_EQ(disposition.find('\\'), std::string::npos) << disposition;
    EXPECT_EQ(disposition.find('\r'), std::string::npos) << disposition;
  }
  // On disk: only blobs named by their hashes, nothing named after the clients' names.
  EXPECT_EQ(Blobs().size(), names.size());
  for (const auto& blob : Blobs()) EXPECT_EQ(blob.filename().string().size(), 64u) << blob;
  for (const auto& e : std::filesystem::recursive_directory_iterator(server_->data_dir())) {
    const std::string f = e.path().filename().string();
    EXPECT_TRUE(f != "passwd" && f != "win.ini" && f != "evil.pdf" && f != "x.pdf" && f != "evil.html") << e.path();
  }
}

TEST_P(FilesApiTest, EmptyOrUnauthenticatedOrCrossSiteUploadsAreRefused) {
  const std::string auth = Login(kZhangSan);
  auto empty = Upload(auth, "", "application/pdf", "a.pdf");
  EXPECT_EQ(empty.status, 422) << empty.body;
  EXPECT_EQ(empty.Json()["code"], "validation_failed");
  EXPECT_EQ(empty.Json()["errors"][0]["field"], "body");

  EXPECT_EQ(Upload("", Pdf(), "application/pdf", "a.pdf").status, 401);

  // With the session cookie, a write needs X-Requested-With (a cross-site form cannot send it).
  const std::string token = auth.substr(std::string("Bearer ").size());
  auto csrf = Upload("", Pdf(), "application/pdf", "a.pdf", {{"Cookie", "wb_session=" + token}});
  EXPECT_EQ(csrf.status, 403) << csrf.body;
  auto same_site = Upload("", Pdf(), "application/pdf", "a.pdf",
                          {{"Cookie", "wb_session=" + token}, {"X-Requested-With", "XMLHttpRequest"}});
  EXPECT_EQ(same_site.status, 201) << same_site.body;
}

TEST_P(FilesApiTest, ARetryWithTheSameIdempotencyKeyGetsTheFirstAnswer) {
  const std::string auth = Login(kZhangSan);
  auto first = Upload(auth, Pdf(), "application/pdf", "a.pdf", {{"Idempotency-Key", "upload-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto retry = Upload(auth, Pdf(), "application/pdf", "a.pdf", {{"Idempotency-Key", "upload-1"}});
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.Json()["id"], first.Json()["id"]);
  EXPECT_EQ(retry.Header("Idempotent-Replayed"), "true");
  auto other = Upload(auth, Pdf("% other"), "application/pdf", "a.pdf", {{"Idempotency-Key", "upload-1"}});
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(other.Json()["code"], "idempotency_key_reuse");
}

INSTANTIATE_TEST_SUITE_P(Backends, FilesApiTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::testing
