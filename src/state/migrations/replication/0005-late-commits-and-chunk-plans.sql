-- Issue 15 (numbered 0005: 0003 is change data capture's, 0004 the transform runs). The holes an
-- incremental stream with a numeric cursor saw below its mark (values no committed row had yet, such
-- as auto-increment ids of transactions still open), re-read until no transaction that could still
-- commit into them is open; the same per finished chunk of a full load, gathered into the stream's
-- holes when the load is put in place. And the chunk plan of each staged load, so a resumed load
-- keeps its chunk boundaries whatever the table's key density does.
ALTER TABLE {{state}}.streams ADD COLUMN IF NOT EXISTS cursor_holes jsonb NOT NULL DEFAULT '[]';
ALTER TABLE {{state}}.chunks ADD COLUMN IF NOT EXISTS cursor_holes jsonb NOT NULL DEFAULT '[]';

CREATE TABLE IF NOT EXISTS {{state}}.chunk_plans (
  target_schema text NOT NULL,
  target_table text NOT NULL,
  staging_table text NOT NULL,
  run_id bigint NOT NULL,
  chunks jsonb NOT NULL,
  planned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_schema, target_table, staging_table));
