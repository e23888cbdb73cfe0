-- Issue 15, item 18: a verify run inside a sync's own source snapshot (ferry sync --verify) is a proof
-- that the target equalled the source at that snapshot. It records the sync run, the target's
-- transaction snapshot (pg_current_snapshot) and its row count then, so that a later verify on a
-- source that kept changing can tell the target's rows the sync left alone (their differences are
-- changes in the source since: in flight) from rows changed in the target since.
ALTER TABLE {{state}}.verify_streams ADD COLUMN IF NOT EXISTS sync_run_id bigint;
ALTER TABLE {{state}}.verify_streams ADD COLUMN IF NOT EXISTS target_snapshot text;
ALTER TABLE {{state}}.verify_streams ADD COLUMN IF NOT EXISTS target_total bigint;
CREATE INDEX IF NOT EXISTS verify_streams_proofs ON {{state}}.verify_streams (stream, sync_run_id)
  WHERE sync_run_id IS NOT NULL;
