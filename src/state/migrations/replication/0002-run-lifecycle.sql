-- One run lifecycle for every copier (issue 12): which engine ran a sync, the GTID of the snapshot a
-- stream was last loaded from (where change data capture takes over), and the per-stream history
-- the status command and the web UI read, newest first.
ALTER TABLE {{state}}.runs ADD COLUMN IF NOT EXISTS engine text NOT NULL DEFAULT 'ferry';
ALTER TABLE {{state}}.streams ADD COLUMN IF NOT EXISTS binlog_gtid text;
CREATE INDEX IF NOT EXISTS stream_runs_history ON {{state}}.stream_runs (target_schema, target_table, run_id DESC);
