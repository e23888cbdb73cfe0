// Set checks (unique, relationship, expression) on the rows a change-data-capture batch wrote, after
// every stream of the batch is applied and before it commits, as an incremental run checks the rows
// it merges: unique against the batch's other rows and the target's rows the batch left alone,
// relationship against the parent stream's target as the batch leaves it (a parent written by the
// same source transaction counts), expression per row. A row that fails leaves the target for the
// quarantine (in its target form) with its failures; its later changes are checked again when
// they come. Row checks and the value policies run earlier, on each change's image (the row gate).
import type { PgClient } from '../../connectors/postgres/connect.js';
import { qualifiedPg, quotePg } from '../../schema/identifiers.js';
import { describeFailures } from '../../schema/row-outcome.js';
import type { StreamQuality } from '../../quality/stream-quality.js';
import type { FerryState } from '../../state/ferry-state.js';

const WRITTEN = 'ferry_written';

export interface CheckedStream {
  targetSchema: string;
  targetTable: string;
  primaryKey: readonly string[];
  quality: StreamQuality;
  /** The batch's touched keys and whether each one's image was written (ChangeTable.touched). */
  touched: { relation: string; loaded: string; keyColumns: readonly string[] };
}

/** Runs the stream's set checks on the rows the batch wrote; returns how many it quarantined. */
export async function checkWrittenRows(
  client: PgClient,
  state: FerryState,
  stream: CheckedStream,
  runId: number,
): Promise<number> {
  const target = qualifiedPg(stream.targetSchema, stream.targetTable);
  const keys = stream.touched.keyColumns.map(quotePg);
  const on = keys.map((k) => `t.${k} = f.${k}`).join(' AND ');
  await client.query(`DROP TABLE IF EXISTS pg_temp.${quotePg(WRITTEN)}`);
  await client.query(
    `CREATE TEMP TABLE ${quotePg(WRITTEN)} ON COMMIT DROP AS
       SELECT t.* FROM ${target} t JOIN ${stream.touched.relation} f ON ${on} WHERE f.${quotePg(stream.touched.loaded)}`,
  );
  let quarantined = 0;
  const match = keys.map((k, i) => `t.${k}::text = $${i + 1}`).join(' AND ');
  await stream.quality.settle(client, { relation: `pg_temp.${quotePg(WRITTEN)}`, whole: false }, runId, {
    dedup: false,
    // The rows were written already: they leave the target for the quarantine, one by one (few).
    setAside: async (rows) => {
      for (const { key, failures } of rows)
        quarantined += await state.quarantine.addLoadedRows(client, {
          targetSchema: stream.targetSchema,
          stream: stream.targetTable,
          runId,
          deleteSql: `DELETE FROM ${target} t WHERE ${match} RETURNING t.*`,
          params: key,
          primaryKey: stream.primaryKey,
          keyColumns: stream.touched.keyColumns,
          reason: describeFailures(failures),
          failures,
        });
    },
  });
  await client.query(`DROP TABLE pg_temp.${quotePg(WRITTEN)}`);
  return quarantined;
}
