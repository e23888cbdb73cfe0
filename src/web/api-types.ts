// The JSON the UI's page reads and sends (documented in docs/ui.md): shared by the server's handlers
// and the page, so both sides agree. Times are ISO 8601 strings in UTC; durations are seconds.

export type Iso = string;
export type RunState = 'queued' | 'running' | 'succeeded' | 'failed';
export type TaskState =
  'pending' | 'queued' | 'running' | 'up_for_retry' | 'succeeded' | 'failed' | 'upstream_failed';

export interface RunJson {
  runId: string;
  pipeline: string;
  trigger: string;
  state: RunState;
  intervalStart: Iso;
  intervalEnd: Iso;
  createdAt: Iso;
  startedAt: Iso | null;
  finishedAt: Iso | null;
  /** From start to finish (or to now, while running). */
  seconds: number | null;
  params: Record<string, string>;
}

export interface TaskJson {
  task: string;
  state: TaskState;
  attempts: number;
  maxAttempts: number;
  startedAt: Iso | null;
  finishedAt: Iso | null;
  seconds: number | null;
  rows: number | null;
  error: string | null;
}

export interface PipelineTaskJson {
  name: string;
  kind: string;
  upstream: string[];
}

export interface PipelineSummaryJson {
  name: string;
  schedule: string | null;
  timezone: string;
  nextRunAt: Iso | null;
  tasks: PipelineTaskJson[];
  last: RunJson | null;
  /** The latest runs, oldest first, for the small chart of durations. */
  recent: { runId: string; state: RunState; seconds: number | null; intervalEnd: Iso }[];
}

export interface SampleJson {
  sampledAt: Iso;
  lagSeconds: number | null;
  changes: number | null;
  changesPerSecond: number | null;
  position: string | null;
}

export interface StreamRunJson {
  runId: number;
  mode: string;
  status: string;
  startedAt: Iso;
  finishedAt: Iso | null;
  seconds: number | null;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  rowsDeleted: number;
  bytes: number;
  error: string | null;
}

export interface StreamSummaryJson {
  table: string;
  /** The mode of its last load (from its state), or of its stream rule. */
  mode: string;
  rowsTotal: number | null;
  lastRun: StreamRunJson | null;
  lastSuccessAt: Iso | null;
  /** Runs of the stream in the history, and the rows they loaded. */
  runs: number;
  rowsLoadedTotal: number;
  quarantined: number;
  /** The newest change-data-capture sample, for cdc streams once they record them. */
  lag: SampleJson | null;
}

export interface OverviewJson {
  now: Iso;
  targetSchema: string;
  pipelines: PipelineSummaryJson[];
  streams: StreamSummaryJson[];
  /** False while ferry records no lag samples (before change data capture). */
  samplesRecorded: boolean;
}

export interface GridRunJson extends RunJson {
  tasks: Record<string, TaskJson>;
}

export interface GridJson {
  pipeline: string;
  tasks: PipelineTaskJson[];
  /** Oldest first (left to right, as in Airflow). */
  runs: GridRunJson[];
  /** Pass as `before` for the page of older runs; null when there are none. */
  older: string | null;
}

export interface RunDetailJson {
  run: RunJson;
  tasks: (TaskJson & { upstream: string[]; kind: string | null })[];
  /** Whether the run can be retried from here (not one Airflow drives, pipeline still in ferry.yaml). */
  retryable: boolean;
}

export interface AttemptLogJson {
  attempt: number;
  startedAt: Iso | null;
  text: string;
}

export interface TaskDetailJson {
  run: RunJson;
  task: TaskJson;
  attempts: AttemptLogJson[];
  /** Characters of log so far: where a live tail starts. */
  logLength: number;
}

export interface StreamDetailJson {
  table: string;
  summary: StreamSummaryJson | null;
  /** Its runs, oldest first. */
  history: StreamRunJson[];
  /** null while ferry records no samples; [] when it does but has none for this stream. */
  samples: SampleJson[] | null;
}

export interface FailureJson {
  check: string;
  code: string;
  column: string | null;
  severity: string;
  message: string;
}

export interface QuarantineEntryJson {
  id: number;
  stream: string;
  runId: number;
  primaryKey: Record<string, unknown> | null;
  reason: string;
  failures: FailureJson[];
  rowForm: 'source' | 'target';
  replayAttempts: number;
  quarantinedAt: Iso;
}

export interface QuarantineJson {
  entries: QuarantineEntryJson[];
  /** Entries matching the filter (the list shows at most `limit`). */
  total: number;
  limit: number;
  counts: { stream: string; code: string; rows: number }[];
  choices: { streams: string[]; checks: string[]; codes: string[]; runs: number[] };
}

export interface QuarantineDetailJson extends QuarantineEntryJson {
  row: Record<string, unknown>;
}

/** Which entries an action takes: ids, or a filter (discarding everything needs all: true). */
export interface QuarantineSelection {
  ids?: number[];
  stream?: string;
  run?: number;
  reason?: string;
  all?: boolean;
  note?: string;
}

export interface ReplayJson {
  runId: number;
  streams: {
    stream: string;
    examined: number;
    replayed: number;
    stillFailing: number;
    skipped: number;
    note?: string;
  }[];
}

export interface VerifyCountsJson {
  stream: string;
  status: string;
  sourceRows: number;
  targetRows: number;
  missing: number;
  extra: number;
  different: number;
  expected: number;
  inFlight: number;
}

export interface VerifyRunJson {
  runId: number;
  finishedAt: Iso;
  inSync: boolean;
  seconds: number;
  streams: Record<string, VerifyCountsJson>;
}

export interface VerifyJson {
  /** Newest first. */
  runs: VerifyRunJson[];
  streams: string[];
}

export interface VerifyDetailJson {
  run: Omit<VerifyRunJson, 'streams'>;
  streams: (VerifyCountsJson & {
    samples: {
      missing: string[];
      extra: string[];
      different: {
        key: string;
        columns: { column: string; source: string | null; target: string | null }[];
      }[];
    };
    notes: string[];
  })[];
}

export interface ModelNodeJson {
  id: string;
  kind: 'model' | 'source';
  name: string;
  /** Column of the drawing: sources 0, a model one more than its deepest input. */
  layer: number;
  materialized?: string;
  language?: 'sql' | 'dataframe';
  path?: string;
  build?: {
    status: string;
    rows: number | null;
    seconds: number;
    at: Iso;
    engine: string;
    error?: string;
  };
  tests: { test: string; status: string; failures: number; at: Iso; error?: string; sample?: string[] }[];
}

export interface ModelsJson {
  schema: string;
  engine: string;
  nodes: ModelNodeJson[];
  edges: { from: string; to: string }[];
  /** Tests over several models (tests/*.sql), not drawn on one node. */
  otherTests: ModelNodeJson['tests'];
  lastRun: {
    runId: number;
    status: string;
    engine: string;
    startedAt: Iso;
    finishedAt: Iso;
    error: string | null;
  } | null;
  /** Why the models could not be read (the graph is then empty). */
  problem: string | null;
}

export interface ApiErrorJson {
  error: string;
  hint?: string;
}
