-- 秒批 rules (wangban::rules): every version of every item's rule set. Versions are never
-- updated or deleted: a decision record names the version that made it, and replays on it.
-- `digest` is the SHA-256 of the canonical document (sorted keys), to skip unchanged puts.
-- Times: microseconds since epoch.
CREATE TABLE rule_sets (
  item_code TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  document TEXT NOT NULL,
  digest TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (item_code, version)
);
