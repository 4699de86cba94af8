// OpenSSL 3 and libsodium behind std::string interfaces.
#include "wangban/identity/internal/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <climits>
#include <memory>

namespace wangban::identity::internal {
namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

}  // namespace

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

Result<std::string> RandomBytes(std::size_t count) {
  if (!SodiumReady()) return Fail(Error::Internal("libsodium failed to initialise"));
  std::string out(count, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

Result<std::string> Sm3(std::string_view data) {
  std::string out(kSm3Bytes, '\0');
  unsigned int out_len = 0;
  if (EVP_Digest(data.data(), data.size(), MutableBytes(out), &out_len, EVP_sm3(), nullptr) != 1 ||
      out_len != kSm3Bytes) {
    return Fail(Error::Internal("SM3 is unavailable in OpenSSL"));
  }
  return out;
}

Result<std::string> HmacSm3(std::string_view key, std::string_view data) {
  if (key.size() > INT_MAX) return Fail(Error::Internal("HMAC-SM3 key too long"));
  std::string out(kSm3Bytes, '\0');
  unsigned int out_len = 0;
  if (HMAC(EVP_sm3(), key.data(), static_cast<int>(key.size()), Bytes(data), data.size(),
           MutableBytes(out), &out_len) == nullptr ||
      out_len != kSm3Bytes) {
    return Fail(Error::Internal("HMAC-SM3 is unavailable in OpenSSL"));
  }
  return out;
}

Result<std::string> Sm4Ctr(std::string_view key, std::string_view iv, std::string_view data) {
  if (key.size() != kSm4KeyBytes || iv.size() != kSm4BlockBytes) {
    return Fail(Error::Internal("SM4-CTR needs a 16-byte key and a 16-byte IV"));
  }
  // EVP_EncryptUpdate takes an int length; PII values are tiny, so refuse rather than chunk.
  if (data.size() > INT_MAX - kSm4BlockBytes) {
    return Fail(Error::Internal("SM4-CTR input too long"));
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(Error::Internal("out of memory for an SM4 context"));
  if (EVP_EncryptInit_ex(ctx.get(), EVP_sm4_ctr(), nullptr, Bytes(key), Bytes(iv)) != 1) {
    return Fail(Error::Internal("SM4-CTR is unavailable in OpenSSL"));
  }
  std::string out(data.size() + kSm4BlockBytes, '\0');
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptUpdate(ctx.get(), MutableBytes(out), &written, Bytes(data),
                        static_cast<int>(data.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), MutableBytes(out) + written, &final_written) != 1) {
    return Fail(Error::Internal("SM4-CTR failed"));
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0f]);
  }
  return out;
}

}  // namespace wangban::identity::internal
