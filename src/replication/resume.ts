// Which chunks a full load copies. A load whose staging table is still there from an interrupted run
// resumes with the chunk plan recorded when that staging table was made, so its boundaries never
// move (deleted or added rows change the key density, not the plan); otherwise a new plan and a
// new staging table, recorded together. And what the summary says about a resumed load.
import { tableExists } from '../connectors/postgres/ddl.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { qualifiedPg } from '../schema/identifiers.js';
import type { SourceTable } from '../schema/source-table.js';
import type { DoneChunk, StagedLoadKey } from '../state/chunks.js';
import { planChunks, type Chunk } from './chunks.js';
import type { ConnectionPair } from './pair-pool.js';
import type { ResumedLoad, RunContext } from './stream-context.js';

export interface LoadPlan {
  chunks: Chunk[];
  /** Chunks an earlier run finished, kept. */
  kept: DoneChunk[];
  resumed: ResumedLoad | undefined;
}

/** The chunks of this load; `createStaging` is the CREATE TABLE of a new staging table. */
export async function planLoad(
  ctx: RunContext,
  pair: ConnectionPair,
  load: StagedLoadKey,
  table: SourceTable,
  createStaging: string,
): Promise<LoadPlan> {
  const { target } = pair;
  const { chunks: progress } = ctx.state;
  if (await tableExists(target, load.targetSchema, load.staging)) {
    const stored = await progress.plan(target, load);
    const finished = await progress.done(target, load);
    // A staging table of a ferry that stored no plan resumes if today's plan has its chunks.
    const chunks = stored?.chunks ?? (await planChunks(pair.source, table, ctx.settings.chunk_rows));
    const fits = finished.every((r) => {
      const c = chunks[r.chunk];
      return c !== undefined && c.lower === r.lower && c.upper === r.upper;
    });
    if (fits && (stored || finished.length > 0)) {
      if (!stored) await progress.savePlan(target, load, { runId: ctx.runId, chunks });
      return { chunks, kept: finished, resumed: resumedLoad(chunks, finished) };
    }
  }
  const chunks = await planChunks(pair.source, table, ctx.settings.chunk_rows);
  await inTransaction(target, async () => {
    await target.query(`DROP TABLE IF EXISTS ${qualifiedPg(load.targetSchema, load.staging)}`);
    await progress.forget(target, load);
    await target.query(createStaging);
    await progress.savePlan(target, load, { runId: ctx.runId, chunks });
  });
  return { chunks, kept: [], resumed: undefined };
}

function resumedLoad(chunks: readonly Chunk[], kept: readonly DoneChunk[]): ResumedLoad | undefined {
  if (kept.length === 0) return undefined;
  return {
    chunksKept: kept.length,
    chunks: chunks.length,
    rowsKept: kept.reduce((n, c) => n + c.rows, 0),
    fromRuns: [...new Set(kept.map((c) => c.runId))].sort((a, b) => a - b),
  };
}

/** The summary's line about a resumed load, for run `runId`. */
export function describeResume(resumed: ResumedLoad, runId: number, incremental: boolean): string {
  const runs = resumed.fromRuns.join(', ');
  return (
    `resumed an interrupted load: ${resumed.chunksKept} of ${resumed.chunks} chunks (${resumed.rowsKept} rows) kept from run ${runs}, the rest copied by run ${runId}; ` +
    `the table mixes the snapshots of runs ${[...resumed.fromRuns, runId].join(', ')}: a row changed since run ${resumed.fromRuns[0]} in a kept chunk keeps its older value ` +
    (incremental
      ? `until the next incremental run, which reads from run ${resumed.fromRuns[0]}'s mark`
      : 'until the next full refresh')
  );
}
