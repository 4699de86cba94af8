// SM2 keys and signatures through OpenSSL 3's EVP API.
#include "wangban/audit/signer.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <climits>

#include "wangban/common/log.hpp"

namespace wangban::audit {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using Bio = std::unique_ptr<BIO, BioDeleter>;

// The first queued OpenSSL error as text (and the queue emptied, so that it does not leak into
// an unrelated later call on this thread).
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// Refuses to prompt for a passphrase (the default callback reads the terminal).
int NoPassphrase(char*, int, int, void*) { return 0; }

Bio MemoryBio(std::string_view data) {
  if (data.size() > INT_MAX) return nullptr;
  return Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Result<Pkey> ParsePublicKey(std::string_view pem) {
  Bio bio = MemoryBio(pem);
  if (!bio) return Fail(Error::Internal("out of memory"));
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) return Fail(Error::BadRequest("not a PEM public key: " + OpenSslError(), "bad_public_key"));
  if (!EVP_PKEY_is_a(key.get(), "SM2")) {
    return Fail(Error::BadRequest("the public key is not an SM2 key", "bad_public_key"));
  }
  return key;
}

Result<std::string> PublicPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return Fail(Error::Internal("cannot write the SM2 public key: " + OpenSslError()));
  }
  return BioText(bio.get());
}

// A digest context for SM2-with-SM3 carrying the standard distinguishing ID. The EVP_PKEY_CTX
// must outlive the EVP_MD_CTX that borrows it (EVP_MD_CTX_set_pkey_ctx does not take it).
struct Sm2Context {
  PkeyCtx pctx;
  MdCtx md;
};

Result<Sm2Context> NewSm2Context(EVP_PKEY* key) {
  Sm2Context c{PkeyCtx(EVP_PKEY_CTX_new(key, nullptr)), MdCtx(EVP_MD_CTX_new())};
  if (!c.pctx || !c.md) return Fail(Error::Internal("out of memory for an SM2 context"));
  if (EVP_PKEY_CTX_set1_id(c.pctx.get(), kSm2DistinguishingId.data(), kSm2DistinguishingId.size()) != 1) {
    return Fail(Error::Internal("cannot set the SM2 distinguishing ID: " + OpenSslError()));
  }
  EVP_MD_CTX_set_pkey_ctx(c.md.get(), c.pctx.get());
  return c;
}

Result<std::string> ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(Error::Internal("cannot read " + file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Fail(Error::Internal("cannot read " + file.string()));
  return text.str();
}

// Writes `text` to a new file `path` with mode 0600, unless `path` exists. Returns true if this
// call created it. The content appears at once and complete (written to a temporary name,
// fsynced, then hard-linked, which fails if another process won the race).
Result<bool> CreateSecretFile(const std::filesystem::path& path, std::string_view text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Fail(Error::Internal("cannot create " + path.parent_path().string() + ": " + ec.message()));
  const auto tmp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(Error::Internal("cannot create " + tmp + ": " + std::strerror(errno)));
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::filesystem::remove(tmp, ec);
    return Fail(Error::Internal("cannot write " + tmp));
  }
  const bool created = ::link(tmp.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  std::filesystem::remove(tmp, ec);
  if (!created && link_errno != EEXIST) {
    return Fail(Error::Internal("cannot create " + path.string() + ": " + std::strerror(link_errno)));
  }
  if (created) {
    // Make the new directory entry durable too.
    if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  return created;
}

}  // namespace

struct AuditSigner::Key {
  Pkey pkey;
};

Result<AuditSigner> AuditSigner::FromPem(std::string_view pem) {
  Bio bio = MemoryBio(pem);
  if (!bio) return Fail(Error::Internal("out of memory"));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    return Fail(Error::BadRequest("not an unencrypted PEM private key: " + OpenSslError(), "bad_private_key"));
  }
  if (!EVP_PKEY_is_a(key.get(), "SM2")) {
    return Fail(
        Error::BadRequest("the audit key must be an SM2 key (openssl genpkey -algorithm SM2)", "bad_private_key"));
  }
  auto public_pem = PublicPem(key.get());
  if (!public_pem) return std::unexpected(public_pem.error());
  auto shared = std::make_shared<Key>();
  shared->pkey = std::move(key);
  return AuditSigner(std::move(shared), std::move(*public_pem));
}

