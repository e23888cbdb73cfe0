// A replica's server_id: each binlog reader needs one that no other replica of the server uses
// (the server drops the older connection of two with the same id). The default is derived from the
// host name, the process id and a counter, in the upper half of the 32-bit range where people rarely
// number their servers, and steps past ids the server reports in use.
import { hostname } from 'node:os';
import type { MysqlConnection } from '../connect.js';

let readers = 0;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** An id in [2^31, 2^32 - 1] for this process's next reader, skipping `taken`. */
export function defaultServerId(taken: ReadonlySet<number> = new Set()): number {
  let id = 0x80000000 + (fnv1a(`${hostname()}/${process.pid}/${readers++}`) & 0x7fffffff);
  while (taken.has(id)) id = id === 0xffffffff ? 0x80000000 : id + 1;
  return id;
}

type Row = Record<string, unknown>;

/**
 * Server ids in use: the server's own and those of registered replicas (SHOW SLAVE HOSTS, which
 * needs REPLICATION MASTER ADMIN on MariaDB 10.5.2+; without it only the server's own id is known).
 */
export async function takenServerIds(connection: MysqlConnection, own: number): Promise<Set<number>> {
  const ids = new Set<number>([own]);
  for (const sql of ['SHOW SLAVE HOSTS', 'SHOW REPLICAS']) {
    try {
      const [rows] = await connection.query(sql);
      for (const r of rows as Row[]) {
        const id = r.Server_id ?? r.Server_Id;
        if (id !== undefined && id !== null) ids.add(Number(id));
      }
      break;
    } catch {
      // the other spelling, or no privilege to list replicas
    }
  }
  return ids;
}
