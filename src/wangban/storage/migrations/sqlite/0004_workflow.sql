-- Workflow (wangban::workflow): versioned process definitions, instances, user tasks. An
-- instance's tokens, join counters and variables live in its row (one row written per
-- transition); `version` is the optimistic-concurrency counter. Timers are durable jobs.
CREATE TABLE process_definitions (
  process_key TEXT NOT NULL,
  version BIGINT NOT NULL,
  name TEXT NOT NULL,
  bpmn TEXT NOT NULL,
  checksum TEXT NOT NULL,
  deployed_at BIGINT NOT NULL,
  deployed_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (process_key, version)
);

CREATE TABLE process_instances (
  id TEXT PRIMARY KEY,
  process_key TEXT NOT NULL,
  process_version BIGINT NOT NULL,
  business_key TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('running', 'completed', 'terminated')),
  result TEXT,
  variables TEXT NOT NULL,
  tokens TEXT NOT NULL,
  version BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  ended_at BIGINT,
  FOREIGN KEY (process_key, process_version) REFERENCES process_definitions (process_key, version)
);
CREATE INDEX process_instances_business_key ON process_instances (business_key);
CREATE INDEX process_instances_running ON process_instances (process_key, started_at) WHERE state = 'running';

CREATE TABLE workflow_tasks (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES process_instances (id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  token_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  mi_index BIGINT,
  outcomes TEXT NOT NULL DEFAULT '',
  assignee TEXT,
  state TEXT NOT NULL CHECK (state IN ('open', 'completed', 'cancelled')),
  outcome TEXT,
  opinion TEXT,
  completed_by TEXT,
  version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  due_at BIGINT,
  completed_at BIGINT
);
CREATE INDEX workflow_tasks_instance ON workflow_tasks (instance_id);
CREATE INDEX workflow_tasks_open_created ON workflow_tasks (created_at) WHERE state = 'open';

-- Who may claim a task: staff holding `role` in `department` (one row per candidate group).
CREATE TABLE workflow_task_candidates (
  task_id TEXT NOT NULL REFERENCES workflow_tasks (id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  department TEXT NOT NULL,
  PRIMARY KEY (task_id, role, department)
);
-- The work list: tasks by role and department.
CREATE INDEX workflow_task_candidates_group ON workflow_task_candidates (role, department);
