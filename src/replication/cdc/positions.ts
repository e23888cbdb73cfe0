// Where a stream stands in the binlog: whether a source transaction is already reflected by a
// checkpoint (a snapshot's position, or the position after the last batch applied), which of several
// checkpoints is the earliest (the session reads from there), and whether a position has reached a
// target (catching up). With GTIDs, a MariaDB position holds the last sequence of each domain and a
// MySQL set the executed intervals; without them, the binlog file and offset are compared.
import { parseMariadbPosition, parseMysqlSet } from '../../connectors/mysql/binlog/gtid.js';
import type { BinlogPosition } from '../../connectors/mysql/binlog/events.js';

const MARIADB_GTID = /^(\d+)-(\d+)-(\d+)$/;
const isMariadbPosition = (text: string) =>
  text.split(',').every((p) => MARIADB_GTID.test(p.trim()) || p.trim() === '');

/** binlog file order: "mariadb-bin.000012" by its numeric suffix. */
export function fileIndex(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : 0;
}

function compareFilePositions(a: BinlogPosition, b: BinlogPosition): number {
  const fa = fileIndex(a.file ?? '');
  const fb = fileIndex(b.file ?? '');
  if (fa !== fb) return fa - fb;
  return (a.position ?? 0) - (b.position ?? 0);
}

/**
 * Whether the transaction with GTID `gtid` (ending at `end`) is already reflected by `checkpoint`.
 * With GTIDs on both sides the GTID decides; otherwise the end offset must not be past the checkpoint.
 */
export function isApplied(checkpoint: BinlogPosition, gtid: string | null, end: BinlogPosition): boolean {
  if (gtid && checkpoint.gtid !== null) {
    const m = MARIADB_GTID.exec(gtid);
    if (m && isMariadbPosition(checkpoint.gtid)) {
      const domain = parseMariadbPosition(checkpoint.gtid).get(Number(m[1]));
      return domain !== undefined && domain.sequence >= BigInt(m[3]!);
    }
    const [uuid, n] = gtid.split(':');
    if (uuid && n) {
      const intervals = parseMysqlSet(checkpoint.gtid).get(uuid.toLowerCase().replace(/-/g, ''));
      const seq = BigInt(n);
      return (intervals ?? []).some(([s, e]) => seq >= s && seq < e);
    }
  }
  if (checkpoint.file === null || end.file === null) return false;
  return compareFilePositions(end, checkpoint) <= 0;
}

/** Whether `position` has reached `goal` (every domain or uuid of the goal, or the file offset). */
export function hasReached(position: BinlogPosition, goal: BinlogPosition): boolean {
  if (goal.gtid !== null && position.gtid !== null) {
    if (isMariadbPosition(goal.gtid) && isMariadbPosition(position.gtid)) {
      const have = parseMariadbPosition(position.gtid);
      for (const [domain, { sequence }] of parseMariadbPosition(goal.gtid))
        if ((have.get(domain)?.sequence ?? -1n) < sequence) return false;
      return true;
    }
    const have = parseMysqlSet(position.gtid);
    for (const [uuid, intervals] of parseMysqlSet(goal.gtid)) {
      const mine = have.get(uuid) ?? [];
      for (const [s, e] of intervals) if (!mine.some(([ms, me]) => ms <= s && me >= e)) return false;
    }
    return true;
  }
  if (goal.file === null) return true;
  if (position.file === null) return false;
  return compareFilePositions(position, goal) >= 0;
}

/**
 * The earliest of several checkpoints: the position to read the binlog from so that no stream
 * misses a transaction. MariaDB positions merge per domain (the smallest sequence of each).
 */
export function earliest(positions: readonly BinlogPosition[]): BinlogPosition {
  if (positions.length === 0) throw new Error('earliest() of no positions');
  if (positions.every((p) => p.gtid !== null && isMariadbPosition(p.gtid))) {
    const merged = new Map<number, { serverId: number; sequence: bigint }>();
    for (const p of positions)
      for (const [domain, at] of parseMariadbPosition(p.gtid!)) {
        const seen = merged.get(domain);
        if (!seen || at.sequence < seen.sequence) merged.set(domain, at);
      }
    // A domain missing from one checkpoint means that stream starts before its first transaction.
    for (const [domain] of merged)
      if (!positions.every((p) => parseMariadbPosition(p.gtid!).has(domain))) merged.delete(domain);
    const byFile = [...positions].sort(compareFilePositions)[0]!;
    return {
      gtid: [...merged.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([d, { serverId, sequence }]) => `${d}-${serverId}-${sequence}`)
        .join(','),
      file: byFile.file,
      position: byFile.position,
    };
  }
  // MySQL sets and file offsets: the checkpoint that reflects the least.
  return [...positions].sort((a, b) =>
    hasReached(b, a) ? -1 : hasReached(a, b) ? 1 : compareFilePositions(a, b),
  )[0]!;
}
