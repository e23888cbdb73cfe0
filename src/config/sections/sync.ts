// ferry.yaml's sync section: parallelism, batch sizes and the value policies.
import { z } from 'zod';

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
        'evolve: add new columns, keep dropped ones, widen columns in place when no value can be lost (int to bigint, longer varchar, larger decimal), stop on other type changes; rebuild: like evolve, and rebuild a table whose column types changed; fail: stop on any change',
      ),
    missing_tables: z
      .enum(['keep', 'mark', 'drop'])
      .default('keep')
      .describe(
        'A table ferry synced before that the source no longer has (dropped or renamed): keep its target table as it is, mark it (a comment on the table says since when it is gone), or drop it (and forget its state). Its stream is reported as source_missing on every run until then',
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
