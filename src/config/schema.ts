// The schema of ferry.yaml: the single source of truth. Types are inferred from it and
// ferry.schema.json is generated from it (npm run schema).
import { z } from 'zod';

const identifier = z.string().min(1, 'expected a name');

export const tlsSchema = z
  .strictObject({
    mode: z
      .enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full'])
      .default('prefer')
      .describe(
        'disable: plain TCP; prefer: TLS when offered; require: TLS without certificate checks; verify-ca / verify-full: check the certificate (and the host name)',
      ),
    ca: z.string().optional().describe('Path of a PEM file with the CA certificate(s)'),
    cert: z.string().optional().describe('Path of a PEM client certificate'),
    key: z.string().optional().describe('Path of the PEM key of the client certificate'),
  })
  .describe('TLS settings of a connection');

const connectionFields = {
  url: z.string().optional().describe('Connection URL; the fields below override its parts'),
  host: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().optional(),
  password: z.string().optional().describe('Prefer ${ENV_VAR} over a literal password'),
  database: z.string().optional(),
  tls: tlsSchema.optional(),
  connect_timeout: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Milliseconds to wait for a connection'),
  stall_timeout: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe(
      'Milliseconds without a byte from the server, while ferry waits on it, before ferry checks on a fresh connection that its session still works (0: never)',
    ),
};

