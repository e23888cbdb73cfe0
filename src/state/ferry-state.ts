// ferry's state, in one PostgreSQL schema (`_ferry`): its tables by family, each module holding
// every statement over its tables, bound to the schema's name. Nothing outside src/state/ names the
// schema or its tables; callers pass the connection (or the transaction's client) to each call.
import type { PgSession } from '../connectors/postgres/connect.js';
import { cdcLedger } from './cdc-ledger.js';
import { chunksTable } from './chunks.js';
import { locksTable } from './locks.js';
import { migrate, type MigrationTrack } from './migrate.js';
import { pipelineRunsTables } from './pipeline-runs.js';
import { quarantineTables } from './quarantine.js';
import { runsTable } from './runs.js';
import { streamSamplesTable } from './stream-samples.js';
import { streamsTable } from './streams.js';
import { transformRunsTables } from './transform-runs.js';
import { verifyRunsTables } from './verify-runs.js';

/** The schema ferry keeps its state in, in the target database (and in orchestration.database). */
export const STATE_SCHEMA = '_ferry';

export interface FerryState {
  readonly schema: string;
  /**
   * Creates or upgrades the state tables (cheap when current): the replication track in the target
   * database, the history track where pipeline runs are kept (the target, or orchestration.database).
   */
  migrate(db: PgSession, track?: MigrationTrack): Promise<void>;
  readonly runs: ReturnType<typeof runsTable>;
  readonly streams: ReturnType<typeof streamsTable>;
  readonly chunks: ReturnType<typeof chunksTable>;
  readonly quarantine: ReturnType<typeof quarantineTables>;
  readonly locks: ReturnType<typeof locksTable>;
  readonly pipelines: ReturnType<typeof pipelineRunsTables>;
  readonly verifyRuns: ReturnType<typeof verifyRunsTables>;
  readonly ledger: ReturnType<typeof cdcLedger>;
  readonly transformRuns: ReturnType<typeof transformRunsTables>;
  readonly streamSamples: ReturnType<typeof streamSamplesTable>;
}

export function ferryState(schema: string = STATE_SCHEMA): FerryState {
  return Object.freeze({
    schema,
    migrate: (db: PgSession, track: MigrationTrack = 'replication') => migrate(db, schema, track),
    runs: runsTable(schema),
    streams: streamsTable(schema),
    chunks: chunksTable(schema),
    quarantine: quarantineTables(schema),
    locks: locksTable(schema),
    pipelines: pipelineRunsTables(schema),
    verifyRuns: verifyRunsTables(schema),
    ledger: cdcLedger(schema),
    transformRuns: transformRunsTables(schema),
    streamSamples: streamSamplesTable(schema),
  });
}
