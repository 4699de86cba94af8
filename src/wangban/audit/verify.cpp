// Verification of the whole audit trail, the `wangban audit verify` command and the export of a
// checkpoint for the openssl CLI (docs/audit.md).
#include <algorithm>
#include <fstream>
#include <functional>
#include <ostream>
#include <set>

#include "wangban/audit/audit.hpp"
#include "wangban/audit/internal/encoding.hpp"

namespace wangban::audit {
namespace {

using storage::Backend;
using storage::Row;
using storage::Rows;
using storage::Tx;

constexpr std::int64_t kRecordPage = 2000;
constexpr std::int64_t kStreamPage = 2000;
constexpr std::int64_t kCheckpointPage = 200;

// ---- SQL. Every walk is keyset-paged in bytewise order of stream (PostgreSQL columns are
// COLLATE "C"; SQLite compares text with memcmp), which is also std::string's order.

constexpr std::string_view kCheckpointsSqlite =
    "SELECT seq, id, at, records, streams, streams_sm3, statement, signature, public_key FROM audit_checkpoints"
    " WHERE seq > :after ORDER BY seq LIMIT :limit";
constexpr std::string_view kCheckpointsPg =
    "SELECT seq, id, at, records, streams, streams_sm3, statement, signature, public_key FROM audit_checkpoints"
    " WHERE seq > CAST(:after AS BIGINT) ORDER BY seq LIMIT :limit";

constexpr std::string_view kEntriesSqlite =
    "SELECT stream, seq, hash FROM audit_checkpoint_entries WHERE checkpoint = :checkpoint AND stream > :after"
    " ORDER BY stream LIMIT :limit";
constexpr std::string_view kEntriesPg =
    "SELECT stream, seq, hash FROM audit_checkpoint_entries"
    " WHERE checkpoint = CAST(:checkpoint AS BIGINT) AND stream > CAST(:after AS TEXT) ORDER BY stream LIMIT :limit";

constexpr std::string_view kRecordsSqlite =
    "SELECT id, stream, seq, at, actor, action, subject, details, hash FROM audit_records"
    " WHERE (stream, seq) > (:after_stream, :after_seq) ORDER BY stream, seq LIMIT :limit";
constexpr std::string_view kRecordsPg =
    "SELECT id, stream, seq, at, actor, action, subject, details, hash FROM audit_records"
    " WHERE (stream, seq) > (CAST(:after_stream AS TEXT), CAST(:after_seq AS BIGINT)) ORDER BY stream, seq"
    " LIMIT :limit";

// The latest signed position of each stream.
constexpr std::string_view kLatestEntriesSqlite =
    "SELECT e.stream, e.seq, e.hash, e.checkpoint FROM audit_checkpoint_entries e WHERE e.stream > :after"
    " AND e.seq = (SELECT MAX(f.seq) FROM audit_checkpoint_entries f WHERE f.stream = e.stream)"
    " ORDER BY e.stream LIMIT :limit";
constexpr std::string_view kLatestEntriesPg =
    "SELECT e.stream, e.seq, e.hash, e.checkpoint FROM audit_checkpoint_entries e WHERE e.stream > CAST(:after AS TEXT)"
    " AND e.seq = (SELECT MAX(f.seq) FROM audit_checkpoint_entries f WHERE f.stream = e.stream)"
    " ORDER BY e.stream LIMIT :limit";

constexpr std::string_view kHeadsSqlite =
    "SELECT stream, head_seq, head_hash, signed_seq FROM audit_streams WHERE stream > :after ORDER BY stream"
    " LIMIT :limit";
constexpr std::string_view kHeadsPg =
    "SELECT stream, head_seq, head_hash, signed_seq FROM audit_streams WHERE stream > CAST(:after AS TEXT)"
    " ORDER BY stream LIMIT :limit";

constexpr std::string_view kCheckpointBySeq =
    "SELECT seq, statement, signature, public_key FROM audit_checkpoints WHERE seq = :seq";
constexpr std::string_view kLatestCheckpoint =
    "SELECT seq, statement, signature, public_key FROM audit_checkpoints ORDER BY seq DESC LIMIT 1";

// Rows of a keyset-paged query, one at a time. `fetch` gets the last row of the previous page
// (null for the first) and returns the next page.
class Cursor {
 public:
  using Fetch = std::function<Result<Rows>(const Row* last)>;
  Cursor(std::int64_t page_size, Fetch fetch) : page_size_(page_size), fetch_(std::move(fetch)) {}

