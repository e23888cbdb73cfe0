// Whether the source can still send the binlog from a stream's checkpoint, checked before reading:
// lost (the binlogs after it were purged: a new snapshot is the only way on) or unknown (the source
// does not contain the checkpoint: another server, a restored backup, a wrong URL; MariaDB has no
// server_uuid, so its GTID domains and server ids, and the checkpoint's file offset on the server
// that wrote it, are what tell). Reading from either would skip changes without a word.
import type { BinlogPosition } from '../../connectors/mysql/binlog/events.js';
import { parseMariadbPosition, parseMysqlSet } from '../../connectors/mysql/binlog/gtid.js';
import type { BinlogServerState } from '../../connectors/mysql/binlog/server-state.js';
import { fileIndex } from './positions.js';

export type PositionVerdict =
  { ok: true } | { ok: false; reason: 'position_lost' | 'position_unknown'; message: string };

const OK: PositionVerdict = { ok: true };

/** The (domain, server id) pairs of MariaDB's gtid_binlog_state with their last sequence. */
function stateOf(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const part of text.split(',')) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part.trim());
    if (m) out.set(`${m[1]}-${m[2]}`, BigInt(m[3]!));
  }
  return out;
}

/**
 * The verdict on one checkpoint. `boundary` says whether the checkpoint's file offset is an event
 * boundary on the server (undefined when not asked: the file is gone, or another server wrote it).
 */
export function checkPosition(
  checkpoint: BinlogPosition,
  server: BinlogServerState,
  boundary?: boolean,
): PositionVerdict {
  const at = checkpoint.gtid ?? `${checkpoint.file}:${checkpoint.position}`;
  if (checkpoint.gtid !== null && server.flavor === 'mariadb') {
    const mine = parseMariadbPosition(checkpoint.gtid);
    const state = stateOf(server.state ?? '');
    const now = parseMariadbPosition(server.current ?? '');
    for (const [domain, { serverId, sequence }] of mine) {
      const had = state.get(`${domain}-${serverId}`);
      const last = now.get(domain);
      if (had === undefined || last === undefined || last.sequence < sequence)
        return {
          ok: false,
          reason: 'position_unknown',
          message: `the source does not contain the checkpoint ${at}: its binlog ${had === undefined ? `has no transaction of server ${serverId} in domain ${domain}` : `reaches ${domain}-${last?.serverId ?? serverId}-${last?.sequence ?? 0n} only`} (GTID position ${server.current ?? 'none'}, server_id ${server.serverId}). It is not the server the checkpoint came from, or it was restored from an older backup`,
        };
    }
    const oldest = parseMariadbPosition(server.oldest ?? '');
    for (const [domain, start] of oldest) {
      const have = mine.get(domain);
      if (have === undefined || have.sequence < start.sequence)
        return {
          ok: false,
          reason: 'position_lost',
          message: `the binlog after the checkpoint ${at} was purged: the oldest binlog the source keeps (${server.files[0] ?? '?'}) starts at ${domain}-${start.serverId}-${start.sequence}`,
        };
    }
    // The same server id wrote the checkpoint's last transaction of some domain: its file must be
    // there (or purged) and its offset the end of an event (a server installed afresh reuses
    // GTIDs, not offsets). A replica that took over has an id of its own and is not asked.
    const newest = server.files.at(-1);
    if (
      writtenBy(checkpoint, server) &&
      checkpoint.file !== null &&
      newest !== undefined &&
      fileIndex(checkpoint.file) > fileIndex(newest)
    )
      return {
        ok: false,
        reason: 'position_unknown',
        message: `the checkpoint ${at} is in binlog file ${checkpoint.file}, but the newest the source has is ${newest}: the source (server_id ${server.serverId}) is not the server that wrote the checkpoint, though its GTIDs look alike (a new server with the same server_id and domain?), or its binlog was reset`,
      };
    if (boundary === false)
      return {
        ok: false,
        reason: 'position_unknown',
        message: `the source's ${checkpoint.file} has no event boundary at ${checkpoint.position}, where the checkpoint ${at} ends: the source (server_id ${server.serverId}) is not the server that wrote the checkpoint, though its GTIDs look alike (a new server with the same server_id and domain?)`,
      };
    return OK;
  }
  if (checkpoint.gtid !== null && server.flavor === 'mysql') {
    const mine = parseMysqlSet(checkpoint.gtid);
    const executed = parseMysqlSet(server.current ?? '');
    const purged = parseMysqlSet(server.oldest ?? '');
    for (const [uuid, intervals] of mine) {
      const have = executed.get(uuid) ?? [];
      if (!intervals.every(([s, e]) => have.some(([hs, he]) => hs <= s && he >= e)))
        return {
          ok: false,
          reason: 'position_unknown',
          message: `the source does not contain the checkpoint ${at} (its gtid_executed is ${server.current ?? 'empty'}): it is not the server the checkpoint came from, or it was restored from an older backup`,
        };
    }
    for (const [uuid, intervals] of purged) {
      const have = mine.get(uuid) ?? [];
      if (!intervals.every(([s, e]) => have.some(([hs, he]) => hs <= s && he >= e)))
        return {
          ok: false,
          reason: 'position_lost',
          message: `transactions after the checkpoint ${at} were purged from the source's binlog (gtid_purged ${server.oldest})`,
        };
    }
    return OK;
  }
  // No GTIDs: the file must still be there, and the offset an event boundary in it.
  if (checkpoint.file === null) return OK;
  if (!server.files.includes(checkpoint.file)) {
    const later = server.files.some((f) => f.localeCompare(checkpoint.file!) > 0);
    return later
      ? {
          ok: false,
          reason: 'position_lost',
          message: `the binlog file ${checkpoint.file} of the checkpoint was purged (the oldest the source keeps is ${server.files[0]})`,
        }
      : {
          ok: false,
          reason: 'position_unknown',
          message: `the source has no binlog file ${checkpoint.file} nor a later one (it has ${server.files.join(', ') || 'none'}): it is not the server the checkpoint came from`,
        };
  }
  if (boundary === false)
    return {
      ok: false,
      reason: 'position_unknown',
      message: `the source's ${checkpoint.file} has no event boundary at ${checkpoint.position}: it is not the server the checkpoint came from`,
    };
  return OK;
}

/** Whether a server with this server_id wrote one of the checkpoint's GTIDs (MariaDB). */
function writtenBy(checkpoint: BinlogPosition, server: BinlogServerState): boolean {
  if (checkpoint.gtid === null || server.flavor !== 'mariadb') return true;
  return [...parseMariadbPosition(checkpoint.gtid).values()].some((g) => g.serverId === server.serverId);
}

/** Whether the checkpoint's offset should be checked on this server: it wrote the checkpoint there. */
export function offsetWrittenHere(checkpoint: BinlogPosition, server: BinlogServerState): boolean {
  if (checkpoint.file === null || checkpoint.position === null || !server.files.includes(checkpoint.file))
    return false;
  return writtenBy(checkpoint, server);
}
