-- Catalog (wangban::catalog): regions and departments as trees; every version of every service
-- item as a canonical JSON document; the published version of each item denormalized into
-- `items` for filters and ranking; a full-text index over it. Times: microseconds since epoch.
CREATE TABLE regions (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 6),
  parent TEXT REFERENCES regions (code)
);

CREATE TABLE departments (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  region TEXT NOT NULL REFERENCES regions (code),
  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 6),
  parent TEXT REFERENCES departments (code),
  phone TEXT NOT NULL DEFAULT ''
);
CREATE INDEX departments_region ON departments (region);

-- A publication in one go ("第一批不见面事项").
CREATE TABLE catalog_batches (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  published_at BIGINT NOT NULL,
  published_by TEXT NOT NULL,
  items INTEGER NOT NULL
);

-- Every version of every item. At most one draft and one published version per item; older
-- published versions are 'superseded' and stay, because cases keep the version they were
-- submitted under.
CREATE TABLE item_versions (
  code TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
  name TEXT NOT NULL,
  department TEXT NOT NULL,
  region TEXT NOT NULL,
  document TEXT NOT NULL,
  digest TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  published_at BIGINT,
  published_by TEXT,
  batch_id TEXT REFERENCES catalog_batches (id),
  PRIMARY KEY (code, version)
);
CREATE UNIQUE INDEX item_versions_draft ON item_versions (code) WHERE status = 'draft';
CREATE UNIQUE INDEX item_versions_published ON item_versions (code) WHERE status = 'published';
CREATE INDEX item_versions_status ON item_versions (status, code);

-- The published version of each item, flattened; `name_norm` is the name normalized
-- (catalog/search.hpp) for ranking.
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL,
  basic_code TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  level INTEGER NOT NULL,
  department TEXT NOT NULL REFERENCES departments (code),
  region TEXT NOT NULL,
  audience INTEGER NOT NULL,
  online INTEGER NOT NULL,
  instant INTEGER NOT NULL,
  legal_limit_days INTEGER NOT NULL,
  promised_limit_days INTEGER NOT NULL,
  has_fees INTEGER NOT NULL,
  process_key TEXT NOT NULL,
  basis_digest TEXT NOT NULL,
  name_norm TEXT NOT NULL,
  published_at BIGINT NOT NULL
);
CREATE INDEX items_department ON items (department, code);
CREATE INDEX items_basic_code ON items (basic_code);
CREATE INDEX items_type ON items (type, code);
CREATE INDEX items_region ON items (region, code);

-- The searchable text of each published item, apart from `items` so that filtering and listing
-- read only small rows: aliases and keywords (ranking) and the whole normalized text (exact
-- substring checks).
CREATE TABLE item_texts (
  id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
  alias_norm TEXT NOT NULL,
  search_text TEXT NOT NULL
);

-- Chinese full text: the tokenizer sees the bigrams and words of catalog/search.hpp separated
-- by spaces (the trigram tokenizer cannot match two-character words, the commonest queries).
CREATE VIRTUAL TABLE item_search USING fts5 (grams, tokenize = 'unicode61 remove_diacritics 0');
