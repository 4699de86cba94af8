// The checkpoint key: SM2 signatures with the standard distinguishing ID, readable by OpenSSL's
// own API and CLI; key files as `serve` loads or creates them.
#include "wangban/audit/signer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <memory>

#include "tests/testing/subprocess.hpp"
#include "tests/testing/temp_dir.hpp"

namespace wangban::audit {
namespace {

using namespace std::chrono_literals;

// Verifies with OpenSSL's EVP API directly, with `id` as the distinguishing ID (none: OpenSSL's
// default, the empty ID).
bool EvpVerify(const std::string& public_pem, std::string_view message, std::string_view signature, const char* id) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return false;
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(key, nullptr);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  if (id != nullptr) EVP_PKEY_CTX_set1_id(pctx, id, std::strlen(id));
  EVP_MD_CTX_set_pkey_ctx(md, pctx);
  const bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sm3(), nullptr, key) == 1 &&
                  EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_CTX_free(pctx);
  EVP_PKEY_free(key);
  return ok;
}

void WriteFile(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool HaveOpensslCli() { return std::filesystem::exists("/usr/bin/openssl"); }

testing::RunResult RunCli(std::vector<std::string> argv) {
  return testing::RunChild({.argv = std::move(argv)}, "", 30s);
}

TEST(SignerTest, SignaturesVerifyWithTheStandardDistinguishingIdOnly) {
  auto signer = AuditSigner::Generate();
  ASSERT_TRUE(signer.has_value()) << signer.error().message;
  auto sig = signer->Sign("checkpoint text");
  ASSERT_TRUE(sig.has_value()) << sig.error().message;

  EXPECT_EQ(VerifySignature(signer->public_key_pem(), "checkpoint text", *sig), true);
  EXPECT_EQ(VerifySignature(signer->public_key_pem(), "checkpoint text!", *sig), false);
  EXPECT_EQ(VerifySignature(signer->public_key_pem(), "checkpoint text", sig->substr(1)), false);
  auto other = AuditSigner::Generate();
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(VerifySignature(other->public_key_pem(), "checkpoint text", *sig), false);

  // OpenSSL's API agrees with the standard ID, and refuses with its default (empty) one: the
  // ID really is part of what was signed.
  EXPECT_TRUE(EvpVerify(signer->public_key_pem(), "checkpoint text", *sig, "1234567812345678"));
  EXPECT_FALSE(EvpVerify(signer->public_key_pem(), "checkpoint text", *sig, nullptr));
  EXPECT_FALSE(EvpVerify(signer->public_key_pem(), "checkpoint text", *sig, "ALICE123@YAHOO.COM"));
}

TEST(SignerTest, PrivateKeyPemRoundTrips) {
  auto signer = AuditSigner::Generate();
  ASSERT_TRUE(signer.has_value());
  auto pem = signer->PrivateKeyPem();
  ASSERT_TRUE(pem.has_value());
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----"));
  auto again = AuditSigner::FromPem(*pem);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->public_key_pem(), signer->public_key_pem());
  auto sig = again->Sign("m");
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(VerifySignature(signer->public_key_pem(), "m", *sig), true);
  EXPECT_TRUE(signer->public_key_pem().starts_with("-----BEGIN PUBLIC KEY-----"));
  auto der = PublicKeyDer(signer->public_key_pem());
  ASSERT_TRUE(der.has_value());
  EXPECT_FALSE(der->empty());
}

