-- Identity (wangban::identity): accounts of applicants and staff, login keys, sessions, agent
-- grants and login throttling. Personal data (ID numbers, phones) is stored SM4-encrypted with a
-- keyed HMAC-SM3 lookup column and a masked copy for display. Times: microseconds since epoch.
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('person', 'company', 'staff')),
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  real_name_verified_at BIGINT,
  password_changed_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Everything a user can type as "account" at login, normalized: 'idn:' + HMAC of the ID number,
-- 'uscc:' + the code, 'phone:' + HMAC of the phone (persons only), 'staff:' + the staff account.
CREATE TABLE user_logins (
  login_key TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX user_logins_user ON user_logins (user_id);

CREATE TABLE persons (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  id_number_enc TEXT NOT NULL,
  id_number_hash TEXT NOT NULL UNIQUE,
  id_number_masked TEXT NOT NULL,
  phone_enc TEXT NOT NULL,
  phone_hash TEXT NOT NULL UNIQUE,
  phone_masked TEXT NOT NULL,
  birth_date TEXT NOT NULL
);

CREATE TABLE companies (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  uscc TEXT NOT NULL UNIQUE,
  legal_rep_name TEXT NOT NULL,
  legal_rep_id_enc TEXT NOT NULL,
  legal_rep_id_hash TEXT NOT NULL,
  legal_rep_id_masked TEXT NOT NULL,
  phone_enc TEXT NOT NULL,
  phone_masked TEXT NOT NULL
);
CREATE INDEX companies_legal_rep ON companies (legal_rep_id_hash);

CREATE TABLE staff (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  account TEXT NOT NULL UNIQUE,
  department TEXT NOT NULL,
  region TEXT NOT NULL,
  roles TEXT NOT NULL,
  created_by TEXT
);
CREATE INDEX staff_department ON staff (department);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  remote TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE agent_grants (
  id TEXT PRIMARY KEY,
  principal_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  CHECK (principal_id <> agent_id)
);
CREATE UNIQUE INDEX agent_grants_active ON agent_grants (principal_id, agent_id) WHERE revoked_at IS NULL;
CREATE INDEX agent_grants_agent ON agent_grants (agent_id) WHERE revoked_at IS NULL;

-- Failed logins per key ('acct:' + login key, 'addr:' + client address).
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  last_failure_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);
