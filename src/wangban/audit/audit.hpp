// The tamper-evident audit trail (人过留迹、事过留痕): every state change, and every time staff
// open a case or download its materials, appends a record in the same transaction as the change.
//
// Records form one hash chain per STREAM (a case id, or "system"), numbered 1, 2, 3, ... :
// hash = SM3(previous hash || canonical bytes of the record) (internal/encoding.hpp). Chains per
// stream let writers of different cases commit in parallel. Periodic checkpoints sign, with SM2,
// the head (seq, hash) of every stream that changed since the previous checkpoint, and chain to
// that checkpoint's signature. Verify walks everything and reports the first bad record.
//
// What it proves and what it does not (docs/audit.md): any edit, deletion, reordering or insertion
// before a stream's last checkpointed record is detected, and so is the loss of a whole stream
// or of a checkpoint before the last one. Records appended after the last checkpoint are only as
// safe as the database: someone able to write the tables can cut them off or append well-formed
// ones without detection. Hence Checkpoint() runs every kRecommendedCheckpointInterval.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/audit/signer.hpp"
#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::audit {

inline constexpr std::string_view kSystemStream = "system";
inline constexpr std::string_view kSystemActor = "system";

// How often the checkpoint job should run: it bounds the window in which appended records can
// be removed without a trace.
inline constexpr std::chrono::minutes kRecommendedCheckpointInterval{1};

// One record to append.
struct Record {
  std::string stream;        // a case id, or "system"; 1-200 bytes of UTF-8, no control characters
  std::string actor;         // a user id, or "system"; 1-200 bytes
  std::string action;        // e.g. "case.submitted", "case.opened", "material.downloaded": 1-100 of [a-z0-9._-]
  std::string subject;       // e.g. the case number; 0-200 bytes
  std::string details_json;  // a JSON object without personal data, at most 8 KiB; "" means {}
};

struct AppendedRecord {
  std::string id;  // UUIDv7
  std::string stream;
  std::int64_t seq = 0;
  Timestamp at;
  std::string hash;  // 64 lowercase hex
};

struct StoredRecord {
  std::string id;
  std::string stream;
  std::int64_t seq = 0;
  Timestamp at;
  std::string actor;
  std::string action;
  std::string subject;
  std::string details_json;  // the canonical form stored: compact, keys sorted
  std::string hash;
};

// Appends `record` to its stream inside the caller's transaction: it is committed, or rolled
// back, with the change it records. Appends to one stream are serialized by a lock on the
// stream's head row (PostgreSQL: SELECT ... FOR UPDATE; SQLite writers are serial anyway), so
// they never rely on the caller's own row locks. Two transactions that both start a NEW stream
// collide on its head row: the later one fails with kUnavailable "retry", which Transact
// answers by running the callback again, so return Append's errors from the callback as they
// are. The unique key (stream, seq) backs this up should the head row ever be wrong.
// REQUIRES: `tx` is a write transaction.
// Errors: kInternal for an invalid record (a caller's bug: see Record's limits), or when the
// stream's head row disagrees with its records; database errors as they come.
Result<AppendedRecord> Append(storage::Tx& tx, const Clock& clock, const Record& record);

// Locks the head row of `stream` for the rest of the transaction (PostgreSQL: SELECT ... FOR
// UPDATE) and keeps the head in the transaction (Tx::scratch), as Append does after each record:
// an Append later in the transaction reads nothing, and on PostgreSQL its writes go with the
// COMMIT. For a transaction about to take a contended lock (a case number), so that the
// stream's read comes before it. REQUIRES: `tx` is a write transaction.
Result<void> LockStream(storage::Tx& tx, std::string_view stream);

// Every record of `stream` in seq order (empty if there is none). Records are not verified here.
Result<std::vector<StoredRecord>> ListStream(storage::Database& db, std::string_view stream);

struct CheckpointInfo {
  std::int64_t seq = 0;  // 1, 2, 3, ...; 0 when there is no checkpoint at all
  std::string id;
  Timestamp at;
  std::int64_t records = 0;  // records covered, over all streams
  std::int64_t streams = 0;  // streams whose head this checkpoint signs (those that changed)
  // False when nothing changed since the previous checkpoint: no new one was written and this
  // describes the previous one.
  bool created = false;
  std::string statement;         // the signed text (internal/encoding.hpp: Statement)
  std::string signature_base64;  // DER, base64
  std::string public_key_pem;
};

