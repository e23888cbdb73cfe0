// Columns that ALTER TABLE ... ADD COLUMN gives values in existing rows (a default, NOT NULL's
// implicit one, a generated expression) without logging a row: the DDL barrier reads them from the
// source by key, through the snapshot's select list and encoders, and writes them into the rows the
// target holds, inside the barrier's transaction. The source is read after the statement, so a row
// changed since then gets its newer value first; the binlog's later images (which carry every
// column) bring it back to each state in order, so the target is exact again once it has caught up.
import { Readable } from 'node:stream';
import { connectMysql } from '../../connectors/mysql/connect.js';
import { readRows } from '../../connectors/mysql/read-rows.js';
import { copyInto } from '../../connectors/postgres/copy-into.js';
import type { PgClient } from '../../connectors/postgres/connect.js';
import { SchemaError } from '../../errors.js';
import { qualifiedPg, quotePg } from '../../schema/identifiers.js';
import { createRowEncoder } from '../../schema/row-encoder.js';
import type { ValueChange, ValuePolicies } from '../../schema/row-outcome.js';
import { selectSql } from '../../schema/select-list.js';
import type { ColumnMapping } from '../../schema/type-mapping.js';
import type { ConnectionSpec } from '../../connectors/connection-spec.js';
import type { StreamPlan } from '../stream-plan.js';

const TEMP = 'ferry_backfill';
const LINES_PER_COPY = 5000;

/** Whether existing rows can hold something other than NULL in a column just added. */
export function needsBackfill(m: ColumnMapping): boolean {
  const c = m.column;
  const noDefault = c.defaultValue === null || c.defaultValue.toUpperCase() === 'NULL';
  return c.generated || !c.nullable || !noDefault;
}

export interface BackfillOptions {
  source: ConnectionSpec;
  writer: PgClient;
  targetSchema: string;
  /** The stream as the source has it after the statement. */
  plan: StreamPlan;
  /** Its mappings (plan order) and the added columns to fill. */
  mappings: readonly ColumnMapping[];
  added: readonly ColumnMapping[];
  policies: ValuePolicies;
}

/**
 * Fills the added columns of the target rows from the source (inside the writer's open transaction).
 * Returns the values a zero_dates / invalid_values policy set to NULL; a value the policy would
 * quarantine or fail on stops the stream (the row is loaded already and cannot be set aside alone).
 */
export async function backfillColumns(
  options: BackfillOptions,
): Promise<{ rows: number; nulled: ValueChange[] }> {
  const { plan, writer } = options;
  const keys = plan.table.primaryKey.map((k) => options.mappings.find((m) => m.column.name === k)!);
  const columns = [...keys, ...options.added];
  const names = columns.map((m) => m.targetName);
  const encoder = createRowEncoder(plan.name, columns, plan.table.primaryKey, {
    zero_dates: options.policies.zero_dates === 'null' ? 'null' : 'fail',
    invalid_values: options.policies.invalid_values === 'null' ? 'null' : 'fail',
  });
  await writer.query(
    `CREATE TEMP TABLE ${quotePg(TEMP)} (${columns.map((m) => `${quotePg(m.targetName)} ${m.pgType}`).join(', ')}) ON COMMIT DROP`,
  );
  const { sql, binary } = selectSql(plan.table, columns);
  const source = await connectMysql(options.source);
  let rows = 0;
  try {
    let lines: string[] = [];
    const flush = async () => {
      if (lines.length === 0) return;
      const text = lines.join('\n') + '\n';
      lines = [];
      await copyInto(writer, 'pg_temp', TEMP, names, Readable.from([text], { objectMode: false }));
    };
    for await (const row of readRows(source, sql, [], binary)) {
      let line: string | undefined;
      try {
        line = encoder.line(row);
      } catch (error) {
        throw new SchemaError(
          `${plan.name}: a column added in the source holds a value the target cannot take for existing rows: ${(error as Error).message}`,
          { hint: `take a new snapshot of the stream: ferry sync --full-refresh --streams ${plan.name}` },
        );
      }
      if (line !== undefined) lines.push(line);
      rows++;
      if (lines.length >= LINES_PER_COPY) await flush();
    }
    await flush();
  } finally {
    await source.end().catch(() => undefined);
  }
  const target = qualifiedPg(options.targetSchema, plan.targetTable);
  const set = options.added.map((m) => `${quotePg(m.targetName)} = b.${quotePg(m.targetName)}`).join(', ');
  const on = keys.map((m) => `t.${quotePg(m.targetName)} = b.${quotePg(m.targetName)}`).join(' AND ');
  await writer.query(`UPDATE ${target} t SET ${set} FROM ${quotePg(TEMP)} b WHERE ${on}`);
  await writer.query(`DROP TABLE ${quotePg(TEMP)}`);
  return { rows, nulled: encoder.take().nulled };
}