  // The current row, or null at the end.
  Result<const Row*> Peek() {
    if (pos_ < page_.size()) return &page_[pos_];
    if (done_) return nullptr;
    auto next = fetch_(page_.empty() ? nullptr : &page_.back());
    if (!next) return std::unexpected(next.error());
    done_ = static_cast<std::int64_t>(next->size()) < page_size_;
    if (next->empty()) {
      done_ = true;
      return nullptr;
    }
    page_ = std::move(*next);
    pos_ = 0;
    return &page_[pos_];
  }
  // REQUIRES: Peek() returned a row.
  void Pop() { ++pos_; }

 private:
  std::int64_t page_size_;
  Fetch fetch_;
  Rows page_;
  std::size_t pos_ = 0;
  bool done_ = false;
};

struct Entry {
  std::int64_t seq = 0;
  std::string hash;
  std::int64_t checkpoint = 0;
};

struct Head {
  std::int64_t head_seq = 0;
  std::string head_hash;
  std::int64_t signed_seq = 0;
};

class Verifier {
 public:
  Verifier(Tx& tx, const VerifyOptions& options) : tx_(tx), pg_(tx.backend() == Backend::kPostgresql) {
    for (const auto& pem : options.trusted_public_keys) {
      // A key that does not parse trusts nothing; every checkpoint will show as untrusted.
      if (auto der = PublicKeyDer(pem)) trusted_.insert(std::move(*der));
    }
    check_keys_ = !options.trusted_public_keys.empty();
  }

  Result<VerifyReport> Run() {
    if (auto r = Checkpoints(); !r) return std::unexpected(r.error());
    if (auto r = Streams(); !r) return std::unexpected(r.error());
    if (report_.last_checkpoint && signed_total_ != report_.last_checkpoint->records) {
      Problem({.reason = "bad_checkpoint",
               .id = report_.last_checkpoint->id,
               .seq = report_.last_checkpoint->seq,
               .message = "the last checkpoint covers " + std::to_string(report_.last_checkpoint->records) +
                          " records but the signed positions of the streams add up to " +
                          std::to_string(signed_total_)});
    }
    return std::move(report_);
  }

 private:
  void Problem(BadRecord bad) {
    report_.ok = false;
    ++report_.problems;
    if (!report_.first_bad) report_.first_bad = std::move(bad);
  }

