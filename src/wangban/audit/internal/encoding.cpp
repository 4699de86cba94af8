// Canonical bytes, SM3 (OpenSSL 3), hex and base64 for the audit trail.
#include "wangban/audit/internal/encoding.hpp"

#include <openssl/evp.h>

#include <array>

namespace wangban::audit::internal {
namespace {

constexpr std::string_view kRecordTag = "wangban.audit.record.v1";
constexpr std::string_view kEntriesTag = "wangban.audit.streams.v1";

void PutU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void PutI64(std::string& out, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((u >> shift) & 0xff));
}

// Texts are bounded far below 4 GiB by Append's validation; a longer one could only come from
// a tampered row, and its prefix still differs from every honest encoding.
void PutText(std::string& out, std::string_view text) {
  PutU32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string RecordBytes(const RecordFields& r) {
  std::string out;
  out.reserve(kRecordTag.size() + r.id.size() + r.stream.size() + r.actor.size() + r.action.size() + r.subject.size() +
              r.details.size() + 7 * 4 + 2 * 8);
  PutText(out, kRecordTag);
  PutText(out, r.id);
  PutText(out, r.stream);
  PutI64(out, r.seq);
  PutI64(out, r.at_us);
  PutText(out, r.actor);
  PutText(out, r.action);
  PutText(out, r.subject);
  PutText(out, r.details);
  return out;
}

std::string GenesisHash() { return std::string(kHashBytes, '\0'); }

Result<std::string> ChainHash(std::string_view prev_hash, const RecordFields& record) {
  if (prev_hash.size() != kHashBytes) return Fail(Error::Internal("audit: a previous hash must have 32 bytes"));
  Sm3Stream sm3;
  sm3.Update(prev_hash);
  sm3.Update(RecordBytes(record));
  return sm3.Finish();
}

Result<std::string> Sm3(std::string_view data) {
  Sm3Stream sm3;
  sm3.Update(data);
  return sm3.Finish();
}

struct Sm3Stream::State {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx;
  bool ok = false;
};

Sm3Stream::Sm3Stream() : state_(std::make_unique<State>()) {
  state_->ctx.reset(EVP_MD_CTX_new());
  state_->ok = state_->ctx && EVP_DigestInit_ex(state_->ctx.get(), EVP_sm3(), nullptr) == 1;
}

Sm3Stream::~Sm3Stream() = default;

void Sm3Stream::Update(std::string_view data) {
  if (state_->ok && !data.empty()) state_->ok = EVP_DigestUpdate(state_->ctx.get(), data.data(), data.size()) == 1;
}

Result<std::string> Sm3Stream::Finish() {
  std::string out(kHashBytes, '\0');
  unsigned int len = 0;
  if (!state_->ok || EVP_DigestFinal_ex(state_->ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != kHashBytes) {
    state_->ok = false;
    return Fail(Error::Internal("SM3 is unavailable in OpenSSL"));
  }
  state_->ok = false;
  return out;
}

std::string EntryBytes(std::string_view stream, std::int64_t seq, std::string_view hash) {
  std::string out;
  out.reserve(4 + stream.size() + 8 + hash.size());
  PutText(out, stream);
  PutI64(out, seq);
  out.append(hash);
  return out;
}

std::string EntriesPrefix(std::int64_t count) {
  std::string out;
  PutText(out, kEntriesTag);
  PutI64(out, count);
  return out;
}

std::string Statement(const StatementFields& f) {
  std::string out = "wangban audit checkpoint v1";
  out += "\nseq: " + std::to_string(f.seq);
  out += "\ntime_us: " + std::to_string(f.at_us);
  out += "\nrecords: " + std::to_string(f.records);
  out += "\nstreams: " + std::to_string(f.streams);
  out += "\nstreams_sm3: ";
  out += f.streams_sm3_hex;
  out += "\nprevious_signature: ";
  out += f.previous_signature_base64.empty() ? std::string_view("-") : f.previous_signature_base64;
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

namespace {
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64[(v >> shift) & 0x3f]);
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out.push_back(kBase64[(v >> 18) & 0x3f]);
    out.push_back(kBase64[(v >> 12) & 0x3f]);
    out.push_back(rest == 2 ? kBase64[(v >> 6) & 0x3f] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::array<int, 256> value;
  value.fill(-1);
  for (std::size_t k = 0; k < kBase64.size(); ++k) value[static_cast<unsigned char>(kBase64[k])] = static_cast<int>(k);
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + static_cast<std::size_t>(k)];
      int d = 0;
      if (k >= 4 - pad) {
        if (c != '=') return std::nullopt;
      } else {
        d = value[static_cast<unsigned char>(c)];
        if (d < 0) return std::nullopt;
      }
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

}  // namespace wangban::audit::internal