function needsUrlOrHost(
  profile: { url?: string | undefined; host?: string | undefined; database?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (!profile.url && !profile.host) {
    ctx.addIssue({ code: 'custom', message: 'expected either `url` or `host` (and `database`)' });
  }
}

export const sourceSchema = z
  .strictObject({
    ...connectionFields,
    url: connectionFields.url.describe('mysql://user:password@host:3306/database (MySQL or MariaDB)'),
  })
  .superRefine(needsUrlOrHost)
  .describe('The MySQL or MariaDB database to replicate from');

export const targetSchema = z
  .strictObject({
    ...connectionFields,
    url: connectionFields.url.describe('postgres://user:password@host:5432/database'),
    schema: identifier.default('public').describe('PostgreSQL schema that receives the replicated tables'),
  })
  .superRefine(needsUrlOrHost)
  .describe('The PostgreSQL database to replicate into');

export const checkSeverities = ['quarantine', 'warn', 'fail'] as const;

const CHECK_KINDS = [
  'not_null',
  'unique',
  'accepted_values',
  'regex',
  'max_length',
  'relationship',
  'expression',
] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Checks on one column (or a SQL expression over the row); each key set is one check, all sharing the severity. */
export const checkSchema = z
  .strictObject({
    column: identifier.optional().describe('The column checked; required by every check but `expression`'),
    name: z
      .string()
      .min(1)
      .optional()
      .describe('Name in summaries and quarantine records; default <column>.<check> or expression_<n>'),
    severity: z
      .enum(checkSeverities)
      .default('quarantine')
      .describe(
        'quarantine: set the row aside in _ferry.quarantine; warn: load it and count it; fail: stop the stream, commit nothing of it',
      ),
    not_null: z.literal(true).optional().describe('The value is not NULL'),
    unique: z
      .literal(true)
      .optional()
      .describe('No other row of the batch or of the target table has the value (NULLs are not compared)'),
    accepted_values: z
      .array(scalar)
      .min(1, 'expected at least one value')
      .optional()
      .describe('The value is one of these (compared as text)'),
    min: z
      .union([z.number(), z.string()])
      .optional()
      .describe('Smallest allowed value (numbers, dates as text)'),
    max: z.union([z.number(), z.string()]).optional().describe('Largest allowed value'),
    regex: z.string().optional().describe('The text matches this regular expression (JavaScript syntax)'),
    max_length: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('At most this many characters (bytes for binary)'),
    relationship: z
      .strictObject({
        stream: identifier.describe('The parent stream (its target table)'),
        column: identifier.describe("The referenced column of the parent's target table"),
      })
      .optional()
      .describe("The value exists in the parent stream's target table"),
    expression: z
      .string()
      .min(1)
      .optional()
      .describe("A PostgreSQL boolean expression over the row's columns; the row fails when it is false"),
  })
  .superRefine((check, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => check[k] !== undefined);
    if (kinds.length === 0 && check.min === undefined && check.max === undefined)
      ctx.addIssue({
        code: 'custom',
        message: `expected at least one check (${[...CHECK_KINDS, 'min', 'max'].join(', ')})`,
      });
    const needsColumn =
      kinds.some((k) => k !== 'expression') || check.min !== undefined || check.max !== undefined;
    if (needsColumn && !check.column)
      ctx.addIssue({ code: 'custom', message: 'expected `column:` for a column check', path: ['column'] });
    if (check.regex !== undefined) {
      try {
        new RegExp(check.regex, 'u');
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid regular expression: ${(error as Error).message}`,
          path: ['regex'],
        });
      }
    }
  })
  .describe('Checks applied to the rows of a stream between extraction and load (docs/quality.md)');

export const dedupSchema = z
  .strictObject({
    key: z
      .array(identifier)
      .min(1, 'expected at least one column')
      .describe('Columns that identify a duplicate'),
    cursor: identifier
      .optional()
      .describe(
        "Of rows with the same key the one with the largest cursor is kept; default: the stream's cursor",
      ),
  })
  .describe('Keep one row per key (the latest by the cursor); the others are recorded in _ferry.quarantine');

export const streamModes = ['full_refresh', 'incremental'] as const;

export const streamSchema = z
  .strictObject({
    table: identifier.describe('Source table name, or a glob such as "*" or "order_*"'),
    mode: z
      .enum(streamModes)
      .optional()
      .describe('full_refresh copies the whole table; incremental copies rows past the cursor'),
    cursor: identifier
      .optional()
      .describe('Column whose growth marks new or changed rows (updated_at, or a growing id)'),
    primary_key: z
      .array(identifier)
      .min(1, 'expected at least one column')
      .optional()
      .describe('Columns that identify a row, when the table declares none'),
    lookback: z
      .string()
      .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m or 1h')
      .optional()
      .describe('Re-read rows this far behind the high-water mark, for late commits'),
    deletes: z
      .enum(['ignore', 'soft', 'hard'])
      .optional()
      .describe('Incremental streams: ignore source deletes, mark them in _ferry_deleted_at, or delete them'),
    exclude: z.array(identifier).optional().describe('Tables the glob must skip'),
    target_table: identifier.optional().describe('Target table name; defaults to the source name'),
    columns: z
      .array(identifier)
      .optional()
      .describe('Only these columns (the primary key is always included)'),
    checks: z.array(checkSchema).optional().describe('Validation of the rows (docs/quality.md)'),
    dedup: dedupSchema.optional(),
  })
  .describe('Which tables to replicate, and how');

export const policyChoice = z.enum(['null', 'quarantine', 'fail']);

export const syncSchema = z
  .strictObject({
    parallel_tables: z.number().int().min(1).max(64).default(2).describe('Tables copied at the same time'),
    chunk_rows: z
      .number()
      .int()
      .min(1000)
      .default(250_000)
      .describe('Rows per primary-key range of a large table'),
    batch_rows: z
      .number()
      .int()
      .min(1)
      .default(5_000)
      .describe('Rows per batch in the stream between the databases'),
    zero_dates: policyChoice
      .default('null')
      .describe(
        'What to do with 0000-00-00 dates: store NULL (recorded), quarantine the row, or fail the stream',
      ),
    invalid_values: policyChoice
      .default('quarantine')
      .describe('Values PostgreSQL cannot hold (NUL bytes in text, out-of-range numbers)'),
    schema_changes: z
      .enum(['evolve', 'rebuild', 'fail'])
      .default('evolve')
      .describe(
        'evolve: add new columns, keep dropped ones, stop on a type change; rebuild: like evolve, and rebuild a table whose column types changed; fail: stop on any change',
      ),
    parallel_chunks: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(2)
      .describe(
        'Primary-key ranges of one large table copied at the same time (uses connections other tables leave idle)',
      ),
  })
  .describe('How ferry sync runs');

const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m or 1h');

const pipelineName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'expected letters, digits, _ . - (as Airflow ids allow)');

export const triggerRules = ['all_success', 'all_done'] as const;

const taskFields = {
  depends_on: z
    .array(pipelineName)
    .optional()
    .describe('Tasks that must finish first; when omitted, ferry infers them (see docs/orchestration.md)'),
  retries: z.number().int().min(0).max(100).optional().describe('Extra attempts after a failure'),
  retry_delay: duration.optional().describe('Delay before the first retry; doubles on each further one'),
  timeout: duration.optional().describe('An attempt running longer than this is stopped and fails'),
  trigger_rule: z
    .enum(triggerRules)
    .optional()
    .describe(
      'all_success: run when every upstream task succeeded; all_done: run once they all finished, whatever their state (notifications, cleanup)',
    ),
};

export const pipelineTaskSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('sync').describe('Replicate streams (ferry sync)'),
      streams: z.array(identifier).optional().describe('Only these streams; all by default'),
      full_refresh: z.boolean().optional().describe('Copy the selected streams in full'),
      ...taskFields,
    }),
    z.strictObject({
      kind: z.literal('verify').describe('Compare source and target (ferry verify); fails on differences'),
      streams: z.array(identifier).optional(),
      ...taskFields,
    }),
    z.strictObject({
      kind: z
        .literal('quality')
        .describe('A quality gate: fails while more rows than allowed wait in quarantine (docs/quality.md)'),
      streams: z.array(identifier).optional().describe('Only these streams; all by default'),
      max_quarantined: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe('Rows a stream may have waiting in quarantine before the gate fails'),
      ...taskFields,
    }),
    z.strictObject({
      kind: z.literal('transform').describe('Build SQL models (ferry transform --select ...)'),
      select: z.array(z.string().min(1)).min(1).describe('Model selectors passed to --select'),
      ...taskFields,
    }),
    z.strictObject({
      kind: z.literal('shell').describe('A shell command; the data interval is in FERRY_INTERVAL_START/END'),
      command: z.string().min(1),
      env: z.record(z.string(), z.string()).optional(),
      ...taskFields,
    }),
  ])
  .describe('One task of a pipeline');

export const pipelineSchema = z
  .strictObject({
    schedule: z
      .string()
      .optional()
      .describe('Cron expression (5 fields, or 6 with seconds first); no schedule: run on demand only'),
    timezone: z.string().default('UTC').describe('IANA time zone the schedule is read in'),
    start: z.string().optional().describe('First interval start (ISO 8601), for catchup'),
    catchup: z
      .boolean()
      .default(false)
      .describe('Run every interval missed since `start` (or since the last run)'),
    max_active_runs: z.number().int().min(1).default(1).describe('Runs of this pipeline in progress at once'),
    concurrency: z.number().int().min(1).default(4).describe('Tasks of this pipeline running at once'),
    defaults: z
      .strictObject({
        retries: taskFields.retries,
        retry_delay: taskFields.retry_delay,
        timeout: taskFields.timeout,
      })
      .default({})
      .describe('Task settings used where a task sets none'),
    tasks: z
      .record(pipelineName, pipelineTaskSchema)
      .refine((t) => Object.keys(t).length > 0, 'expected at least one task')
      .describe('The tasks, by name'),
  })
  .describe('A pipeline: a DAG of tasks run on a schedule');

export const orchestrationSchema = z
  .strictObject({
    database: z
      .string()
      .optional()
      .describe('postgres:// URL of the database holding run history and the queue; the target by default'),
    queue_schema: identifier.default('_ferry_queue').describe('Schema of the job queue (pg-boss)'),
  })
  .describe('Where ferry keeps pipeline runs and its job queue');
export const sparkSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^sc:\/\//, 'expected sc://host:port, e.g. sc://127.0.0.1:15002')
      .default('sc://127.0.0.1:15002')
      .describe('Spark Connect server: sc://host:port/;token=${SPARK_TOKEN};use_ssl=true'),
    ca: z
      .string()
      .optional()
      .describe('Path of a PEM file with the CA certificate(s) to trust when use_ssl=true'),
    rows_per_partition: z
      .number()
      .int()
      .min(1000)
      .default(250_000)
      .describe('ferry sync --engine spark: source rows per JDBC read partition (executor task)'),
    write_connections: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('ferry sync --engine spark: parallel JDBC connections writing into PostgreSQL'),
  })
  .describe(
    'The Spark cluster ferry runs jobs on (ferry sync --engine spark, ferry transform --engine spark)',
  );
export const transformEngines = ['postgres', 'duckdb', 'spark'] as const;

export const transformSchema = z
  .strictObject({
    models: z
      .string()
      .default('models')
      .describe('Folder of the models (.sql and .ts files, schema.yml, tests/)'),
    engine: z
      .enum(transformEngines)
      .default('postgres')
      .describe(
        'postgres: run models inside the target (EtLT); duckdb: run them in an embedded DuckDB fed from the source, then load the results (ETL); spark: run them on the Spark Connect server of the spark section over the replicated tables, then load the results',
      ),
    schema: identifier.default('analytics').describe('PostgreSQL schema that receives the models'),
    sources: z
      .record(identifier, identifier)
      .optional()
      .describe(
        'source name used in models -> schema of its replicated tables; default: { <database>: target.schema }',
      ),
    threads: z.number().int().min(1).max(32).default(4).describe('Models built at the same time'),
    duckdb: z
      .strictObject({
        path: z.string().default(':memory:').describe('DuckDB database file, or :memory:'),
        memory_limit: z.string().optional().describe("DuckDB's memory_limit, e.g. 2GB"),
        threads: z.number().int().min(1).max(256).optional().describe("DuckDB's worker threads"),
        load_views: z
          .boolean()
          .default(false)
          .describe(
            'Also load view models into PostgreSQL (as tables); by default they stay inside DuckDB and feed their descendants',
          ),
      })
      .default({ path: ':memory:', load_views: false })
      .describe('Settings of the embedded DuckDB engine'),
    spark: z
      .strictObject({
        load_views: z
          .boolean()
          .default(false)
          .describe(
            'Also load view models into PostgreSQL (as tables); by default they stay temporary views inside Spark and feed their descendants',
          ),
      })
      .default({ load_views: false })
      .describe('Settings of the spark engine (the server itself is the top-level spark section)'),
  })
  .describe('SQL and DataFrame models (ferry transform)');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    source: sourceSchema,
    target: targetSchema,
    streams: z
      .array(streamSchema)
      .min(1, 'expected at least one stream')
      .default([{ table: '*' }]),
    defaults: z
      .strictObject({
        mode: z.enum(streamModes).default('full_refresh'),
        cursor: identifier.optional(),
        lookback: streamSchema.shape.lookback,
        deletes: streamSchema.shape.deletes,
      })
      .default({ mode: 'full_refresh' })
      .describe('Stream settings used where a stream sets none'),
    sync: syncSchema.default(syncSchema.parse({})),
    pipelines: z.record(pipelineName, pipelineSchema).default({}).describe('Pipelines, by name'),
    orchestration: orchestrationSchema.default({ queue_schema: '_ferry_queue' }),
    spark: sparkSchema.optional(),
    transform: transformSchema.default(transformSchema.parse({})),
  })
  .describe('ferry configuration (ferry.yaml)');

export type FerryConfig = z.infer<typeof configSchema>;
export type SourceProfile = z.infer<typeof sourceSchema>;
export type TargetProfile = z.infer<typeof targetSchema>;
export type StreamConfig = z.infer<typeof streamSchema>;
export type TlsConfig = z.infer<typeof tlsSchema>;
export type SyncSettings = z.infer<typeof syncSchema>;
export type PipelineConfig = z.infer<typeof pipelineSchema>;
export type PipelineTaskConfig = z.infer<typeof pipelineTaskSchema>;
export type TriggerRule = (typeof triggerRules)[number];
export type SparkSettings = z.infer<typeof sparkSchema>;
export type CheckConfig = z.infer<typeof checkSchema>;
export type DedupConfig = z.infer<typeof dedupSchema>;
export type TransformSettings = z.infer<typeof transformSchema>;