  // ---- Checkpoints: numbering, the link to the previous signature, the entries digest, the
  // statement and its signature.
  Result<void> Checkpoints() {
    std::int64_t expected = 1;
    std::string previous_signature;
    Cursor cursor(kCheckpointPage, [&](const Row* last) {
      return tx_.Query(pg_ ? kCheckpointsPg : kCheckpointsSqlite,
                       {{"after", last ? last->Int(0) : std::int64_t{0}}, {"limit", kCheckpointPage}});
    });
    while (true) {
      auto row = cursor.Peek();
      if (!row) return std::unexpected(row.error());
      if (!*row) return {};
      const Row& r = **row;
      CheckpointInfo info;
      info.seq = r.Int(0);
      info.id = r.Text(1);
      info.at = FromMicros(r.Int(2));
      info.records = r.Int(3);
      info.streams = r.Int(4);
      const std::string streams_sm3 = r.Text(5);
      const std::string statement = r.Text(6);
      const std::string signature = r.Text(7);
      const std::string public_key = r.Text(8);
      ++report_.checkpoints;
      auto bad = [&](std::string reason, std::string message) {
        Problem({.reason = std::move(reason), .id = info.id, .seq = info.seq, .message = std::move(message)});
      };

      if (info.seq != expected) {
        bad("checkpoint_gap", "checkpoint " + std::to_string(info.seq) + " follows checkpoint " +
                                  std::to_string(expected - 1) + ": checkpoints in between are missing");
      }
      expected = info.seq + 1;

      auto digest = EntriesDigest(info.seq, info.streams);
      if (!digest) return std::unexpected(digest.error());
      const std::string rebuilt = internal::Statement({.seq = info.seq,
                                                       .at_us = ToMicros(info.at),
                                                       .records = info.records,
                                                       .streams = info.streams,
                                                       .streams_sm3_hex = streams_sm3,
                                                       .previous_signature_base64 = previous_signature});
      const std::string link =
          "\nprevious_signature: " + (previous_signature.empty() ? std::string("-") : previous_signature);
      if (!digest->valid || digest->hex != streams_sm3) {
        bad("bad_checkpoint",
            "the stream heads stored with checkpoint " + std::to_string(info.seq) + " are not the ones it signed");
      } else if (!statement.ends_with(link)) {
        bad("bad_checkpoint",
            "checkpoint " + std::to_string(info.seq) + " does not chain to the signature of the checkpoint before it");
      } else if (rebuilt != statement) {
        bad("bad_checkpoint", "the columns of checkpoint " + std::to_string(info.seq) + " differ from its statement");
      } else {
        CheckSignature(info, statement, signature, public_key, bad);
      }
      previous_signature = signature;
      report_.last_checkpoint = std::move(info);
      cursor.Pop();
    }
  }

  struct Digest {
    bool valid = true;  // false when an entry's hash is not 64 hex digits or the count is off
    std::string hex;
  };

  Result<Digest> EntriesDigest(std::int64_t checkpoint, std::int64_t declared_count) {
    Digest out;
    internal::Sm3Stream sm3;
    sm3.Update(internal::EntriesPrefix(declared_count));
    std::int64_t count = 0;
    Cursor cursor(kStreamPage, [&](const Row* last) {
      return tx_.Query(
          pg_ ? kEntriesPg : kEntriesSqlite,
          {{"checkpoint", checkpoint}, {"after", last ? last->Text(0) : std::string()}, {"limit", kStreamPage}});
    });
    while (true) {
      auto row = cursor.Peek();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const Row& r = **row;
      auto raw = internal::HexDecode(r.Text(2));
      if (!raw || raw->size() != internal::kHashBytes) {
        out.valid = false;
      } else {
        sm3.Update(internal::EntryBytes(r.Text(0), r.Int(1), *raw));
      }
      ++count;
      cursor.Pop();
    }
    auto digest = sm3.Finish();
    if (!digest) return std::unexpected(digest.error());
    out.hex = internal::HexEncode(*digest);
    if (count != declared_count) out.valid = false;
    return out;
  }

  template <typename Bad>
  void CheckSignature(const CheckpointInfo& info, const std::string& statement, const std::string& signature,
                      const std::string& public_key, Bad& bad) {
    auto der = PublicKeyDer(public_key);
    if (!der) {
      bad("untrusted_checkpoint_key",
          "the key stored with checkpoint " + std::to_string(info.seq) + " is not an SM2 public key");
      return;
    }
    if (check_keys_ && !trusted_.contains(*der)) {
      bad("untrusted_checkpoint_key",
          "checkpoint " + std::to_string(info.seq) + " was signed by a key that is not trusted");
      return;
    }
    auto sig = internal::Base64Decode(signature);
    auto valid = sig ? VerifySignature(public_key, statement, *sig) : Result<bool>(false);
    if (!valid || !*valid) {
      bad("bad_checkpoint_signature", "the signature of checkpoint " + std::to_string(info.seq) + " does not verify");
    }
  }

