// The byte encodings the audit trail hashes and signs (docs/audit.md, "What is hashed and
// signed"), SM3 over them, and the text forms of hashes and signatures. Kept apart from the
// storage code so that tests, and auditors re-implementing them, see exactly what is covered.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::audit::internal {

inline constexpr std::size_t kHashBytes = 32;  // SM3

// The fields of one record, as stored.
struct RecordFields {
  std::string_view id;
  std::string_view stream;
  std::int64_t seq = 0;
  std::int64_t at_us = 0;  // microseconds since the Unix epoch (UTC)
  std::string_view actor;
  std::string_view action;
  std::string_view subject;
  std::string_view details;
};

// The canonical bytes of a record: the tag "wangban.audit.record.v1", id, stream, seq, time,
// actor, action, subject, details. Texts are length-prefixed (u32 big-endian byte count, then
// the UTF-8 bytes), integers are 8-byte big-endian two's complement. No two different records
// have the same bytes.
std::string RecordBytes(const RecordFields& record);

// The 32 zero bytes that stand for "the hash before seq 1".
std::string GenesisHash();

// hash(seq n) = SM3(hash(seq n-1) as 32 raw bytes || RecordBytes(record n)), 32 raw bytes.
// REQUIRES: prev_hash.size() == kHashBytes (Internal error otherwise).
Result<std::string> ChainHash(std::string_view prev_hash, const RecordFields& record);

// The 32-byte SM3 digest of `data`.
Result<std::string> Sm3(std::string_view data);

// SM3 over data given in pieces (for checkpoints whose entries are read page by page).
class Sm3Stream {
 public:
  Sm3Stream();
  ~Sm3Stream();
  Sm3Stream(const Sm3Stream&) = delete;
  Sm3Stream& operator=(const Sm3Stream&) = delete;

  void Update(std::string_view data);
  // The digest of everything given so far; the stream cannot be used afterwards.
  Result<std::string> Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The bytes one checkpoint entry contributes to the checkpoint's streams digest: stream
// (length-prefixed), seq (u64), the stream's hash at seq (32 raw bytes).
std::string EntryBytes(std::string_view stream, std::int64_t seq, std::string_view hash);

// The prefix of a checkpoint's streams digest: the tag "wangban.audit.streams.v1" and the
// number of entries (u64); the entries follow in bytewise order of stream.
std::string EntriesPrefix(std::int64_t count);

// What a checkpoint signs.
struct StatementFields {
  std::int64_t seq = 0;
  std::int64_t at_us = 0;
  std::int64_t records = 0;
  std::int64_t streams = 0;
  std::string_view streams_sm3_hex;
  std::string_view previous_signature_base64;  // empty for the first checkpoint
};

// The signed statement: ASCII lines "key: value" separated by LF, no trailing LF, e.g.
//   wangban audit checkpoint v1
//   seq: 3
//   time_us: 1795136400000000
//   records: 1234
//   streams: 17
//   streams_sm3: <64 hex>
//   previous_signature: <base64 DER of checkpoint 2's signature, or "-">
std::string Statement(const StatementFields& fields);

// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// The bytes of lowercase hex; nullopt unless `hex` is an even number of [0-9a-f] characters.
std::optional<std::string> HexDecode(std::string_view hex);

// RFC 4648 base64 with padding, no line breaks; decoding refuses anything else.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace wangban::audit::internal
