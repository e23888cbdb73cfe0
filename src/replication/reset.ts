// `ferry reset`: forget what ferry remembers of some streams (the cursor mark and its holes, the
// load progress and chunk plan, the change-data-capture checkpoint), so that the next sync starts
// them over: a full load, or a new snapshot for a cdc stream. A load that was stopped before its
// first success has only progress, which is forgotten with its staging table. Their target tables
// and quarantine entries stay. Each stream's lock is taken first, so a running sync or ferry stream
// refuses it.
import type { Project } from '../config/project.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { ConfigError } from '../errors.js';
import { qualifiedPg, stagingName } from '../schema/identifiers.js';
import type { FerryState } from '../state/ferry-state.js';
import { lockNames } from '../state/locks.js';
import type { StreamKey, StreamState } from '../state/streams.js';

export type ResetProject = Pick<Project, 'target' | 'targetSchema' | 'targetSchemas'>;

export interface StreamToReset extends StreamKey {
  /** What a finished run recorded; undefined for a load stopped before its first success. */
  state: StreamState | undefined;
  /** A load in progress: its chunks copied so far. */
  progress?: { chunks: number; rows: number } | undefined;
  /** What the next sync does, in words. */
  next: string;
}

/** The recorded streams the names denote (target table, schema.table or source table). */
export async function streamsToReset(
  project: ResetProject,
  state: FerryState,
  names: readonly string[],
): Promise<StreamToReset[]> {
  const client = await connectPostgres(project.target);
  try {
    await state.migrate(client);
    const recorded = await state.streams.list(client, project.targetSchemas);
    const progress = await state.chunks.inProgress(client, project.targetSchemas);
    const keyOf = (k: StreamKey) => `${k.targetSchema}.${k.table}`;
    const known = new Map<string, StreamToReset>();
    for (const k of recorded)
      known.set(keyOf(k), {
        targetSchema: k.targetSchema,
        table: k.table,
        state: k,
        next:
          k.mode === 'cdc'
            ? 'the next ferry sync takes a new snapshot and follows the binlog from there'
            : 'the next ferry sync copies it in full',
      });
    for (const p of progress) {
      const k = known.get(keyOf(p));
      const load = { chunks: p.chunks, rows: p.rows };
      if (k) k.progress = load;
      else
        known.set(keyOf(p), {
          targetSchema: p.targetSchema,
          table: p.table,
          state: undefined,
          progress: load,
          next: 'the next ferry sync starts its load over instead of resuming it',
        });
    }
    const problems: string[] = [];
    const found = new Map<string, StreamToReset>();
    for (const name of names) {
      const matches = [...known.values()].filter(
        (k) => k.table === name || keyOf(k) === name || k.state?.sourceTable === name,
      );
      if (matches.length === 0) problems.push(`${name}: ferry has no state for such a stream`);
      else if (matches.length > 1)
        problems.push(
          `${name}: several streams match (${matches.map(keyOf).join(', ')}); name one as schema.table`,
        );
      else found.set(keyOf(matches[0]!), matches[0]!);
    }
    if (problems.length > 0)
      throw new ConfigError('ferry reset: no such stream', problems, {
        hint: `streams ferry has state for: ${[...known.keys()].join(', ') || '(none)'}`,
      });
    return [...found.values()];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Forgets the streams' state under their locks (refused while another process holds one). */
export async function resetStreams(
  project: ResetProject,
  state: FerryState,
  streams: readonly StreamKey[],
): Promise<void> {
  const client = await connectPostgres(project.target);
  try {
    const locks = await state.locks.acquire(
      client,
      streams.map((s) => lockNames.stream(s.targetSchema, s.table)),
      'ferry reset',
    );
    try {
      await inTransaction(client, async () => {
        for (const key of streams) {
          await state.streams.forget(client, key);
          await state.chunks.forget(client, key);
          // the rows a stopped load staged belong to the progress just forgotten
          await client.query(`DROP TABLE IF EXISTS ${qualifiedPg(key.targetSchema, stagingName(key.table))}`);
        }
      });
    } finally {
      await locks.release();
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
