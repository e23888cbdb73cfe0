-- Change data capture (docs/cdc.md). A cdc stream's checkpoint is its row of streams (binlog_gtid,
-- binlog_file, binlog_position: the source position its table reflects), moved in the transaction
-- that applies each batch. The ledger records every source transaction applied, once (its primary key
-- refuses a second), for the exactly-once tests and for audits; it is pruned after a retention time.
-- Samples of lag and throughput per stream feed `ferry status`, /metrics and the web UI.
CREATE TABLE IF NOT EXISTS {{state}}.cdc_ledger (
  target_schema text NOT NULL,
  gtid text NOT NULL,
  batch_id bigint NOT NULL,
  run_id bigint NOT NULL,
  rows bigint NOT NULL,
  committed_at timestamptz NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_schema, gtid));
CREATE INDEX IF NOT EXISTS cdc_ledger_applied ON {{state}}.cdc_ledger (target_schema, applied_at);

CREATE TABLE IF NOT EXISTS {{state}}.stream_samples (
  target_schema text NOT NULL,
  target_table text NOT NULL,
  sampled_at timestamptz NOT NULL,
  -- seconds the applied data trails the source (0 when caught up), and changes applied since the last sample
  lag_seconds double precision NOT NULL,
  changes bigint NOT NULL,
  interval_seconds double precision NOT NULL,
  -- 'raw' samples every few seconds; 'minute' rollups of older ones
  grain text NOT NULL DEFAULT 'raw',
  -- the source position applied at that time (GTID position, or binlog file:position)
  applied_position text,
  PRIMARY KEY (target_schema, target_table, grain, sampled_at));
CREATE INDEX IF NOT EXISTS stream_samples_recent ON {{state}}.stream_samples (target_schema, target_table, sampled_at DESC);

ALTER TABLE {{state}}.streams ADD COLUMN IF NOT EXISTS source_server text;
ALTER TABLE {{state}}.streams ADD COLUMN IF NOT EXISTS last_event_at timestamptz;
ALTER TABLE {{state}}.streams ADD COLUMN IF NOT EXISTS last_error text;
