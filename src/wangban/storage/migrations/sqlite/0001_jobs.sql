-- Durable background jobs (wangban::jobs). One row per job, kept after it finishes for audit
-- until a purge deletes old 'done' rows. Times are microseconds since the Unix epoch (UTC).
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
  run_at BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts BIGINT NOT NULL CHECK (max_attempts >= 1),
  dedupe_key TEXT,
  locked_by TEXT,
  locked_until BIGINT,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);

-- Claiming: the oldest queued jobs that are due. Partial, so it holds only the backlog and not
-- the millions of finished rows.
CREATE INDEX jobs_queued_run_at ON jobs (run_at) WHERE state = 'queued';

-- Reclaiming: running jobs whose lease has expired (their worker died).
CREATE INDEX jobs_running_locked_until ON jobs (locked_until) WHERE state = 'running';

-- At most one unfinished job per dedupe key. Schedule names this predicate in ON CONFLICT.
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

-- Counting finished jobs and purging old ones by finished_at.
CREATE INDEX jobs_finished ON jobs (state, finished_at) WHERE state IN ('done', 'dead');
