-- Cases (wangban::cases): applications from draft to decision, their materials, the timeline
-- shown to applicants and staff, case numbers, and the notifications and license requests that
-- processes produce. Times: microseconds since epoch; dates YYYY-MM-DD.

-- The department whose one-stop window (综合窗口) accepts the items of a region (相对集中受理);
-- regions without one have their items accepted by the item's own department.
CREATE TABLE window_departments (
  region TEXT PRIMARY KEY,
  department TEXT NOT NULL
);

-- Case numbers: region + date + a sequence per (region, date).
CREATE TABLE case_numbers (
  region TEXT NOT NULL,
  day TEXT NOT NULL,
  last_seq BIGINT NOT NULL,
  PRIMARY KEY (region, day)
);

CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  number TEXT UNIQUE,
  item_code TEXT NOT NULL,
  item_version BIGINT NOT NULL,
  item_name TEXT NOT NULL,
  department TEXT NOT NULL,
  region TEXT NOT NULL,
  window_department TEXT NOT NULL,
  applicant_id TEXT NOT NULL,
  applicant_kind TEXT NOT NULL,
  applicant_name TEXT NOT NULL,
  agent_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'supplement_requested', 'accepted', 'in_review',
    'suspended', 'approved', 'denied', 'refused', 'withdrawn', 'concluded')),
  form TEXT NOT NULL,
  instance_id TEXT,
  clock TEXT,
  due_date TEXT,
  decision TEXT,
  supplement TEXT,
  submitted_at BIGINT,
  concluded_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX cases_applicant ON cases (applicant_id, id);
CREATE INDEX cases_department ON cases (department, id);
CREATE INDEX cases_window ON cases (window_department, id);
CREATE INDEX cases_region ON cases (region, id);

CREATE TABLE case_materials (
  case_id TEXT NOT NULL REFERENCES cases (id),
  material_code TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'license', 'commitment')),
  file_id TEXT,
  license_id TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (case_id, material_code)
);

-- The timeline: every event of a case with actor, time and clock state. staff_only events are
-- not shown to the applicant.
CREATE TABLE case_events (
  case_id TEXT NOT NULL REFERENCES cases (id),
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  staff_only BIGINT NOT NULL,
  note TEXT NOT NULL,
  data TEXT NOT NULL,
  clock_state TEXT,
  due_date TEXT,
  PRIMARY KEY (case_id, seq)
);

-- Notifications waiting for a channel (SMS, app push, the portal's inbox); `recipient` is a
-- user id or "department:<code>".
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  recipient TEXT NOT NULL,
  case_id TEXT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE INDEX notifications_recipient ON notifications (recipient, id);

-- Electronic licenses the processes asked for; the licenses module issues and seals them.
CREATE TABLE license_requests (
  case_id TEXT PRIMARY KEY,
  item_code TEXT NOT NULL,
  license_type TEXT,
  result_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'failed')),
  requested_at BIGINT NOT NULL
);
