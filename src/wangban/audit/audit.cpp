// Appending records and writing checkpoints (docs/audit.md). Verification is in verify.cpp.
#include "wangban/audit/audit.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "wangban/audit/internal/encoding.hpp"
#include "wangban/common/ids.hpp"

namespace wangban::audit {
namespace {

using storage::Backend;
using storage::Row;
using storage::Tx;

constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxActionBytes = 100;
constexpr std::size_t kMaxDetailsBytes = std::size_t{8} * 1024;

// ---- SQL. The same on both backends but for the row lock.

// Appends to one stream queue on its head row. SQLite has no row locks and needs none: its
// writers run one at a time.
constexpr std::string_view kLockHeadPg =
    "SELECT head_seq, head_hash FROM audit_streams WHERE stream = :stream FOR UPDATE";
constexpr std::string_view kReadHeadSqlite = "SELECT head_seq, head_hash FROM audit_streams WHERE stream = :stream";
constexpr std::string_view kInsertHead =
    "INSERT INTO audit_streams (stream, head_seq, head_hash, signed_seq) VALUES (:stream, :seq, :hash, 0)";
constexpr std::string_view kAdvanceHead =
    "UPDATE audit_streams SET head_seq = :seq, head_hash = :hash WHERE stream = :stream AND head_seq = :prev_seq";
constexpr std::string_view kInsertRecord =
    "INSERT INTO audit_records (stream, seq, id, at, actor, action, subject, details, hash)"
    " VALUES (:stream, :seq, :id, :at, :actor, :action, :subject, :details, :hash)";
constexpr std::string_view kListStream =
    "SELECT id, stream, seq, at, actor, action, subject, details, hash FROM audit_records"
    " WHERE stream = :stream ORDER BY seq";

constexpr std::string_view kLastCheckpoint =
    "SELECT seq, id, at, records, streams, statement, signature, public_key FROM audit_checkpoints"
    " ORDER BY seq DESC LIMIT 1";
// Streams with records no checkpoint signed yet; answered from the partial index
// audit_streams_unsigned, so the cost follows the number of changed streams, not of all streams.
constexpr std::string_view kUnsignedHeads =
    "SELECT stream, head_seq, head_hash, signed_seq FROM audit_streams WHERE head_seq > signed_seq ORDER BY stream";
constexpr std::string_view kInsertCheckpoint =
    "INSERT INTO audit_checkpoints (seq, id, at, records, streams, streams_sm3, statement, signature, public_key)"
    " VALUES (:seq, :id, :at, :records, :streams, :streams_sm3, :statement, :signature, :public_key)";
constexpr std::string_view kInsertEntry =
    "INSERT INTO audit_checkpoint_entries (checkpoint, stream, seq, hash) VALUES (:checkpoint, :stream, :seq, :hash)";
// Only ever raises signed_seq: a head that moved on after the read above stays unsigned.
constexpr std::string_view kMarkSigned =
    "UPDATE audit_streams SET signed_seq = :seq WHERE stream = :stream AND signed_seq < :below";

bool IsUniqueViolation(const Error& e) { return e.code == ErrorCode::kConflict && e.reason == "unique_violation"; }

Error Retry(std::string message) { return Error::Unavailable(std::move(message), "retry"); }

// Well-formed UTF-8 without C0 controls or DEL (no NUL, newlines or escapes in names).
bool IsCleanText(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    // n continuation bytes follow the lead byte, whose low bits start the code point.
    const std::size_t n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
    if (n == 0) return false;
    std::uint32_t cp = c & (0x3fu >> n);
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool IsActionName(std::string_view s) {
  return !s.empty() && s.size() <= kMaxActionBytes && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

// The record's details in canonical form (compact, keys sorted), or the reason it is invalid.
Result<std::string> CanonicalDetails(std::string_view text) {
  if (text.empty()) return std::string("{}");
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(Error::Internal("audit: details must be a JSON object"));
  }
  std::string out = doc.dump();
  if (out.size() > kMaxDetailsBytes) return Fail(Error::Internal("audit: details over 8 KiB"));
  return out;
}

Result<void> Validate(const Record& r) {
  auto name_ok = [](std::string_view s, bool allow_empty) {
    return (allow_empty || !s.empty()) && s.size() <= kMaxNameBytes && IsCleanText(s);
  };
  if (!name_ok(r.stream, false)) return Fail(Error::Internal("audit: invalid stream name"));
  if (!name_ok(r.actor, false)) return Fail(Error::Internal("audit: invalid actor"));
  if (!IsActionName(r.action)) return Fail(Error::Internal("audit: invalid action \"" + r.action + "\""));
  if (!name_ok(r.subject, true)) return Fail(Error::Internal("audit: invalid subject"));
  return {};
}

CheckpointInfo CheckpointFromRow(const Row& row, bool created) {
  CheckpointInfo info;
  info.seq = row.Int("seq");
  info.id = row.Text("id");
  info.at = FromMicros(row.Int("at"));
  info.records = row.Int("records");
  info.streams = row.Int("streams");
  info.created = created;
  if (row.Index("statement")) info.statement = row.Text("statement");
  if (row.Index("signature")) info.signature_base64 = row.Text("signature");
  if (row.Index("public_key")) info.public_key_pem = row.Text("public_key");
  return info;
}

std::string HeadKey(std::string_view stream) { return "audit.head:" + std::string(stream); }

struct StreamHead {
  std::int64_t seq = 0;  // 0: the stream has no record yet
  std::string hash_hex;
};

// The head of `stream` as this transaction left it, or read (and on PostgreSQL locked) now.
Result<StreamHead> Head(Tx& tx, std::string_view stream) {
  if (auto it = tx.scratch().find(HeadKey(stream)); it != tx.scratch().end()) {
    const auto space = it->second.find(' ');
    return StreamHead{std::stoll(it->second.substr(0, space)),
                      space == std::string::npos ? std::string() : it->second.substr(space + 1)};
  }
  auto row = tx.QueryOne(tx.backend() == Backend::kPostgresql ? kLockHeadPg : kReadHeadSqlite,
                         {{"stream", std::string(stream)}});
  if (!row) return std::unexpected(row.error());
  if (!*row) return StreamHead{};
  StreamHead head{(*row)->Int(0), (*row)->Text(1)};
  if (head.seq < 1) {
    return Fail(Error::Internal("audit: the head row of stream " + std::string(stream) +
                                " is damaged; run `wangban audit verify`"));
  }
  return head;
}

}  // namespace

Result<void> LockStream(Tx& tx, std::string_view stream) {
  auto head = Head(tx, stream);
  if (!head) return std::unexpected(head.error());
  // A stream without a head row yet is not locked: its first Append inserts the row (a
  // concurrent start of the stream is answered by "retry").
  if (head->seq > 0) tx.scratch()[HeadKey(stream)] = std::to_string(head->seq) + " " + head->hash_hex;
  return {};
}

Result<AppendedRecord> Append(Tx& tx, const Clock& clock, const Record& record) {
  if (auto v = Validate(record); !v) return std::unexpected(v.error());
  auto details = CanonicalDetails(record.details_json);
  if (!details) return std::unexpected(details.error());

  auto head = Head(tx, record.stream);
  if (!head) return std::unexpected(head.error());
  const std::int64_t prev_seq = head->seq;
  std::string prev_hash = internal::GenesisHash();
  if (prev_seq > 0) {
    auto raw = internal::HexDecode(head->hash_hex);
    if (!raw || raw->size() != internal::kHashBytes) {
      return Fail(Error::Internal("audit: the head row of stream " + record.stream +
                                  " is damaged; run `wangban audit verify`"));
    }
    prev_hash = std::move(*raw);
  }

  AppendedRecord out;
  out.id = NewId(clock);
  out.stream = record.stream;
  out.seq = prev_seq + 1;
  out.at = clock.Now();
  const internal::RecordFields fields{.id = out.id,
                                      .stream = record.stream,
                                      .seq = out.seq,
                                      .at_us = ToMicros(out.at),
                                      .actor = record.actor,
                                      .action = record.action,
                                      .subject = record.subject,
                                      .details = *details};
  auto hash = internal::ChainHash(prev_hash, fields);
  if (!hash) return std::unexpected(hash.error());
  out.hash = internal::HexEncode(*hash);

  if (prev_seq == 0) {
    auto inserted = tx.Exec(kInsertHead, {{"stream", record.stream}, {"seq", out.seq}, {"hash", out.hash}});
    if (!inserted) {
      // Another transaction started this stream first; run again and append after its record.
      if (IsUniqueViolation(inserted.error())) return Fail(Retry("audit: concurrent start of stream " + record.stream));
      return std::unexpected(inserted.error());
    }
  } else {
    // Deferred (on PostgreSQL sent with the transaction's next statement). The count is a guard
    // that cannot fire while the head row is locked by this transaction, which on PostgreSQL it
    // is: checked on SQLite only (where it costs nothing), so that on PostgreSQL the write can
    // go with the COMMIT.
    std::optional<std::int64_t> guard;
    if (tx.backend() == Backend::kSqlite) guard = 1;
    auto moved = tx.Defer(
        kAdvanceHead, {{"seq", out.seq}, {"hash", out.hash}, {"stream", record.stream}, {"prev_seq", prev_seq}},
        {.changes = guard, .otherwise = Retry("audit: concurrent append to stream " + record.stream)});
    if (!moved) return std::unexpected(moved.error());
  }
  tx.scratch()[HeadKey(record.stream)] = std::to_string(out.seq) + " " + out.hash;
  auto inserted = tx.Defer(kInsertRecord,
                           {{"stream", record.stream},
                            {"seq", out.seq},
                            {"id", out.id},
                            {"at", ToMicros(out.at)},
                            {"actor", record.actor},
                            {"action", record.action},
                            {"subject", record.subject},
                            {"details", *details},
                            {"hash", out.hash}},
                           {.on_unique_violation = Error::Internal(
                                "audit: stream " + record.stream + " already has a record " + std::to_string(out.seq) +
                                " beyond its head row; run `wangban audit verify`")});
  if (!inserted) return std::unexpected(inserted.error());
  return out;
}

Result<std::vector<StoredRecord>> ListStream(storage::Database& db, std::string_view stream) {
  return db.TransactValue<std::vector<StoredRecord>>(storage::kReadOnly,
                                                     [&](Tx& tx) -> Result<std::vector<StoredRecord>> {
                                                       auto rows = tx.Query(kListStream, {{"stream", stream}});
                                                       if (!rows) return std::unexpected(rows.error());
                                                       std::vector<StoredRecord> out;
                                                       out.reserve(rows->size());
                                                       for (const auto& row : *rows) {
                                                         out.push_back({.id = row.Text(0),
                                                                        .stream = row.Text(1),
                                                                        .seq = row.Int(2),
                                                                        .at = FromMicros(row.Int(3)),
                                                                        .actor = row.Text(4),
                                                                        .action = row.Text(5),
                                                                        .subject = row.Text(6),
                                                                        .details_json = row.Text(7),
                                                                        .hash = row.Text(8)});
                                                       }
                                                       return out;
                                                     });
}

AuditLog::AuditLog(storage::Database& db, const Clock& clock, AuditSigner signer,
                   std::vector<std::string> retired_public_keys)
    : db_(db), clock_(clock), signer_(std::move(signer)) {
  verify_options_.trusted_public_keys.push_back(signer_.public_key_pem());
  for (auto& key : retired_public_keys) verify_options_.trusted_public_keys.push_back(std::move(key));
}

Result<VerifyReport> AuditLog::Verify() { return VerifyAuditTrail(db_, verify_options_); }

Result<CheckpointInfo> AuditLog::Checkpoint() {
  return db_.TransactValue<CheckpointInfo>(storage::kReadWrite, [&](Tx& tx) -> Result<CheckpointInfo> {
    auto prev = tx.QueryOne(kLastCheckpoint);
    if (!prev) return std::unexpected(prev.error());
    auto heads = tx.Query(kUnsignedHeads);
    if (!heads) return std::unexpected(heads.error());
    if (heads->empty()) return *prev ? CheckpointFromRow(**prev, false) : CheckpointInfo{};

    struct Entry {
      std::string stream;
      std::int64_t seq;
      std::string hash_hex;
      std::int64_t signed_seq;
    };
    std::vector<Entry> entries;
    entries.reserve(heads->size());
    for (const auto& row : *heads) entries.push_back({row.Text(0), row.Int(1), row.Text(2), row.Int(3)});
    // Bytewise order, whatever the database's collation.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.stream < b.stream; });

    CheckpointInfo info;
    info.seq = *prev ? (*prev)->Int("seq") + 1 : 1;
    info.id = NewId(clock_);
    info.at = clock_.Now();
    info.records = *prev ? (*prev)->Int("records") : 0;
    info.streams = static_cast<std::int64_t>(entries.size());
    info.created = true;
    info.public_key_pem = signer_.public_key_pem();
    internal::Sm3Stream sm3;
    sm3.Update(internal::EntriesPrefix(info.streams));
    for (const auto& e : entries) {
      auto raw = internal::HexDecode(e.hash_hex);
      if (!raw || raw->size() != internal::kHashBytes || e.signed_seq < 0) {
        return Fail(
            Error::Internal("audit: the head row of stream " + e.stream + " is damaged; run `wangban audit verify`"));
      }
      sm3.Update(internal::EntryBytes(e.stream, e.seq, *raw));
      info.records += e.seq - e.signed_seq;
    }
    auto digest = sm3.Finish();
    if (!digest) return std::unexpected(digest.error());
    const std::string digest_hex = internal::HexEncode(*digest);
    const std::string previous_signature = *prev ? (*prev)->Text("signature") : std::string();
    info.statement = internal::Statement({.seq = info.seq,
                                          .at_us = ToMicros(info.at),
                                          .records = info.records,
                                          .streams = info.streams,
                                          .streams_sm3_hex = digest_hex,
                                          .previous_signature_base64 = previous_signature});
    auto signature = signer_.Sign(info.statement);
    if (!signature) return std::unexpected(signature.error());
    info.signature_base64 = internal::Base64Encode(*signature);

    // The checkpoint row first: a concurrent checkpointer conflicts here, before touching heads.
    auto inserted = tx.Exec(kInsertCheckpoint, {{"seq", info.seq},
                                                {"id", info.id},
                                                {"at", ToMicros(info.at)},
                                                {"records", info.records},
                                                {"streams", info.streams},
                                                {"streams_sm3", digest_hex},
                                                {"statement", info.statement},
                                                {"signature", info.signature_base64},
                                                {"public_key", info.public_key_pem}});
    if (!inserted) {
      if (IsUniqueViolation(inserted.error())) return Fail(Retry("audit: concurrent checkpoint"));
      return std::unexpected(inserted.error());
    }
    for (const auto& e : entries) {
      auto entry =
          tx.Exec(kInsertEntry, {{"checkpoint", info.seq}, {"stream", e.stream}, {"seq", e.seq}, {"hash", e.hash_hex}});
      if (!entry) return std::unexpected(entry.error());
      auto marked = tx.Exec(kMarkSigned, {{"seq", e.seq}, {"stream", e.stream}, {"below", e.seq}});
      if (!marked) return std::unexpected(marked.error());
      if (*marked != 1) return Fail(Retry("audit: concurrent checkpoint"));
    }
    return info;
  });
}

}  // namespace wangban::audit
