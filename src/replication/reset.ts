// `ferry reset`: forget what ferry remembers of some streams (the cursor mark and its holes, the
// load progress and chunk plan, the change-data-capture checkpoint), so that the next sync starts
// them over: a full load, or a new snapshot for a cdc stream. Their target tables and quarantine
// entries stay. Each stream's lock is taken first, so a running sync or ferry stream refuses it.
import type { Project } from '../config/project.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { ConfigError } from '../errors.js';
import type { FerryState } from '../state/ferry-state.js';
import { lockNames } from '../state/locks.js';
import type { StreamKey, StreamState } from '../state/streams.js';

export type ResetProject = Pick<Project, 'target' | 'targetSchema' | 'targetSchemas'>;

export interface StreamToReset extends StreamKey {
  state: StreamState;
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
    const known = await state.streams.list(client, project.targetSchemas);
    const problems: string[] = [];
    const found = new Map<string, StreamToReset>();
    for (const name of names) {
      const matches = known.filter(
        (k) => k.table === name || `${k.targetSchema}.${k.table}` === name || k.sourceTable === name,
      );
      if (matches.length === 0) problems.push(`${name}: ferry has no state for such a stream`);
      else if (matches.length > 1)
        problems.push(
          `${name}: several streams match (${matches.map((m) => `${m.targetSchema}.${m.table}`).join(', ')}); name one as schema.table`,
        );
      else {
        const k = matches[0]!;
        found.set(`${k.targetSchema}.${k.table}`, {
          targetSchema: k.targetSchema,
          table: k.table,
          state: k,
          next:
            k.mode === 'cdc'
              ? 'the next ferry sync takes a new snapshot and follows the binlog from there'
              : 'the next ferry sync copies it in full',
        });
      }
    }
    if (problems.length > 0)
      throw new ConfigError('ferry reset: no such stream', problems, {
        hint: `streams ferry has state for: ${known.map((k) => `${k.targetSchema}.${k.table}`).join(', ') || '(none)'}`,
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
        }
      });
    } finally {
      await locks.release();
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
