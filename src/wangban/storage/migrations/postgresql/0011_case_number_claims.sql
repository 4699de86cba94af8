-- Case numbers claimed ahead of the submission's transaction (PostgreSQL: docs/cases.md,
-- "Case numbers"). A claim names the case it was taken for, so every number of a region's
-- day is accounted for: it is on that case, or — when that case's submission did not commit
-- that day — a void number (作废号) whose claim says which case took it. A case's later
-- attempts on the same day use its claim again. SQLite takes numbers inside the submission's
-- own transaction (one writer, nothing to wait for) and writes no claims; the table is kept
-- on both backends so that their schemas stay the same.
CREATE TABLE case_number_claims (
  region TEXT NOT NULL,
  day TEXT NOT NULL,
  seq BIGINT NOT NULL,
  case_id TEXT NOT NULL,
  claimed_at BIGINT NOT NULL,
  PRIMARY KEY (region, day, seq),
  UNIQUE (case_id, region, day)
);
