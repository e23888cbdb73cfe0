// Which differing rows of a full-refresh or incremental stream are in flight when verify compares a
// source that keeps changing (cdc streams compare at their checkpoint instead). verify reads the
// source in one consistent snapshot and the target in one transaction; a differing key is in flight
// only on evidence that its source row changed, never because it differs:
// - proof: the stream's last sync was verified inside its own source snapshot (ferry sync --verify)
//   and was in sync then. A target row that sync left alone (written by a transaction the proof's
//   target snapshot sees) held the source's value at that snapshot, so a difference now means the
//   source changed since; a key the target lacks was not in the source then either, as long as the
//   target has lost no row since. Rows changed in the target since are not covered.
// - cursor (incremental streams): the source row's cursor moved past the stream's high-water mark.
// - re-read: the source row, read again after the comparison outside verify's snapshot, is not what
//   the snapshot held: it changed between the two reads.
// Proof and cursor say "changed since the last sync" and count with --at-snapshot; the re-read says
// "changing right now" and always counts. At most RECHECKED keys are looked at; the rest stay
// differences.
import { qualifiedPg, quoteMysql } from '../schema/identifiers.js';
import type { ExpectedScope } from './expected.js';
import type { Side } from './table-side.js';

/** Differing keys looked at for evidence, at most; the others stay differences. */
export const RECHECKED = 10_000;

/** The stream and its sides: verify's source snapshot (source), the source as it is now, the target. */
export interface LiveEvidence extends Pick<
  ExpectedScope,
  'state' | 'target' | 'schema' | 'stream' | 'table' | 'source'
> {
  /** A session outside verify's snapshot. */
  sourceNow: Side;
  targetSide: Side;
  atSnapshot: boolean;
  /** Whether the stream's cursor is a MySQL column that grows with each change (incremental). */
  incremental: boolean;
}

export interface InFlight {
  keys: Set<string>;
  notes: string[];
}

/** The xid8 of a row's xmin (the 32-bit id widened by the epoch of the current snapshot's xmax). */
const XMIN8 = `((((n.a >> 32) - CASE WHEN xmin::text::bigint >= (n.a & 4294967295) THEN 1 ELSE 0 END) << 32) | xmin::text::bigint)::text::xid8`;
const NEXT = '(SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS a) n';

/** The condition "this target row was written by a transaction the snapshot sees". */
const writtenBefore = (snapshot: string) =>
  `pg_visible_in_snapshot(${XMIN8}, '${snapshot.replace(/'/g, "''")}'::pg_snapshot)`;

/** Keys whose target rows the stream's last sync, proved exact, left alone; and whether the target lost rows since. */
async function byProof(scope: LiveEvidence, keys: readonly string[]): Promise<Set<string>> {
  const stream = await scope.state.streams.read(scope.target, {
    targetSchema: scope.schema,
    table: scope.table,
  });
  if (!stream?.lastRunId) return new Set();
  const proof = await scope.state.verifyRuns.proofOf(
    scope.target,
    scope.schema,
    scope.stream,
    stream.lastRunId,
  );
  if (!proof) return new Set();
  const before = writtenBefore(proof.targetSnapshot);
  const { rows } = await scope.target.query<{ kept: string }>(
    `SELECT count(*) FILTER (WHERE ${before}) AS kept FROM ${qualifiedPg(scope.schema, scope.table)}, ${NEXT}`,
  );
  const lostNone = Number(rows[0]!.kept) === proof.targetTotal;
  const present = await scope.targetSide.keysWhere('TRUE', keys);
  const untouched = await scope.targetSide.keysWhere(`EXISTS (SELECT 1 FROM ${NEXT} WHERE ${before})`, [
    ...present,
  ]);
  return new Set(keys.filter((k) => (present.has(k) ? untouched.has(k) : lostNone)));
}

/** Keys whose source row (in verify's snapshot) has a cursor past the stream's high-water mark. */
async function byCursor(scope: LiveEvidence, keys: readonly string[], escape: (v: string) => string) {
  if (!scope.incremental) return new Set<string>();
  const stream = await scope.state.streams.read(scope.target, {
    targetSchema: scope.schema,
    table: scope.table,
  });
  if (!stream?.cursorColumn || stream.highWater === null) return new Set<string>();
  return scope.source.keysWhere(`${quoteMysql(stream.cursorColumn)} > ${escape(stream.highWater)}`, [
    ...keys,
  ]);
}

/** Keys whose source row now is not what verify's snapshot held (changed, inserted or deleted). */
async function byReread(scope: LiveEvidence, keys: readonly string[]): Promise<Set<string>> {
  const [then, now] = await Promise.all([
    scope.source.fingerprints(keys),
    scope.sourceNow.fingerprints(keys),
  ]);
  return new Set(keys.filter((k) => then.get(k) !== now.get(k)));
}

/** The differing keys in flight, with notes saying on what evidence (and what --at-snapshot would add). */
export async function inFlightOnLiveSource(
  scope: LiveEvidence,
  differing: readonly string[],
  escape: (value: string) => string,
): Promise<InFlight> {
  const keys = differing.slice(0, RECHECKED);
  const notes: string[] = [];
  if (keys.length === 0) return { keys: new Set(), notes };
  const proved = await byProof(scope, keys);
  const moved = await byCursor(
    scope,
    keys.filter((k) => !proved.has(k)),
    escape,
  );
  const sinceSync = new Set([...proved, ...moved]);
  const rest = keys.filter((k) => !sinceSync.has(k));
  const changing = await byReread(scope, scope.atSnapshot ? rest : keys);
  const flight = new Set([...changing, ...(scope.atSnapshot ? sinceSync : [])]);
  if (changing.size > 0)
    notes.push(`${changing.size} differing row(s) changed in the source while verify ran: in flight`);
  if (scope.atSnapshot && sinceSync.size > 0)
    notes.push(`${sinceSync.size} differing row(s) changed in the source since the last sync: in flight`);
  const notYet = [...sinceSync].filter((k) => !changing.has(k)).length;
  if (!scope.atSnapshot && notYet > 0)
    notes.push(
      `${notYet} of the differing rows changed in the source after the last sync; --at-snapshot counts them as in flight`,
    );
  if (differing.length > keys.length)
    notes.push(`only the first ${RECHECKED} differing rows were looked at for changes in the source`);
  return { keys: flight, notes };
}
