// The snapshot hand-off: with many writers committing while snapshots open, the binlog read from a
// snapshot's recorded position holds exactly the transactions whose rows the snapshot does not see.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSnapshot, type SnapshotPosition } from '../../../src/connectors/mysql/snapshot.js';
import { silentLogger } from '../../../src/observability/logger.js';
import {
  canStartMariadb,
  startThrowawayMariadb,
  type ThrowawayMariadb,
} from '../../support/throwaway-mariadb.js';
import { BINLOG_SERVER_ARGS, gtidNow, readUntil, specOfUrl } from './support.js';

const WRITERS = 8;
const SNAPSHOTS = 12;

let server: ThrowawayMariadb;
let admin: mysql.Connection;
const taken: { position: SnapshotPosition; ids: Set<number>; readers: number }[] = [];
let all: Set<number>;
let end: string;

beforeAll(async () => {
  server = await startThrowawayMariadb(BINLOG_SERVER_ARGS);
  admin = await mysql.createConnection({ uri: server.url });
  await admin.query(
    'CREATE TABLE ledger (id bigint PRIMARY KEY AUTO_INCREMENT, writer int, note varchar(20))',
  );
  let stop = false;
  const writers = Array.from({ length: WRITERS }, async (_, w) => {
    const c = await mysql.createConnection({ uri: server.url });
    try {
      for (let i = 0; !stop; i++) {
        if (i % 3 === 0) {
          // a transaction of three rows: all of it or none of it is in a snapshot
          await c.query('BEGIN');
          for (let k = 0; k < 3; k++)
            await c.query('INSERT INTO ledger (writer, note) VALUES (?, ?)', [w, `tx ${i}`]);
          await c.query('COMMIT');
        } else await c.query('INSERT INTO ledger (writer, note) VALUES (?, ?)', [w, `row ${i}`]);
      }
    } finally {
      await c.end();
    }
  });
  const spec = specOfUrl(server.url);
  await new Promise((r) => setTimeout(r, 200));
  for (let k = 0; k < SNAPSHOTS; k++) {
    const readers = 1 + (k % 3);
    const snapshot = await openSnapshot(spec, readers, silentLogger());
    try {
      const [rows] = await snapshot.connections[readers - 1]!.query('SELECT id FROM ledger');
      taken.push({
        position: snapshot.binlog,
        ids: new Set((rows as { id: number }[]).map((r) => Number(r.id))),
        readers,
      });
    } finally {
      await snapshot.close();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  stop = true;
  await Promise.all(writers);
  end = await gtidNow(admin);
  const [rows] = await admin.query('SELECT id FROM ledger');
  all = new Set((rows as { id: number }[]).map((r) => Number(r.id)));
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

async function idsFromBinlog(position: SnapshotPosition, by: 'gtid' | 'file'): Promise<number[]> {
  const from =
    by === 'gtid'
      ? { gtid: position.gtid, file: null, position: null }
      : { gtid: null, file: position.file, position: position.position };
  const events = await readUntil(specOfUrl(server.url), from, end, {
    tables: [{ schema: 'shop', table: 'ledger' }],
  });
  return events.flatMap((e) => (e.kind === 'insert' ? e.rows.map((r) => Number(r[0])) : []));
}

describe.skipIf(!canStartMariadb)('the position of a snapshot taken while commits race it', () => {
  it('is exact, and the writers committed while the snapshots opened', () => {
    expect(taken).toHaveLength(SNAPSHOTS);
    for (const t of taken) expect(t.position).toMatchObject({ exact: true });
    expect(new Set(taken.map((t) => t.ids.size)).size).toBeGreaterThan(SNAPSHOTS / 2);
    expect(all.size).toBeGreaterThan(taken.at(-1)!.ids.size);
  });

  it.each(['gtid', 'file'] as const)(
    'read from by %s, yields exactly the rows the snapshot lacks',
    async (by) => {
      for (const t of taken) {
        const binlog = await idsFromBinlog(t.position, by);
        const seenTwice = binlog.filter((id) => t.ids.has(id));
        const missing = [...all].filter((id) => !t.ids.has(id) && !binlog.includes(id));
        expect({
          readers: t.readers,
          seenTwice,
          missing,
          extra: binlog.length + t.ids.size - all.size,
        }).toEqual({
          readers: t.readers,
          seenTwice: [],
          missing: [],
          extra: 0,
        });
      }
    },
  );
});
