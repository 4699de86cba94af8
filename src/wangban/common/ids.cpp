// UUIDv7 generation.
#include "wangban/common/ids.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <stdexcept>

namespace wangban {
namespace {

void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium failed to initialise");  // not recoverable
}

}  // namespace

std::string NewId(const Clock& clock) {
  EnsureSodium();
  static std::mutex mutex;
  static std::uint64_t last_ms = 0;  // GUARDED_BY(mutex)
  static std::uint16_t counter = 0;  // GUARDED_BY(mutex), 12 bits
  std::uint64_t ms = static_cast<std::uint64_t>(ToMicros(clock.Now()) / 1000);
  std::uint16_t seq;
  {
    std::lock_guard lock(mutex);
    if (ms <= last_ms) {
      // Same millisecond (or the clock went back): keep order by counting on from the last id.
      ms = last_ms;
      if (++counter > 0x0FFF) {  // counter overflow: borrow the next millisecond
        ++ms;
        counter = 0;
      }
    } else {
      std::uint16_t r;
      randombytes_buf(&r, sizeof r);
      counter = r & 0x01FF;  // random start, leaving room to count within the millisecond
    }
    last_ms = ms;
    seq = counter;
  }
  std::array<unsigned char, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>(0x70 | ((seq >> 8) & 0x0F));
  b[7] = static_cast<unsigned char>(seq & 0xFF);
  randombytes_buf(b.data() + 8, 8);
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3F));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0F]);
  }
  return out;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string RandomHex(std::size_t bytes) {
  EnsureSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return ToHex(raw);
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0F]);
  }
  return out;
}

}  // namespace wangban
