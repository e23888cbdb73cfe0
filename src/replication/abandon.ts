// A `fail` check (or any data error) stops a full load: nothing of the stream may stay behind, so
// the staging table, its chunk progress and this run's quarantine entries for it are removed.
import type { Queryable } from '../connectors/postgres/connect.js';
import { DataError } from '../errors.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { FerryState } from '../state/ferry-state.js';

export interface StagedLoad {
  schema: string;
  stream: string;
  targetTable: string;
  staging: string;
  runId: number;
}

/** Rethrows `error`; first, for a data error, removes everything the stream's run left in the target. */
export async function abandonStagedLoad(
  db: Queryable,
  state: FerryState,
  load: StagedLoad,
  error: unknown,
): Promise<never> {
  if (error instanceof DataError) {
    await db.query(`DROP TABLE IF EXISTS ${qualifiedPg(load.schema, load.staging)}`);
    await state.chunks.forget(db, { targetSchema: load.schema, table: load.targetTable });
    await state.quarantine.abandonRun(db, {
      targetSchema: load.schema,
      stream: load.stream,
      runId: load.runId,
    });
  }
  throw error;
}