TEST(SignerTest, RefusesKeysThatAreNotPlainSm2PrivateKeys) {
  EXPECT_EQ(AuditSigner::FromPem("not a key").error().code, ErrorCode::kBadRequest);

  EVP_PKEY* p256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(p256, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, p256, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string p256_pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  auto refused = AuditSigner::FromPem(p256_pem);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("SM2"), std::string::npos);

  // An encrypted key is refused at once instead of prompting on the terminal.
  auto sm2 = AuditSigner::Generate();
  ASSERT_TRUE(sm2.has_value());
  auto plain = sm2->PrivateKeyPem();
  ASSERT_TRUE(plain.has_value());
  BIO* in = BIO_new_mem_buf(plain->data(), static_cast<int>(plain->size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  ASSERT_NE(key, nullptr);
  BIO* enc = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(enc, key, EVP_aes_256_cbc(), nullptr, 0, nullptr, pass), 1);
  const long m = BIO_get_mem_data(enc, &data);
  const std::string encrypted(data, static_cast<std::size_t>(m));
  BIO_free(enc);
  EVP_PKEY_free(key);
  EVP_PKEY_free(p256);
  EXPECT_FALSE(AuditSigner::FromPem(encrypted).has_value());

  // A public key is not a signing key, and a private key is not a public one.
  EXPECT_FALSE(AuditSigner::FromPem(sm2->public_key_pem()).has_value());
  EXPECT_EQ(PublicKeyDer(*plain).error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(VerifySignature("junk", "m", "s").error().code, ErrorCode::kBadRequest);
}

TEST(SignerTest, LoadOrCreateGeneratesOnceUnderTheDataDirectory) {
  testing::TempDir dir;
  auto first = LoadOrCreateSigner(std::nullopt, dir.path(), /*allow_generate=*/true);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const auto path = GeneratedKeyPath(dir.path());
  EXPECT_EQ(path, dir.path() / "keys" / "audit-sm2.pem");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = LoadOrCreateSigner(std::nullopt, dir.path(), true);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->public_key_pem(), first->public_key_pem());
  // Nothing is left behind but the key.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path() / "keys")) ++files;
  EXPECT_EQ(files, 1u);

  // An explicit file wins; without one and without leave to generate, start-up stops.
  auto other = AuditSigner::Generate();
  ASSERT_TRUE(other.has_value());
  WriteFile(dir / "given.pem", *other->PrivateKeyPem());
  auto given = LoadOrCreateSigner(dir / "given.pem", dir.path(), true);
  ASSERT_TRUE(given.has_value());
  EXPECT_EQ(given->public_key_pem(), other->public_key_pem());
  testing::TempDir empty;
  auto refused = LoadOrCreateSigner(std::nullopt, empty.path(), /*allow_generate=*/false);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("--audit-key-file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(GeneratedKeyPath(empty.path())));
  EXPECT_FALSE(LoadOrCreateSigner(empty / "missing.pem", empty.path(), true).has_value());
}

TEST(SignerTest, ReadsThePublicKeyFromEitherKeyFile) {
  testing::TempDir dir;
  auto signer = AuditSigner::Generate();
  ASSERT_TRUE(signer.has_value());
  WriteFile(dir / "private.pem", *signer->PrivateKeyPem());
  WriteFile(dir / "public.pem", signer->public_key_pem());
  WriteFile(dir / "junk.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  EXPECT_EQ(ReadPublicKeyPem(dir / "private.pem"), signer->public_key_pem());
  EXPECT_EQ(ReadPublicKeyPem(dir / "public.pem"), signer->public_key_pem());
  EXPECT_FALSE(ReadPublicKeyPem(dir / "junk.pem").has_value());
  EXPECT_FALSE(ReadPublicKeyPem(dir / "absent.pem").has_value());
}

TEST(SignerTest, WorksWithKeysAndSignaturesOfTheOpensslCli) {
  if (!HaveOpensslCli()) GTEST_SKIP() << "no /usr/bin/openssl";
  testing::TempDir dir;
  // Keys as an operator makes them: PKCS#8 from genpkey, SEC 1 from ecparam.
  auto genpkey = RunCli({"/usr/bin/openssl", "genpkey", "-algorithm", "SM2", "-out", (dir / "pkcs8.pem").string()});
  ASSERT_EQ(genpkey.exit_status, 0) << genpkey.output;
  auto ecparam =
      RunCli({"/usr/bin/openssl", "ecparam", "-name", "SM2", "-genkey", "-noout", "-out", (dir / "sec1.pem").string()});
  ASSERT_EQ(ecparam.exit_status, 0) << ecparam.output;
  for (const char* name : {"pkcs8.pem", "sec1.pem"}) {
    auto signer = AuditSigner::FromPemFile(dir / name);
    ASSERT_TRUE(signer.has_value()) << name << ": " << signer.error().message;
    auto sig = signer->Sign("hello");
    ASSERT_TRUE(sig.has_value());
    WriteFile(dir / "msg", "hello");
    WriteFile(dir / "sig.der", *sig);
    WriteFile(dir / "pub.pem", signer->public_key_pem());
    auto verified =
        RunCli({"/usr/bin/openssl", "dgst", "-sm3", "-verify", (dir / "pub.pem").string(), "-sigopt",
                "distid:1234567812345678", "-signature", (dir / "sig.der").string(), (dir / "msg").string()});
    EXPECT_EQ(verified.exit_status, 0) << name << ": " << verified.output;
    EXPECT_NE(verified.output.find("Verified OK"), std::string::npos) << verified.output;
  }
  // And the other way: the CLI signs, we verify.
  auto pub = RunCli({"/usr/bin/openssl", "pkey", "-in", (dir / "pkcs8.pem").string(), "-pubout", "-out",
                     (dir / "cli-pub.pem").string()});
  ASSERT_EQ(pub.exit_status, 0) << pub.output;
  auto signed_by_cli = RunCli({"/usr/bin/openssl", "dgst", "-sm3", "-sign", (dir / "pkcs8.pem").string(), "-sigopt",
                               "distid:1234567812345678", "-out", (dir / "cli.sig").string(), (dir / "msg").string()});
  ASSERT_EQ(signed_by_cli.exit_status, 0) << signed_by_cli.output;
  std::ifstream sig_in(dir / "cli.sig", std::ios::binary);
  const std::string cli_sig((std::istreambuf_iterator<char>(sig_in)), std::istreambuf_iterator<char>());
  auto public_pem = ReadPublicKeyPem(dir / "cli-pub.pem");
  ASSERT_TRUE(public_pem.has_value());
  EXPECT_EQ(VerifySignature(*public_pem, "hello", cli_sig), true);
}

}  // namespace
}  // namespace wangban::audit
