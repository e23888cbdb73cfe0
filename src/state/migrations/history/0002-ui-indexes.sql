-- What the web UI reads of the run history (issue 16): a pipeline's runs newest first, a page at a
-- time (the grid), and the runs still in progress (the change mark its live updates poll).
CREATE INDEX IF NOT EXISTS pipeline_runs_grid ON {{state}}.pipeline_runs (pipeline, interval_end DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS pipeline_runs_unfinished ON {{state}}.pipeline_runs (run_id) WHERE state IN ('queued', 'running');