  // ---- Streams: the records of each stream in seq order, merged with the stream's latest
  // signed position and its head row.
  Result<void> Streams() {
    Cursor records(kRecordPage, [&](const Row* last) {
      return tx_.Query(pg_ ? kRecordsPg : kRecordsSqlite, {{"after_stream", last ? last->Text(1) : std::string()},
                                                           {"after_seq", last ? last->Int(2) : std::int64_t{0}},
                                                           {"limit", kRecordPage}});
    });
    Cursor entries(kStreamPage, [&](const Row* last) {
      return tx_.Query(pg_ ? kLatestEntriesPg : kLatestEntriesSqlite,
                       {{"after", last ? last->Text(0) : std::string()}, {"limit", kStreamPage}});
    });
    Cursor heads(kStreamPage, [&](const Row* last) {
      return tx_.Query(pg_ ? kHeadsPg : kHeadsSqlite,
                       {{"after", last ? last->Text(0) : std::string()}, {"limit", kStreamPage}});
    });
    while (true) {
      auto r = records.Peek();
      if (!r) return std::unexpected(r.error());
      auto e = entries.Peek();
      if (!e) return std::unexpected(e.error());
      auto h = heads.Peek();
      if (!h) return std::unexpected(h.error());
      if (!*r && !*e && !*h) return {};
      // The next stream in order, from whichever source names it first.
      std::optional<std::string> next_stream;
      auto consider = [&](const Row* row, std::size_t column) {
        if (!row) return;
        std::string name = row->Text(column);
        if (!next_stream || name < *next_stream) next_stream = std::move(name);
      };
      consider(*r, 1);
      consider(*e, 0);
      consider(*h, 0);
      const std::string stream = std::move(*next_stream);

      std::optional<Entry> entry;
      while (true) {
        auto next = entries.Peek();
        if (!next) return std::unexpected(next.error());
        if (!*next || (*next)->Text(0) != stream) break;
        // Two checkpoints signing one position is itself damage, caught by their digests; the
        // first row stands for both.
        if (!entry) entry = Entry{(*next)->Int(1), (*next)->Text(2), (*next)->Int(3)};
        entries.Pop();
      }
      std::optional<Head> head;
      if (*h && (*h)->Text(0) == stream) {
        head = Head{(*h)->Int(1), (*h)->Text(2), (*h)->Int(3)};
        heads.Pop();
      }
      if (auto walked = Stream(stream, records, entry, head); !walked) return walked;
    }
  }

