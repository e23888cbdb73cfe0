-- ferry's replication state as release 0.1 created it (src/connectors/postgres/state-store.ts and
-- verify/store.ts of that release). Every statement is a no-op on a state that release made, so it
-- upgrades in place; on an empty database it creates the whole layout.
CREATE SCHEMA IF NOT EXISTS {{state}};

CREATE TABLE IF NOT EXISTS {{state}}.runs (
  run_id bigserial PRIMARY KEY,
  kind text NOT NULL DEFAULT 'sync',
  target_schema text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status text NOT NULL DEFAULT 'running',
  binlog_file text,
  binlog_position bigint,
  gtid text,
  host text,
  pid integer,
  error text,
  summary jsonb);

CREATE TABLE IF NOT EXISTS {{state}}.streams (
  target_schema text NOT NULL,
  target_table text NOT NULL,
  source_table text NOT NULL,
  mode text NOT NULL,
  cursor_column text,
  high_water text,
  binlog_file text,
  binlog_position bigint,
  last_run_id bigint,
  rows_total bigint,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_schema, target_table));

CREATE TABLE IF NOT EXISTS {{state}}.stream_runs (
  run_id bigint NOT NULL,
  target_schema text NOT NULL,
  target_table text NOT NULL,
  mode text NOT NULL,
  status text NOT NULL,
  rows_read bigint NOT NULL DEFAULT 0,
  rows_loaded bigint NOT NULL DEFAULT 0,
  rows_quarantined bigint NOT NULL DEFAULT 0,
  values_nulled bigint NOT NULL DEFAULT 0,
  rows_deleted bigint NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  error text,
  PRIMARY KEY (run_id, target_schema, target_table));

CREATE TABLE IF NOT EXISTS {{state}}.chunks (
  target_schema text NOT NULL,
  target_table text NOT NULL,
  staging_table text NOT NULL,
  chunk integer NOT NULL,
  lower_bound text,
  upper_bound text,
  rows bigint NOT NULL,
  run_id bigint NOT NULL,
  done_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_schema, target_table, staging_table, chunk));
ALTER TABLE {{state}}.chunks ADD COLUMN IF NOT EXISTS cursor_mark text;

CREATE TABLE IF NOT EXISTS {{state}}.quarantine (
  id bigserial PRIMARY KEY,
  stream text NOT NULL,
  target_schema text NOT NULL,
  run_id bigint NOT NULL,
  primary_key jsonb,
  "row" jsonb NOT NULL,
  reason text NOT NULL,
  quarantined_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE {{state}}.quarantine
  ADD COLUMN IF NOT EXISTS failures jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN IF NOT EXISTS row_form text NOT NULL DEFAULT 'source',
  ADD COLUMN IF NOT EXISTS replay_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS last_replay_at timestamptz;
CREATE INDEX IF NOT EXISTS quarantine_stream ON {{state}}.quarantine (target_schema, stream);

CREATE TABLE IF NOT EXISTS {{state}}.quarantine_log (
  id bigint NOT NULL,
  stream text NOT NULL,
  target_schema text NOT NULL,
  run_id bigint NOT NULL,
  primary_key jsonb,
  "row" jsonb NOT NULL,
  reason text NOT NULL,
  failures jsonb NOT NULL,
  row_form text NOT NULL,
  quarantined_at timestamptz NOT NULL,
  resolution text NOT NULL,
  resolved_run_id bigint,
  resolved_at timestamptz NOT NULL DEFAULT now(),
  note text);

CREATE TABLE IF NOT EXISTS {{state}}.value_changes (
  id bigserial PRIMARY KEY,
  stream text NOT NULL,
  target_schema text NOT NULL,
  run_id bigint NOT NULL,
  primary_key jsonb,
  "column" text NOT NULL,
  original text,
  action text NOT NULL,
  reason text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE IF NOT EXISTS {{state}}.locks (
  lock_key bigint PRIMARY KEY,
  holder text NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE IF NOT EXISTS {{state}}.verify_runs (
  run_id bigserial PRIMARY KEY,
  target_schema text NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  in_sync boolean NOT NULL,
  seconds double precision NOT NULL);

CREATE TABLE IF NOT EXISTS {{state}}.verify_streams (
  run_id bigint NOT NULL REFERENCES {{state}}.verify_runs (run_id) ON DELETE CASCADE,
  stream text NOT NULL,
  status text NOT NULL,
  source_rows bigint NOT NULL,
  target_rows bigint NOT NULL,
  missing bigint NOT NULL,
  extra bigint NOT NULL,
  different bigint NOT NULL,
  expected bigint NOT NULL,
  in_flight bigint NOT NULL,
  samples jsonb NOT NULL,
  notes jsonb NOT NULL,
  PRIMARY KEY (run_id, stream));
