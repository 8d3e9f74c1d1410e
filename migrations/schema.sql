-- The schema dealflow's migrations make, read back from the catalog by scripts/dump-schema.ts
-- (npm run schema:dump). Generated: do not edit. A description for review, not a script to run.
-- Migrations: 1 (deals, enrolments, jobs, log, outbox, records, meta), 2 (batched due work: records by deal, HOT claims (no lease_token indexes, fillfactor), queue autovacuum), 3 (room for HOT updates of a whole batch: jobs fillfactor 45 (a claim rewrites every job of a page at once), deals 60), 4 (deal, history and job documents as json: stored as sent, never parsed into jsonb (the server reads no field inside them but a job's dueAt)), 5 (deals fillfactor 45: a batch updates the deals of whole pages at once, and at 60 a quarter of those updates found no room on their page (not HOT: four index entries each))

CREATE TABLE {{schema}}.deals (
  id          text NOT NULL,
  seq         bigint DEFAULT nextval('{{schema}}.deals_seq_seq'::regclass) NOT NULL,
  pipeline_id text NOT NULL,
  stage_id    text NOT NULL,
  owner_id    text NOT NULL,
  open        boolean NOT NULL,
  version     integer NOT NULL,
  doc         json NOT NULL
);
ALTER TABLE {{schema}}.deals ADD CONSTRAINT deals_pkey PRIMARY KEY (id);
CREATE INDEX deals_owner ON {{schema}}.deals USING btree (owner_id);
CREATE INDEX deals_pipeline_stage ON {{schema}}.deals USING btree (pipeline_id, stage_id);
CREATE INDEX deals_seq ON {{schema}}.deals USING btree (seq);

CREATE TABLE {{schema}}.enrolments (
  deal_id text NOT NULL,
  doc     jsonb NOT NULL
);
ALTER TABLE {{schema}}.enrolments ADD CONSTRAINT enrolments_pkey PRIMARY KEY (deal_id);

CREATE TABLE {{schema}}.jobs (
  id          text NOT NULL,
  seq         bigint DEFAULT nextval('{{schema}}.jobs_seq'::regclass) NOT NULL,
  deal_id     text NOT NULL,
  due_at      timestamp with time zone NOT NULL,
  lease_owner text,
  lease_token text,
  lease_until timestamp with time zone,
  doc         json NOT NULL
);
ALTER TABLE {{schema}}.jobs ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);
CREATE INDEX jobs_deal ON {{schema}}.jobs USING btree (deal_id, due_at, seq);
CREATE INDEX jobs_due ON {{schema}}.jobs USING btree (due_at, seq);

CREATE TABLE {{schema}}.log (
  seq     bigint DEFAULT nextval('{{schema}}.log_seq_seq'::regclass) NOT NULL,
  id      text NOT NULL,
  deal_id text,
  type    text NOT NULL,
  at      timestamp with time zone NOT NULL,
  doc     json NOT NULL
);
ALTER TABLE {{schema}}.log ADD CONSTRAINT log_pkey PRIMARY KEY (seq);
CREATE INDEX log_deal ON {{schema}}.log USING btree (deal_id, seq);
CREATE INDEX log_type_at ON {{schema}}.log USING btree (type, at);

CREATE TABLE {{schema}}.meta (
  key   text NOT NULL,
  value jsonb NOT NULL
);
ALTER TABLE {{schema}}.meta ADD CONSTRAINT meta_pkey PRIMARY KEY (key);

CREATE TABLE {{schema}}.migrations (
  version     integer NOT NULL,
  description text NOT NULL,
  applied_at  timestamp with time zone DEFAULT now() NOT NULL
);
ALTER TABLE {{schema}}.migrations ADD CONSTRAINT migrations_pkey PRIMARY KEY (version);

CREATE TABLE {{schema}}.outbox (
  id              text NOT NULL,
  seq             bigint DEFAULT nextval('{{schema}}.outbox_seq_seq'::regclass) NOT NULL,
  key             text NOT NULL,
  deal_id         text,
  status          text NOT NULL,
  next_attempt_at timestamp with time zone NOT NULL,
  lease_owner     text,
  lease_token     text,
  lease_until     timestamp with time zone,
  doc             jsonb NOT NULL
);
ALTER TABLE {{schema}}.outbox ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);
CREATE INDEX outbox_deal ON {{schema}}.outbox USING btree (deal_id, seq);
CREATE INDEX outbox_due ON {{schema}}.outbox USING btree (next_attempt_at, seq) WHERE (status = 'pending'::text);
CREATE INDEX outbox_status ON {{schema}}.outbox USING btree (status, seq);

CREATE TABLE {{schema}}.records (
  kind    text NOT NULL,
  id      text NOT NULL,
  seq     bigint DEFAULT nextval('{{schema}}.records_seq_seq'::regclass) NOT NULL,
  deal_id text,
  at      timestamp with time zone NOT NULL,
  doc     jsonb NOT NULL
);
ALTER TABLE {{schema}}.records ADD CONSTRAINT records_pkey PRIMARY KEY (kind, id);
CREATE INDEX records_deal ON {{schema}}.records USING btree (deal_id, seq);
CREATE INDEX records_kind_deal ON {{schema}}.records USING btree (kind, deal_id, seq);
CREATE INDEX records_kind_seq ON {{schema}}.records USING btree (kind, seq);

CREATE SEQUENCE {{schema}}.deals_seq_seq AS bigint START 1 INCREMENT 1 OWNED BY {{schema}}.deals.seq;
CREATE SEQUENCE {{schema}}.jobs_seq AS bigint START 1 INCREMENT 1;
CREATE SEQUENCE {{schema}}.log_seq_seq AS bigint START 1 INCREMENT 1 OWNED BY {{schema}}.log.seq;
CREATE SEQUENCE {{schema}}.outbox_seq_seq AS bigint START 1 INCREMENT 1 OWNED BY {{schema}}.outbox.seq;
CREATE SEQUENCE {{schema}}.records_seq_seq AS bigint START 1 INCREMENT 1 OWNED BY {{schema}}.records.seq;
