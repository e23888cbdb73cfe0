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
  })
  .describe('ferry configuration (ferry.yaml)');

export type FerryConfig = z.infer<typeof configSchema>;
export type SourceProfile = z.infer<typeof sourceSchema>;
export type TargetProfile = z.infer<typeof targetSchema>;
export type StreamConfig = z.infer<typeof streamSchema>;
export type TlsConfig = z.infer<typeof tlsSchema>;
export type SyncSettings = z.infer<typeof syncSchema>;
