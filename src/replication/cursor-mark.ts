// The high-water mark an incremental stream may store, per kind of cursor (docs/sync.md, "What each
// cursor guarantees"). A temporal cursor's mark never passes the start of the oldest writer still
// open at the snapshot, nor the source's clock: a row that commits later, or one written with a
// clock ahead, is read again instead of skipped. A numeric cursor's mark is the snapshot's maximum;
// the values it skipped below it are kept as holes (cursor-holes.ts).
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { WriteHorizon } from '../connectors/mysql/write-horizon.js';
import { quoteMysql } from '../schema/identifiers.js';
import type { SourceColumn, SourceTable } from '../schema/source-table.js';

const TEMPORAL = new Set(['date', 'datetime', 'timestamp']);
const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal']);

/** A transaction holding the mark back longer than this is named in a warning. */
const HELD_WARNING_SECONDS = 60;

export interface Cursor {
  name: string;
  column: SourceColumn;
  kind: 'temporal' | 'numeric';
  /** Digits after the point of a numeric cursor (0 for integers). */
  scale: number;
  quoted: string;
}

/** The stream's cursor column, or undefined when it has none of a kind ferry can follow. */
export function cursorOf(table: SourceTable, name: string | undefined): Cursor | undefined {
  const column = table.columns.find((c) => c.name === name);
  if (!column) return undefined;
  const kind = TEMPORAL.has(column.dataType)
    ? 'temporal'
    : NUMERIC.has(column.dataType)
      ? 'numeric'
      : undefined;
  if (!kind) return undefined;
  const scale = column.dataType === 'decimal' ? (column.scale ?? 0) : 0;
  return { name: column.name, column, kind, scale, quoted: quoteMysql(column.name) };
}

export interface SnapshotMark {
  /** MAX(cursor) in the snapshot. */
  max: string | null;
  /** What the stream stores as its high-water mark. */
  mark: string | null;
  warnings: string[];
}

const from = (table: SourceTable) => `${quoteMysql(table.schema)}.${quoteMysql(table.name)}`;

/** A temporal value as text that sorts as it compares: YYYY-MM-DD HH:MM:SS.ffffff. */
function sortable(text: string): string {
  const [date = '', time = '00:00:00'] = text.split(' ');
  const [hms = '00:00:00', fraction = ''] = time.split('.');
  return `${date} ${hms}.${fraction.padEnd(6, '0').slice(0, 6)}`;
}

/**
 * An instant of the source's clock as the cursor's values are written: TIMESTAMP in UTC (ferry
 * reads them so), DATETIME and DATE in the server's time zone (what NOW() writes).
 */
function clockText(epoch: number, cursor: Cursor, horizon: WriteHorizon): string {
  const offset = cursor.column.dataType === 'timestamp' ? 0 : horizon.zoneOffset;
  const micros = Math.floor((epoch + offset) * 1e6);
  const iso = new Date(Math.floor(micros / 1000)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  // A DATE holds the day only: a writer open since 23:00 writes yesterday's date.
  if (cursor.column.dataType === 'date') return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(((micros % 1e6) + 1e6) % 1e6).padStart(6, '0')}`;
}

/** MAX(cursor) of the snapshot and the mark the stream may store; warnings say what held it back. */
export async function readSnapshotMark(
  source: MysqlConnection,
  table: SourceTable,
  cursor: Cursor,
  horizon: WriteHorizon | undefined,
  lookbackSeconds: number,
): Promise<SnapshotMark> {
  const [rows] = await source.query(`SELECT CAST(MAX(${cursor.quoted}) AS CHAR) AS m FROM ${from(table)}`);
  const max = ((rows as Record<string, unknown>[])[0]?.m as string | null) ?? null;
  const warnings: string[] = [];
  if (horizon && !horizon.visible)
    warnings.push(
      `ferry cannot see the source's open transactions (${horizon.problem ?? 'no PROCESS privilege'}), so a row whose transaction stays open longer than the lookback (${lookbackSeconds} s) may be missed; GRANT PROCESS ON *.* TO the ferry user (ferry doctor checks it)`,
    );
  if (max === null || !horizon || cursor.kind === 'numeric') return { max, mark: max, warnings };

  const open = horizon.oldestOpen;
  const cap = clockText(open ? Math.min(open.startedAt, horizon.readAt) : horizon.readAt, cursor, horizon);
  const held = sortable(max) > sortable(cap);
  // A second of slack: the snapshot opens a moment after the clock was read.
  const future = clockText(horizon.snapshotAt + 1, cursor, horizon);
  if (sortable(max) > sortable(future)) warnings.push(await describeFuture(source, table, cursor, future));
  if (held && open && horizon.readAt - open.startedAt > HELD_WARNING_SECONDS)
    warnings.push(
      `the mark stays at ${cap}: a ${open.what} of source session ${open.thread} has been open for ${Math.round(horizon.readAt - open.startedAt)} s, and rows it writes may commit below the mark; rows from then on are read again until it ends`,
    );
  return { max, mark: held ? cap : max, warnings };
}

/** Names the rows whose cursor is ahead of the source's clock, with their keys. */
async function describeFuture(
  source: MysqlConnection,
  table: SourceTable,
  cursor: Cursor,
  clock: string,
): Promise<string> {
  const [count] = await source.query(`SELECT COUNT(*) AS n FROM ${from(table)} WHERE ${cursor.quoted} > ?`, [
    clock,
  ]);
  const key = table.primaryKey.map((k) => `CAST(${quoteMysql(k)} AS CHAR) AS ${quoteMysql(`k_${k}`)}`);
  const [sample] = await source.query(
    `SELECT ${[...key, `CAST(${cursor.quoted} AS CHAR) AS ferry_cursor`].join(', ')} FROM ${from(table)} WHERE ${cursor.quoted} > ? ORDER BY ${cursor.quoted} DESC LIMIT 3`,
    [clock],
  );
  const examples = (sample as Record<string, string | null>[]).map(
    (r) => `${table.primaryKey.map((k) => `${k}=${r[`k_${k}`]}`).join(', ') || 'a row'} (${r.ferry_cursor})`,
  );
  const n = Number((count as Record<string, unknown>[])[0]?.n ?? 0);
  return `${n} row(s) have ${cursor.name} after the source's clock (${clock}), e.g. ${examples.join('; ')}; the mark stays at the clock, so such rows are read again on every run until then`;
}

/** The condition for the rows an incremental run reads above the mark (before the holes). */
export function aboveMark(
  cursor: Cursor,
  mark: string,
  lookbackSeconds: number,
): { sql: string; params: unknown[] } {
  if (cursor.kind === 'numeric') return { sql: `${cursor.quoted} >= ${numericLiteral(mark)}`, params: [] };
  return lookbackSeconds > 0
    ? {
        sql: `${cursor.quoted} >= ? - INTERVAL ? MICROSECOND`,
        params: [mark, Math.round(lookbackSeconds * 1e6)],
      }
    : { sql: `${cursor.quoted} >= ?`, params: [mark] };
}

/**
 * A numeric value as a SQL literal. Written into the SQL, not bound: MySQL compares an integer
 * column with a string as a double, which cannot hold every BIGINT.
 */
export function numericLiteral(text: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a numeric cursor value: ${JSON.stringify(text)}`);
  return text;
}