// The first problem Verify found. Reason codes (stable; docs/audit.md):
//   hash_mismatch            the record's hash is not SM3(previous hash || record): edited,
//                            reordered, or inserted (a shifted record no longer fits its place)
//   seq_gap                  seq jumps past missing records (deleted)
//   duplicate_seq            two records share a seq (only possible after a schema change)
//   checkpoint_mismatch      the record at a signed position differs from what was signed (the
//                            chain from there back was rewritten)
//   truncated                the stream ends before a position a checkpoint signed, or before
//                            its head row says it ends
//   missing_stream           a checkpoint or head row names a stream that has no records
//   head_mismatch            the stream's head row disagrees with its records (a record beyond
//                            it was inserted, or the row was edited)
//   checkpoint_gap           checkpoint numbers jump (one was deleted)
//   bad_checkpoint           a checkpoint's row, entries or link to the previous signature do
//                            not match its signed statement
//   bad_checkpoint_signature the signature does not verify
//   untrusted_checkpoint_key signed by a key that is neither the configured nor a retired one
struct BadRecord {
  std::string reason;
  std::string id;        // the record (or checkpoint) where it shows; empty when none exists
  std::string stream;    // empty for checkpoint problems
  std::int64_t seq = 0;  // the record's seq (for truncated/missing_stream: the signed seq that
                         // is missing), or the checkpoint's seq for checkpoint problems
  std::string message;   // for people
};

struct VerifyReport {
  bool ok = true;
  std::int64_t records = 0;
  std::int64_t streams = 0;
  std::int64_t checkpoints = 0;
  // Records after their stream's last checkpointed one: not yet protected against truncation.
  std::int64_t unsigned_records = 0;
  std::optional<CheckpointInfo> last_checkpoint;  // statement and signature left empty
  std::int64_t problems = 0;                      // all problems found (the walk goes on past the first)
  std::optional<BadRecord> first_bad;
};

struct VerifyOptions {
  // Public keys (PEM) whose checkpoints are trusted: the current one and retired ones. When
  // empty, each signature is checked against the key stored beside it, which detects edits but
  // not a forger who re-signs everything with a key of his own; give the key whenever you can.
  std::vector<std::string> trusted_public_keys;
};

// Walks every checkpoint and every stream in one consistent snapshot (PostgreSQL: a
// SERIALIZABLE READ ONLY transaction) and reports what it found. Memory stays bounded (rows are
// read in pages). Errors: database errors only; damage is reported in the VerifyReport.
Result<VerifyReport> VerifyAuditTrail(storage::Database& db, const VerifyOptions& options);

// The audit trail with its signing key, for the checkpoint job and the verify route. Thread-safe.
class AuditLog {
 public:
  // `retired_public_keys`: PEM public keys of earlier signing keys whose checkpoints stay trusted.
  AuditLog(storage::Database& db, const Clock& clock, AuditSigner signer,
           std::vector<std::string> retired_public_keys = {});

  // Signs the heads of the streams that changed since the previous checkpoint, in one
  // transaction. When none did, writes nothing and returns the previous checkpoint with
  // created == false. Concurrent calls (several nodes) are safe: the loser retries and then
  // finds nothing new. Errors: database errors; kInternal if signing fails.
  Result<CheckpointInfo> Checkpoint();

  // VerifyAuditTrail trusting the signer's public key and the retired ones.
  Result<VerifyReport> Verify();

  const AuditSigner& signer() const { return signer_; }

 private:
  storage::Database& db_;
  const Clock& clock_;
  AuditSigner signer_;
  VerifyOptions verify_options_;
};

// `wangban audit verify`: prints one summary line to `out` and returns 0 when the trail is
// intact; prints the first bad record and returns 1 when it is not; prints the error to `err`
// and returns 2 when it could not verify (database unreachable).
int RunAuditVerify(storage::Database& db, std::ostream& out, std::ostream& err, const VerifyOptions& options = {});

// The three files an operator needs to check a checkpoint with the openssl CLI alone.
struct CheckpointFiles {
  std::int64_t seq = 0;
  std::filesystem::path statement;   // statement.txt: the signed bytes
  std::filesystem::path signature;   // signature.der
  std::filesystem::path public_key;  // public.pem: the key stored with the checkpoint
};

// Writes checkpoint `seq` (the latest when nullopt) into `dir` (created if needed).
// Errors: kNotFound without such a checkpoint; kInternal if the files cannot be written.
Result<CheckpointFiles> ExportCheckpoint(storage::Database& db, std::optional<std::int64_t> seq,
                                         const std::filesystem::path& dir);

// `wangban audit export-checkpoint [--seq N] --out DIR`: ExportCheckpoint, then prints the
// openssl command that verifies it. Returns 0, or 1 with the error on `err`.
int RunAuditExportCheckpoint(storage::Database& db, std::optional<std::int64_t> seq, const std::filesystem::path& dir,
                             std::ostream& out, std::ostream& err);

}  // namespace wangban::audit
