-- The tamper-evident audit trail (wangban::audit; docs/audit.md). The application only inserts
-- records; `wangban audit verify` recomputes every hash and checks every signature, so these
-- tables are evidence, not state. Times are microseconds since the Unix epoch (UTC).

-- One row per record. Each stream (a case id, "system", ...) is a hash chain numbered 1, 2, 3:
-- hash = SM3(hash of seq - 1 || canonical bytes of id, stream, seq, at, actor, action, subject,
-- details), 64 lowercase hex. Clustered by (stream, seq): a case's trail is one range, and the
-- verifier walks the table in key order. Rows are small (details are capped at 8 KiB).
CREATE TABLE audit_records (
  stream TEXT NOT NULL CHECK (length(stream) > 0),
  seq BIGINT NOT NULL CHECK (seq >= 1),
  id TEXT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (stream, seq)
) WITHOUT ROWID;

-- The head of each stream: appends read and advance it (on PostgreSQL under a row lock, which
-- serializes appends to one stream), and signed_seq says how far a checkpoint has signed it.
-- A cache of what the records say; the verifier checks it against them.
CREATE TABLE audit_streams (
  stream TEXT PRIMARY KEY CHECK (length(stream) > 0),
  head_seq BIGINT NOT NULL CHECK (head_seq >= 1),
  head_hash TEXT NOT NULL,
  signed_seq BIGINT NOT NULL DEFAULT 0 CHECK (signed_seq >= 0)
) WITHOUT ROWID;

-- The streams a checkpoint has to sign: only those that changed since the last one.
CREATE INDEX audit_streams_unsigned ON audit_streams (stream) WHERE head_seq > signed_seq;

-- Checkpoints, numbered 1, 2, 3: `statement` is the signed text (it names the previous
-- checkpoint's signature, so checkpoints chain), `signature` SM2-with-SM3 DER in base64 with the
-- distinguishing ID 1234567812345678, `public_key` the signer's PEM.
CREATE TABLE audit_checkpoints (
  seq BIGINT PRIMARY KEY CHECK (seq >= 1),
  id TEXT NOT NULL,
  at BIGINT NOT NULL,
  records BIGINT NOT NULL,
  streams BIGINT NOT NULL,
  streams_sm3 TEXT NOT NULL,
  statement TEXT NOT NULL,
  signature TEXT NOT NULL,
  public_key TEXT NOT NULL
);

-- What a checkpoint signed: the head (seq, hash) of each stream that changed since the
-- previous checkpoint; their SM3 digest is in the statement.
CREATE TABLE audit_checkpoint_entries (
  checkpoint BIGINT NOT NULL REFERENCES audit_checkpoints (seq),
  stream TEXT NOT NULL CHECK (length(stream) > 0),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (checkpoint, stream)
) WITHOUT ROWID;

-- The latest signed position of each stream, for the verifier.
CREATE INDEX audit_checkpoint_entries_stream ON audit_checkpoint_entries (stream, seq);
