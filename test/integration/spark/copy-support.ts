// Runs the Spark copy (syncWithSpark) and ferry's own sync on one config, and reads what each left:
// the target rows, the quarantine entries, the value changes and the stream runs, to compare them.
import { expect } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { compileProject } from '../../../src/config/project.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { SyncSummary } from '../../../src/replication/run.js';
import { syncWithSpark, type SparkSyncSummary } from '../../../src/replication/spark-sync.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import type { TestDatabases } from '../../support/databases.js';
import { runSync, targetRows } from '../../support/sync.js';
import { SPARK_URL } from './spark-server.js';

export type Engine = 'ferry' | 'spark copy' | 'spark jdbc';

function configText(db: TestDatabases, schema: string, body: string, spark = ''): string {
  return (
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n${body}` +
    `\nspark: { url: "${SPARK_URL}", rows_per_partition: 1000${spark} }\n`
  );
}

/** One sync of `body` (streams and sync settings) into `schema` by the given engine. */
export async function syncBy(
  engine: Engine,
  db: TestDatabases,
  schema: string,
  body: string,
  options: { streams?: string[]; fullRefresh?: boolean } = {},
): Promise<SyncSummary | SparkSyncSummary> {
  if (engine === 'ferry')
    return runSync(parseConfig(configText(db, schema, body), 'test.yaml', { env: {} }), options);
  const write = engine === 'spark copy' ? 'copy' : 'jdbc';
  const config = parseConfig(configText(db, schema, body, `, write: ${write}`), 'test.yaml', { env: {} });
  return syncWithSpark({
    project: compileProject(config, 'test.yaml'),
    state: ferryState(),
    logger: silentLogger(),
    signal: new AbortController().signal,
    ...options,
  });
}

/** What a sync left for one stream, in a form two engines can be compared by. */
export async function outcome(db: TestDatabases, schema: string, table: string) {
  const rows = await targetRows(db, schema, table).catch(() => undefined);
  const { rows: quarantine } = await db.target.query(
    `SELECT primary_key, "row", reason, failures, row_form FROM _ferry.quarantine WHERE target_schema = $1 AND stream = $2 ORDER BY primary_key::text, reason`,
    [schema, table],
  );
  const { rows: changes } = await db.target.query(
    `SELECT primary_key, "column", original, action, reason FROM _ferry.value_changes WHERE target_schema = $1 AND stream = $2 ORDER BY primary_key::text, "column"`,
    [schema, table],
  );
  const { rows: runs } = await db.target.query<Record<string, string>>(
    `SELECT mode, status, rows_read::int, rows_loaded::int, rows_quarantined::int, values_nulled::int, rows_deleted::int
       FROM _ferry.stream_runs WHERE target_schema = $1 AND target_table = $2 ORDER BY run_id`,
    [schema, table],
  );
  return { rows, quarantine, changes, runs };
}

/** read = loaded + quarantined in the summary and in _ferry.stream_runs, for every stream. */
export function expectCountsAddUp(summary: SyncSummary, runs: Record<string, unknown>[]): void {
  for (const s of summary.streams)
    expect(s.rowsLoaded + s.rowsQuarantined, `${s.stream}: read = loaded + quarantined`).toBe(s.rowsRead);
  for (const r of runs)
    if (r.status === 'succeeded')
      expect(
        Number(r.rows_loaded) + Number(r.rows_quarantined),
        'stream_runs: read = loaded + quarantined',
      ).toBe(Number(r.rows_read));
}