  Result<void> Stream(const std::string& stream, Cursor& records, const std::optional<Entry>& entry,
                      const std::optional<Head>& head) {
    std::int64_t count = 0;
    std::int64_t last_seq = 0;
    std::string last_hash;
    std::string last_id;
    std::string first_beyond_head;  // id of the record right after the head row's seq
    std::optional<std::string> prev_raw = internal::GenesisHash();
    auto bad = [&](std::string reason, std::string id, std::int64_t seq, std::string message) {
      Problem({.reason = std::move(reason),
               .id = std::move(id),
               .stream = stream,
               .seq = seq,
               .message = std::move(message)});
    };

    while (true) {
      auto next = records.Peek();
      if (!next) return std::unexpected(next.error());
      if (!*next || (*next)->Text(1) != stream) break;
      const Row& row = **next;
      const std::string id = row.Text(0);
      const std::int64_t seq = row.Int(2);
      const std::string details = row.Text(7);
      const std::string hash = row.Text(8);
      const std::string actor = row.Text(4), action = row.Text(5), subject = row.Text(6);
      ++report_.records;

      bool chain_checkable = true;
      if (count > 0 && seq == last_seq) {
        bad("duplicate_seq", id, seq, "two records have seq " + std::to_string(seq));
        chain_checkable = false;
      } else if (seq != last_seq + 1) {
        bad("seq_gap", id, seq,
            last_seq + 1 == seq - 1
                ? "record " + std::to_string(last_seq + 1) + " is missing"
                : "records " + std::to_string(last_seq + 1) + " to " + std::to_string(seq - 1) + " are missing");
        chain_checkable = false;  // its predecessor is gone: nothing to chain it to
      }
      if (chain_checkable && prev_raw) {
        auto expected = internal::ChainHash(*prev_raw, {.id = id,
                                                        .stream = stream,
                                                        .seq = seq,
                                                        .at_us = row.Int(3),
                                                        .actor = actor,
                                                        .action = action,
                                                        .subject = subject,
                                                        .details = details});
        if (!expected) return std::unexpected(expected.error());
        if (internal::HexDecode(hash) != *expected) {
          bad("hash_mismatch", id, seq,
              "the record's hash is not SM3 of the previous hash and its content: it was changed or moved");
        }
      }
      if (entry && seq == entry->seq && hash != entry->hash) {
        bad("checkpoint_mismatch", id, seq,
            "checkpoint " + std::to_string(entry->checkpoint) + " signed a different record at this position");
      }
      if (head && seq == head->head_seq + 1) first_beyond_head = id;
      prev_raw = internal::HexDecode(hash);
      if (prev_raw && prev_raw->size() != internal::kHashBytes) prev_raw.reset();
      if (count == 0 || seq > last_seq) {
        last_seq = seq;
        last_hash = hash;
        last_id = id;
      }
      ++count;
      records.Pop();
    }

    const std::int64_t signed_seq = entry ? entry->seq : 0;
    signed_total_ += signed_seq;
    if (count > 0) {
      ++report_.streams;
      if (last_seq > signed_seq) report_.unsigned_records += last_seq - signed_seq;
    }
    if (count == 0) {
      if (entry) {
        bad("missing_stream", "", entry->seq,
            "checkpoint " + std::to_string(entry->checkpoint) + " signed this stream up to seq " +
                std::to_string(entry->seq) + " but it has no records");
      } else if (head) {
        bad("missing_stream", "", head->head_seq,
            "the stream's head row counts " + std::to_string(head->head_seq) + " records but it has none");
      }
      return {};
    }
    if (entry && last_seq < entry->seq) {
      bad("truncated", "", entry->seq,
          "the stream ends at seq " + std::to_string(last_seq) + " but checkpoint " +
              std::to_string(entry->checkpoint) + " signed it up to seq " + std::to_string(entry->seq));
    }
    if (!head) {
      bad("head_mismatch", last_id, last_seq, "the stream has no head row");
    } else if (head->head_seq > last_seq) {
      if (!(entry && last_seq < entry->seq)) {
        bad("truncated", "", head->head_seq,
            "the stream ends at seq " + std::to_string(last_seq) + " but its head row says " +
                std::to_string(head->head_seq));
      }
    } else if (head->head_seq < last_seq) {
      bad("head_mismatch", first_beyond_head, head->head_seq + 1,
          "records after the stream's head row (seq " + std::to_string(head->head_seq) + ") were added");
    } else if (head->head_hash != last_hash) {
      bad("head_mismatch", last_id, last_seq, "the head row's hash differs from the last record's");
    }
    if (head && head->signed_seq != signed_seq) {
      bad("head_mismatch", last_id, last_seq,
          "the head row says seq " + std::to_string(head->signed_seq) + " is signed, the checkpoints say " +
              std::to_string(signed_seq));
    }
    return {};
  }

