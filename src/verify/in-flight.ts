// Which rows of a cdc stream are in flight when verify compares a moving source with a moving
// target: the source is read in one consistent snapshot (position S) and the target in one
// transaction whose checkpoint says which position it reflects (T). A key the binlog changed between
// S and T (whichever comes first) may rightly differ; every other key must be equal. The keys are
// read from the binlog itself, and turned into verify's key texts by the target's own canonical
// expression over a temporary table holding them, so both sides spell them the same way.
import type { Logger } from '../observability/logger.js';
import type { BinlogPosition } from '../connectors/mysql/binlog/events.js';
import { openBinlogReader } from '../connectors/mysql/binlog/reader.js';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import { copyInto } from '../connectors/postgres/copy-into.js';
import { hasReached } from '../replication/cdc/positions.js';
import type { StreamPlan } from '../replication/stream-plan.js';
import { ENCODERS, type ValueIssue } from '../schema/encode-copy.js';
import { quotePg } from '../schema/identifiers.js';
import type { SourceRow } from '../schema/row-outcome.js';
import type { ColumnMapping } from '../schema/type-mapping.js';

/** The primary keys (as source values, in key order) the binlog changed between two positions. */
export async function keysChangedBetween(
  source: ConnectionSpec,
  plan: StreamPlan,
  a: BinlogPosition,
  b: BinlogPosition,
  logger: Logger,
  signal: AbortSignal,
): Promise<SourceRow[]> {
  const [from, to] = hasReached(b, a) ? [a, b] : [b, a];
  if (hasReached(from, to)) return [];
  const reader = await openBinlogReader(
    source,
    { from, tables: [{ schema: plan.table.schema, table: plan.table.name }] },
    logger,
  );
  const keys: SourceRow[] = [];
  try {
    let keyAt: number[] | undefined;
    for await (const event of reader.events) {
      if (signal.aborted) break;
      if (event.kind === 'insert' || event.kind === 'update' || event.kind === 'delete') {
        if (event.table.schema !== plan.table.schema || event.table.table !== plan.table.name) continue;
        keyAt ??= plan.table.primaryKey.map((k) => event.table.columns.findIndex((c) => c.name === k));
        const pick = (image: SourceRow) => keyAt!.map((i) => image[i] ?? null);
        for (const row of event.rows) {
          if (event.kind === 'update') {
            const u = row as { before: SourceRow; after: SourceRow };
            keys.push(pick(u.before), pick(u.after));
          } else keys.push(pick(row as SourceRow));
        }
      } else if (event.kind === 'commit' || event.kind === 'ddl') {
        if (event.position && hasReached(event.position, to)) break;
      } else if (event.kind === 'heartbeat') break;
    }
  } finally {
    await reader.close();
  }
  return keys;
}

/**
 * The key texts verify uses for these keys: the keys go into a temporary table with the target's
 * key column types, and the target side's canonical key text is computed over it.
 */
export async function keyTextsOf(
  target: PgClient,
  key: readonly ColumnMapping[],
  keys: readonly SourceRow[],
  keyText: (columns: readonly ColumnMapping[]) => string,
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const table = 'ferry_in_flight';
  await target.query(`DROP TABLE IF EXISTS pg_temp.${quotePg(table)}`);
  await target.query(
    `CREATE TEMP TABLE ${quotePg(table)} (${key.map((m) => `${quotePg(m.targetName)} ${m.pgType}`).join(', ')})`,
  );
  const issue: { current?: ValueIssue } = {};
  const lines: string[] = [];
  for (const k of keys) {
    const fields: string[] = [];
    let ok = true;
    key.forEach((m, i) => {
      const value = k[i];
      const field =
        value === null || value === undefined ? undefined : ENCODERS[m.rule.encoder](value, issue);
      if (field === undefined) ok = false;
      else fields.push(field);
    });
    issue.current = undefined;
    if (ok) lines.push(fields.join('\t'));
  }
  if (lines.length > 0)
    await copyInto(
      target,
      'pg_temp',
      table,
      key.map((m) => m.targetName),
      (async function* () {
        yield await Promise.resolve(lines.join('\n') + '\n');
      })(),
    );
  const { rows } = await target.query<{ k: string }>(
    `SELECT DISTINCT ${keyText(key)} AS k FROM pg_temp.${quotePg(table)}`,
  );
  await target.query(`DROP TABLE pg_temp.${quotePg(table)}`);
  return new Set(rows.map((r) => String(r.k)));
}
