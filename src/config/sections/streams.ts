// ferry.yaml's streams: which tables, how (mode, cursor, deletes), and their checks and deduplication.
import { z } from 'zod';
import { identifier } from './common.js';
import { DELETED_AT } from '../../schema/identifiers.js';

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
        "quarantine: set the row aside in ferry's quarantine (ferry quarantine list); warn: load it and count it; fail: stop the stream, commit nothing of it",
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
  .describe('Keep one row per key (the latest by the cursor); the others are recorded in the quarantine');

export const columnOverrideSchema = z
  .strictObject({
    type: z
      .string()
      .min(1, 'expected a PostgreSQL type')
      .optional()
      .describe(
        'The PostgreSQL type of the target column, one the type mapping can give this source column (boolean or smallint for TINYINT(1), jsonb or text for JSON; docs/type-mapping.md#overrides)',
      ),
    rename: identifier.optional().describe('The target column is named so (at most 63 bytes)'),
    exclude: z.literal(true).optional().describe('The column is not copied (never a key column)'),
  })
  .superRefine((o, ctx) => {
    if (o.type === undefined && o.rename === undefined && o.exclude === undefined)
      ctx.addIssue({ code: 'custom', message: 'expected type, rename or exclude' });
    if (o.exclude && (o.type !== undefined || o.rename !== undefined))
      ctx.addIssue({ code: 'custom', message: 'an excluded column takes no type or rename' });
  })
  .describe('What to change about one source column in the target');

export const streamModes = ['full_refresh', 'incremental', 'cdc'] as const;

/** What an incremental stream that cannot be incremental does: none (a configuration error) or a full copy. */
export const incrementalFallbacks = ['none', 'full_refresh'] as const;

/**
 * The lookback of a stream that sets none (here or in defaults:). Small on purpose: the open
 * transactions at each snapshot hold the mark back for as long as they stay open (docs/sync.md);
 * the lookback covers what those cannot show (a timestamp taken a moment before its transaction).
 */
export const DEFAULT_LOOKBACK = '5s';

export const streamSchema = z
  .strictObject({
    table: identifier.describe('Source table name, or a glob such as "*" or "order_*"'),
    mode: z
      .enum(streamModes)
      .optional()
      .describe(
        'full_refresh copies the whole table; incremental copies rows past the cursor; cdc follows the binlog and applies every insert, update and delete (docs/cdc.md)',
      ),
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
      .describe(
        `Late commits: date/time cursors re-read rows this far behind the mark; numeric cursors re-read the values skipped below it for at least this long (default ${DEFAULT_LOOKBACK})`,
      ),
    deletes: z
      .enum(['ignore', 'soft', 'hard'])
      .optional()
      .describe(
        `Incremental and cdc streams: ignore source deletes, mark them in ${DELETED_AT}, or delete them (default: ignore; hard for cdc)`,
      ),
    exclude: z.array(identifier).optional().describe('Tables the glob must skip'),
    target_table: identifier.optional().describe('Target table name; defaults to the source name'),
    target_schema: identifier
      .optional()
      .describe('PostgreSQL schema of the target table; defaults to target.schema'),
    where: z
      .string()
      .min(1, 'expected a condition')
      .optional()
      .describe(
        "A MySQL condition on the source rows (status <> 'test'): only rows meeting it are copied and verified (full_refresh and incremental streams)",
      ),
    overrides: z
      .record(identifier, columnOverrideSchema)
      .optional()
      .describe('Per source column: its PostgreSQL type, its name in the target, or leave it out'),
    columns: z
      .array(identifier)
      .optional()
      .describe('Only these columns (the primary key is always included)'),
    checks: z.array(checkSchema).optional().describe('Validation of the rows (docs/quality.md)'),
    dedup: dedupSchema.optional(),
    incremental_fallback: z
      .enum(incrementalFallbacks)
      .optional()
      .describe(
        'An incremental stream whose table cannot be copied incrementally (no cursor, a cursor column it lacks or that is not a number or a date/time, no primary key): none (default) makes it a configuration error; full_refresh copies it in full on every run, with a warning',
      ),
  })
  .describe('Which tables to replicate, and how');