  Tx& tx_;
  bool pg_;
  std::set<std::string> trusted_;
  bool check_keys_ = false;
  std::int64_t signed_total_ = 0;
  VerifyReport report_;
};

std::string Describe(const BadRecord& bad) {
  std::string out = bad.reason + " at ";
  if (bad.stream.empty()) {
    out += "checkpoint " + std::to_string(bad.seq);
  } else {
    out += "stream " + bad.stream + " seq " + std::to_string(bad.seq);
  }
  if (!bad.id.empty()) out += " (id " + bad.id + ")";
  return out + ": " + bad.message;
}

}  // namespace

Result<VerifyReport> VerifyAuditTrail(storage::Database& db, const VerifyOptions& options) {
  // One snapshot for the whole walk: a checkpoint and the heads it marked signed are seen
  // together or not at all.
  return db.TransactValue<VerifyReport>(storage::TxOptions{.write = false, .serializable = true},
                                        [&](Tx& tx) { return Verifier(tx, options).Run(); });
}

int RunAuditVerify(storage::Database& db, std::ostream& out, std::ostream& err, const VerifyOptions& options) {
  if (options.trusted_public_keys.empty()) {
    err << "warning: checkpoint signatures are checked against the keys stored with them; pass the public key to "
           "check that they are yours\n";
  }
  auto report = VerifyAuditTrail(db, options);
  if (!report) {
    err << "wangban audit verify: " << report.error().message << "\n";
    return 2;
  }
  const std::string counts = std::to_string(report->records) + " records in " + std::to_string(report->streams) +
                             " streams, " + std::to_string(report->checkpoints) + " checkpoints";
  if (report->ok) {
    out << "audit trail intact: " << counts;
    if (report->last_checkpoint) {
      out << " (last " << report->last_checkpoint->seq << " at " << FormatRfc3339(report->last_checkpoint->at) << "; "
          << report->unsigned_records << " records since)";
    } else {
      out << " (no checkpoint yet)";
    }
    out << "\n";
    return 0;
  }
  out << "audit trail DAMAGED: " << Describe(*report->first_bad) << "\n";
  out << report->problems << (report->problems == 1 ? " problem" : " problems") << " in " << counts << "\n";
  return 1;
}

Result<CheckpointFiles> ExportCheckpoint(storage::Database& db, std::optional<std::int64_t> seq,
                                         const std::filesystem::path& dir) {
  auto row = db.TransactValue<std::optional<Row>>(storage::kReadOnly, [&](Tx& tx) {
    return seq ? tx.QueryOne(kCheckpointBySeq, {{"seq", *seq}}) : tx.QueryOne(kLatestCheckpoint);
  });
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    return Fail(Error::NotFound(seq ? "no checkpoint " + std::to_string(*seq) : std::string("no checkpoint yet")));
  }
  auto signature = internal::Base64Decode((*row)->Text(2));
  if (!signature) return Fail(Error::Internal("the stored signature is not base64"));
  CheckpointFiles files{.seq = (*row)->Int(0),
                        .statement = dir / "statement.txt",
                        .signature = dir / "signature.der",
                        .public_key = dir / "public.pem"};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(Error::Internal("cannot create " + dir.string() + ": " + ec.message()));
  for (const auto& [path, bytes] : {std::pair{files.statement, (*row)->Text(1)}, std::pair{files.signature, *signature},
                                    std::pair{files.public_key, (*row)->Text(3)}}) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file.flush()) return Fail(Error::Internal("cannot write " + path.string()));
  }
  return files;
}

int RunAuditExportCheckpoint(storage::Database& db, std::optional<std::int64_t> seq, const std::filesystem::path& dir,
                             std::ostream& out, std::ostream& err) {
  auto files = ExportCheckpoint(db, seq, dir);
  if (!files) {
    err << "wangban audit export-checkpoint: " << files.error().message << "\n";
    return 1;
  }
  out << "checkpoint " << files->seq << " written to " << dir.string() << "\n"
      << "check the signature (and that public.pem is your audit key's public key) with:\n"
      << "  openssl dgst -sm3 -verify " << files->public_key.string() << " -sigopt distid:" << kSm2DistinguishingId
      << " -signature " << files->signature.string() << " " << files->statement.string() << "\n";
  return 0;
}

}  // namespace wangban::audit
