// A `fail` check (or any data error) stops a full refresh: nothing of the stream may stay behind,
// so the staging table, its chunk progress and this run's quarantine entries for it are removed.
import type { PgClient } from '../connectors/postgres/connect.js';
import { forgetChunks } from '../connectors/postgres/state-store.js';
import { DataError } from '../errors.js';
import { qualifiedPg } from '../schema/identifiers.js';

export interface StagedLoad {
  schema: string;
  stream: string;
  targetTable: string;
  staging: string;
  runId: number;
}

/** Rethrows `error`; first, for a data error, removes everything the stream's run left in the target. */
export async function abandonStagedLoad(client: PgClient, load: StagedLoad, error: unknown): Promise<never> {
  if (error instanceof DataError) {
    await client.query(`DROP TABLE IF EXISTS ${qualifiedPg(load.schema, load.staging)}`);
    await forgetChunks(client, load.schema, load.targetTable);
    for (const table of ['quarantine', 'value_changes'])
      await client.query(
        `DELETE FROM "_ferry".${'"' + table + '"'} WHERE target_schema = $1 AND stream = $2 AND run_id = $3`,
        [load.schema, load.stream, load.runId],
      );
  }
  throw error;
}
