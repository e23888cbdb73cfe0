// ferry.yaml's cdc section: how change data capture reads the binlog and applies it (docs/cdc.md).
import { z } from 'zod';
import { duration } from './common.js';

export const cdcSchema = z
  .strictObject({
    server_id: z
      .number()
      .int()
      .min(1)
      .max(4294967295)
      .optional()
      .describe(
        "The replica id ferry reads the binlog as; by default one derived from the host and the target schema, unused by the source's replicas",
      ),
    heartbeat: duration
      .default('1s')
      .describe(
        'The source sends a heartbeat after this much idle time; three missed ones mean a dead connection',
      ),
    batch_rows: z
      .number()
      .int()
      .min(1)
      .default(20_000)
      .describe(
        'Row changes applied in one PostgreSQL transaction, at most (whole source transactions; a larger one is applied alone)',
      ),
    batch_wait: duration
      .default('200ms')
      .describe(
        'A batch commits at the latest this long after its first change (and at once when the binlog is caught up)',
      ),
    on_position_lost: z
      .enum(['fail', 'resnapshot'])
      .default('fail')
      .describe(
        "When the checkpoint's binlog is gone from the source (purged): fail the stream with what to do, or take a new snapshot of it",
      ),
    ledger_retention: duration
      .default('7d')
      .describe(
        "How long the ledger of applied source transactions is kept (the cdc_ledger table of ferry's state)",
      ),
    sample_every: duration.default('10s').describe('How often lag and throughput are sampled per stream'),
    samples_retention: duration
      .default('30d')
      .describe('How long the samples are kept (rolled up to one a minute after a day)'),
  })
  .describe('Change data capture: streams with mode cdc (docs/cdc.md)');
