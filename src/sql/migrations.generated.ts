// Generated from migrations/*.sql by scripts/write-migrations.mjs (npm run migrations:write); do not edit.
/** The package's migration files, by name, as written. */
export const MIGRATION_FILES: ReadonlyArray<{ file: string; text: string }> = [
  {
    file: '0001-initial.sql',
    text: `-- deals, enrolments, jobs, log, outbox, records, meta

CREATE TABLE {{schema}}.deals (
  id          text PRIMARY KEY,
  seq         bigserial NOT NULL,
  pipeline_id text NOT NULL,
  stage_id    text NOT NULL,
  owner_id    text NOT NULL,
  open        boolean NOT NULL,
  version     integer NOT NULL,
  doc         jsonb NOT NULL
);
CREATE INDEX deals_pipeline_stage ON {{schema}}.deals (pipeline_id, stage_id);
CREATE INDEX deals_owner ON {{schema}}.deals (owner_id);
CREATE INDEX deals_seq ON {{schema}}.deals (seq);

CREATE TABLE {{schema}}.enrolments (
  deal_id text PRIMARY KEY,
  doc     jsonb NOT NULL
);

CREATE SEQUENCE {{schema}}.jobs_seq;
CREATE TABLE {{schema}}.jobs (
  id          text PRIMARY KEY,
  seq         bigint NOT NULL DEFAULT nextval('{{schema}}.jobs_seq'),
  deal_id     text NOT NULL,
  due_at      timestamptz NOT NULL,
  lease_owner text,
  lease_token text,
  lease_until timestamptz,
  doc         jsonb NOT NULL
);
CREATE INDEX jobs_due ON {{schema}}.jobs (due_at, seq);
CREATE INDEX jobs_deal ON {{schema}}.jobs (deal_id, due_at, seq);
CREATE INDEX jobs_lease ON {{schema}}.jobs (lease_token) WHERE lease_token IS NOT NULL;

CREATE TABLE {{schema}}.log (
  seq     bigserial PRIMARY KEY,
  id      text NOT NULL,
  deal_id text,
  type    text NOT NULL,
  at      timestamptz NOT NULL,
  doc     jsonb NOT NULL
);
CREATE INDEX log_deal ON {{schema}}.log (deal_id, seq);
CREATE INDEX log_type_at ON {{schema}}.log (type, at);

CREATE TABLE {{schema}}.outbox (
  id              text PRIMARY KEY,
  seq             bigserial NOT NULL,
  key             text NOT NULL,
  deal_id         text,
  status          text NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  lease_owner     text,
  lease_token     text,
  lease_until     timestamptz,
  doc             jsonb NOT NULL
);
CREATE INDEX outbox_due ON {{schema}}.outbox (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX outbox_deal ON {{schema}}.outbox (deal_id, seq);
CREATE INDEX outbox_status ON {{schema}}.outbox (status, seq);
CREATE INDEX outbox_lease ON {{schema}}.outbox (lease_token) WHERE lease_token IS NOT NULL;

CREATE TABLE {{schema}}.records (
  kind    text NOT NULL,
  id      text NOT NULL,
  seq     bigserial NOT NULL,
  deal_id text,
  at      timestamptz NOT NULL,
  doc     jsonb NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX records_kind_deal ON {{schema}}.records (kind, deal_id, seq);
CREATE INDEX records_kind_seq ON {{schema}}.records (kind, seq);

CREATE TABLE {{schema}}.meta (
  key   text PRIMARY KEY,
  value jsonb NOT NULL
);
`,
  },
  {
    file: '0002-batched-due-work.sql',
    text: `-- batched due work: records by deal, HOT claims (no lease_token indexes, fillfactor), queue autovacuum
CREATE INDEX IF NOT EXISTS records_deal ON {{schema}}.records (deal_id, seq);
DROP INDEX IF EXISTS {{schema}}.jobs_lease;
DROP INDEX IF EXISTS {{schema}}.outbox_lease;
ALTER TABLE {{schema}}.jobs SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
ALTER TABLE {{schema}}.outbox SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
`,
  },
  {
    file: '0003-hot-batch-updates.sql',
    text: `-- room for HOT updates of a whole batch: jobs fillfactor 45 (a claim rewrites every job of a page at once), deals 60
ALTER TABLE {{schema}}.jobs SET (fillfactor = 45);
ALTER TABLE {{schema}}.deals SET (fillfactor = 60);
`,
  },
  {
    file: '0004-json-documents.sql',
    text: `-- deal, history and job documents as json: stored as sent, never parsed into jsonb (the server reads no field inside them but a job's dueAt)
ALTER TABLE {{schema}}.deals ALTER COLUMN doc TYPE json USING doc::json;
ALTER TABLE {{schema}}.log ALTER COLUMN doc TYPE json USING doc::json;
ALTER TABLE {{schema}}.jobs ALTER COLUMN doc TYPE json USING doc::json;
`,
  },
  {
    file: '0005-deals-fillfactor.sql',
    text: `-- deals fillfactor 45: a batch updates the deals of whole pages at once, and at 60 a quarter of those updates found no room on their page (not HOT: four index entries each)
ALTER TABLE {{schema}}.deals SET (fillfactor = 45);
`,
  },
];
