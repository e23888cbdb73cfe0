-- ferry's pipeline run history as release 0.1 created it (src/orchestration/store.ts of that release),
-- in the target or in orchestration.database. A no-op on a history that release made.
CREATE SCHEMA IF NOT EXISTS {{state}};

CREATE TABLE IF NOT EXISTS {{state}}.pipeline_runs (
  run_id bigserial PRIMARY KEY,
  pipeline text NOT NULL,
  run_key text NOT NULL,
  trigger text NOT NULL,
  state text NOT NULL DEFAULT 'queued',
  interval_start timestamptz NOT NULL,
  interval_end timestamptz NOT NULL,
  params jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  UNIQUE (pipeline, run_key));
CREATE INDEX IF NOT EXISTS pipeline_runs_active ON {{state}}.pipeline_runs (pipeline, state);

CREATE TABLE IF NOT EXISTS {{state}}.task_instances (
  run_id bigint NOT NULL REFERENCES {{state}}.pipeline_runs ON DELETE CASCADE,
  task text NOT NULL,
  state text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  job_id text,
  queued_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  rows_moved bigint,
  error text,
  log text NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, task));
