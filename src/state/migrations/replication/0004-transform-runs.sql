-- Builds of transform models and their data tests (issue 16: the web UI's Models page shows each
-- model's last build and test results). One row per `ferry transform` run, one per model it built,
-- failed or skipped, and one per data test it ran. Numbered 0004: 0003 is change data capture's.
CREATE TABLE IF NOT EXISTS {{state}}.transform_runs (
  run_id bigserial PRIMARY KEY,
  models_schema text NOT NULL,
  engine text NOT NULL,
  selection text,
  status text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  error text);
CREATE INDEX IF NOT EXISTS transform_runs_schema ON {{state}}.transform_runs (models_schema, run_id DESC);

CREATE TABLE IF NOT EXISTS {{state}}.model_builds (
  run_id bigint NOT NULL REFERENCES {{state}}.transform_runs ON DELETE CASCADE,
  model text NOT NULL,
  materialized text NOT NULL,
  status text NOT NULL,
  rows bigint,
  seconds double precision NOT NULL,
  error text,
  PRIMARY KEY (run_id, model));
CREATE INDEX IF NOT EXISTS model_builds_latest ON {{state}}.model_builds (model, run_id DESC);

CREATE TABLE IF NOT EXISTS {{state}}.model_tests (
  run_id bigint NOT NULL REFERENCES {{state}}.transform_runs ON DELETE CASCADE,
  model text,
  test text NOT NULL,
  status text NOT NULL,
  failures bigint NOT NULL,
  error text,
  sample jsonb);
CREATE INDEX IF NOT EXISTS model_tests_run ON {{state}}.model_tests (run_id);
