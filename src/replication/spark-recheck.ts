// The rows a Spark copy cannot judge in its query: those a value policy or a row check must decide
// (the read marks them with their key in the staging table's recheck column, values a policy judges
// already NULL). ferry reads each again from MySQL in its source form, by key, and puts it through
// its own row encoder and checks, exactly as `ferry sync` does: the row loads (a value set to NULL
// is recorded), goes to quarantine with its reason, or fails the stream. A table without a primary
// key is read again by the same conditions instead.
import { Readable } from 'node:stream';
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import { readRows } from '../connectors/mysql/read-rows.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { copyInto } from '../connectors/postgres/copy-into.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { qualifiedPg, quotePg, RECHECK_COLUMN } from '../schema/identifiers.js';
import { createRowEncoder } from '../schema/row-encoder.js';
import type { RowGate, SourceRow, ValuePolicies } from '../schema/row-outcome.js';
import { selectSql } from '../schema/select-list.js';
import type { SourceTable } from '../schema/source-table.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import type { FerryState } from '../state/ferry-state.js';
import { originalRowsFromSource } from './original-rows.js';

export interface Recheck {
  control: PgClient;
  source: MysqlConnection;
  state: FerryState;
  run: { targetSchema: string; stream: string; runId: number };
  staging: string;
  table: SourceTable;
  mappings: readonly ColumnMapping[];
  policies: ValuePolicies;
  gate: RowGate;
  /** The rows marked, when the copy counted them; otherwise the staging table is counted. */
  marked: number | undefined;
  /** Without a primary key: the MySQL condition that marked the rows (the read's own). */
  condition: string;
  signal: AbortSignal;
}

export interface RecheckResult {
  /** Rows marked by the read. */
  marked: number;
  quarantined: number;
  nulled: number;
  /** Marked rows no longer in the source when ferry read them again (deleted meanwhile): not loaded. */
  vanished: number;
}

const BATCH = 2000;

export async function recheckRows(options: Recheck): Promise<RecheckResult> {
  const { control, staging } = options;
  const schema = options.run.targetSchema;
  const relation = qualifiedPg(schema, staging);
  const flag = quotePg(RECHECK_COLUMN);
  const result: RecheckResult = { marked: 0, quarantined: 0, nulled: 0, vanished: 0 };
  result.marked =
    options.marked ??
    Number(
      (await control.query<{ n: string }>(`SELECT count(*) AS n FROM ${relation} WHERE ${flag} IS NOT NULL`))
        .rows[0]!.n,
    );
  if (result.marked === 0) return result;
  const encoder = createRowEncoder(
    options.run.stream,
    options.mappings,
    options.table.primaryKey,
    options.policies,
    { gate: options.gate },
  );
  const columns = options.mappings.map((m) => m.targetName);
  const settle = async (rows: AsyncIterable<SourceRow> | SourceRow[]) => {
    for await (const row of rows) encoder.add(row);
    const batch = encoder.take();
    if (batch.text.length > 0)
      await copyInto(control, schema, staging, columns, Readable.from([batch.text]), options.signal);
    await options.state.quarantine.add(control, options.run, batch.quarantined);
    await options.state.quarantine.recordValueChanges(control, options.run, batch.nulled);
    result.quarantined += batch.quarantined.length;
    result.nulled += batch.nulled.length;
  };

  if (options.table.primaryKey.length === 0) {
    await inTransaction(control, async () => {
      await control.query(`DELETE FROM ${relation} WHERE ${flag} IS NOT NULL`);
      const { sql, binary } = selectSql(options.table, options.mappings, `WHERE ${options.condition}`);
      let read = 0;
      const rows = async function* () {
        for await (const row of readRows(options.source, sql, [], binary)) {
          read++;
          yield row;
        }
      };
      await settle(rows());
      // Rows that changed since Spark read them may be more or fewer now; the count follows the read again.
      result.vanished = result.marked - read;
    });
    return result;
  }

  // The key as the read wrote it (a JSON array of the source's key text), in batches by that text.
  await control.query(`CREATE INDEX ON ${relation} (${flag}) WHERE ${flag} IS NOT NULL`);
  const original = originalRowsFromSource(options.source, options.table, options.mappings);
  let after: string | undefined;
  for (;;) {
    if (options.signal.aborted) throw options.signal.reason;
    const page: { rows: { k: string }[] } = await control.query<{ k: string }>(
      `SELECT ${flag} AS k FROM ${relation} WHERE ${flag} IS NOT NULL${after === undefined ? '' : ` AND ${flag} > $1`} ORDER BY ${flag} LIMIT ${BATCH}`,
      after === undefined ? [] : [after],
    );
    const rows = page.rows;
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.k;
    const marks = rows.map((r) => r.k);
    const keys = marks.map((k) => (JSON.parse(k) as (string | null)[]).map((v) => v ?? ''));
    const found = await original(keys);
    await inTransaction(control, async () => {
      await control.query(`DELETE FROM ${relation} WHERE ${flag} = ANY($1::text[])`, [marks]);
      const again = keys.flatMap((k) => {
        const row = found.get(JSON.stringify(k));
        return row ? [row] : [];
      });
      result.vanished += keys.length - again.length;
      await settle(again);
    });
  }
  return result;
}
