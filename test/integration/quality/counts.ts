// The count identity every sync must keep: each row read is loaded or quarantined, exactly, and the
// figures match what the target and _ferry.quarantine hold.
import { expect } from 'vitest';
import type { SyncSummary } from '../../../src/replication/run.js';
import type { TestDatabases } from '../../support/databases.js';

export function expectCountsAddUp(summary: SyncSummary): void {
  for (const s of summary.streams) {
    expect(s.rowsLoaded + s.rowsQuarantined, `${s.stream}: read = loaded + quarantined`).toBe(s.rowsRead);
    const perCheckQuarantine = s.checks.filter(
      (c) => c.severity === 'quarantine' || c.severity === 'dedup',
    ).length;
    if (s.rowsQuarantined === 0)
      expect(perCheckQuarantine, `${s.stream}: no quarantine check counted`).toBe(0);
  }
}

/** Also against the databases: loaded rows are in the target, quarantined ones are entries of the run. */
export async function expectStoredCounts(
  db: TestDatabases,
  summary: SyncSummary,
  schema: string,
  stream: string,
  fullRefresh: boolean,
): Promise<void> {
  expectCountsAddUp(summary);
  const s = summary.streams.find((x) => x.stream === stream)!;
  const { rows: q } = await db.target.query<{ n: string }>(
    `SELECT count(*) AS n FROM _ferry.quarantine WHERE target_schema = $1 AND stream = $2 AND run_id = $3`,
    [schema, stream, summary.runId],
  );
  expect(Number(q[0]!.n), `${stream}: quarantine entries of run ${summary.runId}`).toBe(s.rowsQuarantined);
  if (fullRefresh) {
    const { rows } = await db.target.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}"."${stream}"`,
    );
    expect(Number(rows[0]!.n), `${stream}: rows in the target`).toBe(s.rowsLoaded);
  }
}
