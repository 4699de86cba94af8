-- Files (wangban::files): one row per upload. The bytes are a blob named by their SHA-256 in
-- the blob store, shared by every upload of the same content; the row keeps the SM3 too (the
-- audit trail and e-seal references use it). `kind` is what the server sniffed from the bytes,
-- `name` the display name it made. Times: microseconds since epoch.
CREATE TABLE files (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users (id),
  uploaded_by TEXT NOT NULL REFERENCES users (id),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  sm3 TEXT NOT NULL CHECK (length(sm3) = 64),
  size BIGINT NOT NULL CHECK (size > 0),
  kind TEXT NOT NULL CHECK (kind IN ('pdf', 'jpeg', 'png', 'ofd', 'docx', 'xlsx', 'doc', 'xls')),
  media_type TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
-- A person's uploads, newest last; and who else stored the same bytes (blob garbage collection).
CREATE INDEX files_owner ON files (owner_id, created_at);
CREATE INDEX files_sha256 ON files (sha256);
