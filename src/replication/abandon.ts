// A full load that ferry stopped on purpose (a `fail` check, a value under `fail`, a schema change it
// cannot follow) leaves nothing behind: the staging table, its chunk progress and this run's
// quarantine entries for it are removed, so the next run starts the stream cleanly. A lost
// connection or a killed process keeps them: the next run resumes from the finished chunks.
import type { Queryable } from '../connectors/postgres/connect.js';
import { FerryError } from '../errors.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { FerryState } from '../state/ferry-state.js';

export interface StagedLoad {
  schema: string;
  stream: string;
  targetTable: string;
  staging: string;
  runId: number;
}

/** Rethrows `error`; first, for a data or schema error, removes everything the stream's run left in the target. */
export async function abandonStagedLoad(
  db: Queryable,
  state: FerryState,
  load: StagedLoad,
  error: unknown,
): Promise<never> {
  if (error instanceof FerryError && (error.kind === 'data' || error.kind === 'schema')) {
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