Result<AuditSigner> AuditSigner::FromPemFile(const std::filesystem::path& file) {
  auto text = ReadFile(file);
  if (!text) return std::unexpected(text.error());
  auto signer = FromPem(*text);
  if (!signer) {
    Error e = signer.error();
    e.message = file.string() + ": " + e.message;
    return Fail(std::move(e));
  }
  return signer;
}

Result<AuditSigner> AuditSigner::Generate() {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return Fail(Error::Internal("cannot generate an SM2 key: " + OpenSslError()));
  }
  Pkey key(raw);
  auto public_pem = PublicPem(key.get());
  if (!public_pem) return std::unexpected(public_pem.error());
  auto shared = std::make_shared<Key>();
  shared->pkey = std::move(key);
  return AuditSigner(std::move(shared), std::move(*public_pem));
}

Result<std::string> AuditSigner::PrivateKeyPem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(Error::Internal("cannot write the SM2 private key: " + OpenSslError()));
  }
  return BioText(bio.get());
}

Result<std::string> AuditSigner::Sign(std::string_view message) const {
  auto c = NewSm2Context(key_->pkey.get());
  if (!c) return std::unexpected(c.error());
  std::size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_DigestSignInit(c->md.get(), nullptr, EVP_sm3(), nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(c->md.get(), nullptr, &len, data, message.size()) != 1) {
    return Fail(Error::Internal("SM2 signing failed: " + OpenSslError()));
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(c->md.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, data, message.size()) !=
      1) {
    return Fail(Error::Internal("SM2 signing failed: " + OpenSslError()));
  }
  signature.resize(len);
  return signature;
}

Result<bool> VerifySignature(std::string_view public_key_pem, std::string_view message, std::string_view signature) {
  auto key = ParsePublicKey(public_key_pem);
  if (!key) return std::unexpected(key.error());
  auto c = NewSm2Context(key->get());
  if (!c) return std::unexpected(c.error());
  if (EVP_DigestVerifyInit(c->md.get(), nullptr, EVP_sm3(), nullptr, key->get()) != 1) {
    return Fail(Error::Internal("SM2 verification failed to start: " + OpenSslError()));
  }
  const int rc =
      EVP_DigestVerify(c->md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();  // a malformed signature queues a decoding error; it only means "invalid"
  return rc == 1;
}

Result<std::string> PublicKeyDer(std::string_view public_key_pem) {
  auto key = ParsePublicKey(public_key_pem);
  if (!key) return std::unexpected(key.error());
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key->get(), &der);
  if (n <= 0) return Fail(Error::Internal("cannot encode the SM2 public key: " + OpenSslError()));
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

Result<std::string> ReadPublicKeyPem(const std::filesystem::path& file) {
  auto text = ReadFile(file);
  if (!text) return std::unexpected(text.error());
  if (text->find("PUBLIC KEY-----") != std::string::npos) {
    if (auto der = PublicKeyDer(*text); !der) {
      Error e = der.error();
      e.message = file.string() + ": " + e.message;
      return Fail(std::move(e));
    }
    return text;
  }
  auto signer = AuditSigner::FromPem(*text);
  if (!signer) {
    Error e = signer.error();
    e.message = file.string() + ": " + e.message;
    return Fail(std::move(e));
  }
  return signer->public_key_pem();
}

std::filesystem::path GeneratedKeyPath(const std::filesystem::path& data_dir) {
  return data_dir / "keys" / "audit-sm2.pem";
}

Result<AuditSigner> LoadOrCreateSigner(const std::optional<std::filesystem::path>& key_file,
                                       const std::filesystem::path& data_dir, bool allow_generate) {
  if (key_file) return AuditSigner::FromPemFile(*key_file);
  if (!allow_generate) {
    return Fail(
        Error::Internal("PostgreSQL needs the shared audit signing key: set --audit-key-file (generate one with "
                        "`openssl genpkey -algorithm SM2 -out audit-sm2.pem`)"));
  }
  const auto path = GeneratedKeyPath(data_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    auto fresh = AuditSigner::Generate();
    if (!fresh) return std::unexpected(fresh.error());
    auto pem = fresh->PrivateKeyPem();
    if (!pem) return std::unexpected(pem.error());
    auto created = CreateSecretFile(path, *pem);
    if (!created) return std::unexpected(created.error());
    if (*created) {
      log::Warn("audit_key_created",
                {{"path", path.string()},
                 {"advice", "back this file up; checkpoints signed with it can be checked with its public key"}});
    }
  }
  return AuditSigner::FromPemFile(path);
}

}  // namespace wangban::audit
