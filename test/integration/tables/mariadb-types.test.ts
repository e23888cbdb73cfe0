// MariaDB's own types arrive exactly: UUID as uuid (also as the primary key, merged incrementally),
// INET4 and INET6 as inet with the same text forms, and geometries with their SRID (as EWKB).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;

const UUIDS = [
  '00000000-0000-0000-0000-000000000000',
  '123e4567-e89b-12d3-a456-426655440000',
  'FFFFFFFF-0000-0000-0000-000000000001',
  '01234567-89AB-4DEF-8123-456789ABCDEF',
];
const INET4 = ['0.0.0.0', '192.168.0.1', '255.255.255.255', '10.0.0.1'];
const INET6 = ['::', '2001:0db8:0000:0000:0000:0000:0000:0001', '::ffff:1.2.3.4', 'fe80::1:2:3:4'];
const GEOMETRIES: [number, string, number][] = [
  [1, 'POINT(1 2)', 4326],
  [2, 'LINESTRING(0 0, 1 1, 2 0)', 3857],
  [3, 'POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))', 0],
  [4, 'GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))', 4326],
  [5, 'MULTIPOINT(1 1, 2 2)', 2154],
];
const config = () =>
  testConfig(db, 'streams:\n  - { table: ids, mode: incremental, cursor: updated_at }\n  - { table: "*" }\n');

beforeAll(async () => {
  db = await createTestDatabases('mariadb_types');
  await db.source.query(
    'CREATE TABLE ids (id UUID PRIMARY KEY, v4 INET4, v6 INET6, updated_at DATETIME(6) NOT NULL)',
  );
  for (const [i, id] of UUIDS.entries())
    await db.source.query("INSERT INTO ids VALUES (?, ?, ?, '2024-01-01 00:00:00')", [
      id,
      INET4[i],
      INET6[i],
    ]);
  await db.source.query("INSERT INTO ids VALUES (UUID(), NULL, NULL, '2024-01-01 00:00:00')");
  await db.source.query('CREATE TABLE geo (id INT PRIMARY KEY, g GEOMETRY, p POINT)');
  for (const [id, wkt, srid] of GEOMETRIES)
    await db.source.query(
      `INSERT INTO geo VALUES (?, ST_GeomFromText(?, ?), ST_GeomFromText('POINT(5 6)', ?))`,
      [id, wkt, srid, srid],
    );
  await db.source.query('INSERT INTO geo VALUES (6, NULL, NULL)');
  const summary = await runSync(config());
  expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
});

afterAll(async () => {
  await db?.drop();
});

async function columnTypes(table: string): Promise<Record<string, string>> {
  const { rows } = await db.target.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_ferry%'`,
    [`raw.${table}`],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

describe('UUID, INET4 and INET6', () => {
  it('become uuid and inet', async () => {
    expect(await columnTypes('ids')).toEqual({
      id: 'uuid',
      v4: 'inet',
      v6: 'inet',
      updated_at: 'timestamp(6) without time zone',
    });
    const { rows } = await db.target.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'raw.ids'::regclass AND contype = 'p'`,
    );
    expect(rows).toEqual([{ def: 'PRIMARY KEY (id)' }]);
  });

  it('print the same text in PostgreSQL as in MariaDB, value by value', async () => {
    const [source] = await db.source.query(
      'SELECT CAST(id AS CHAR) AS id, CAST(v4 AS CHAR) AS v4, CAST(v6 AS CHAR) AS v6 FROM ids ORDER BY CAST(id AS CHAR)',
    );
    const { rows: target } = await db.target.query(
      'SELECT id::text AS id, host(v4) AS v4, host(v6) AS v6 FROM raw.ids ORDER BY id::text',
    );
    expect(target).toEqual(source);
    expect(target).toHaveLength(5);
    expect(target).toEqual(
      expect.arrayContaining([
        { id: '123e4567-e89b-12d3-a456-426655440000', v4: '192.168.0.1', v6: '2001:db8::1' },
        { id: 'ffffffff-0000-0000-0000-000000000001', v4: '255.255.255.255', v6: '::ffff:1.2.3.4' },
      ]),
    );
  });

  it('merge an incremental change by a UUID primary key', async () => {
    await db.source.query(
      "UPDATE ids SET v6 = '::1', updated_at = '2024-02-01 00:00:00' WHERE id = '123e4567-e89b-12d3-a456-426655440000'",
    );
    const second = await runSync(config(), { streams: ['ids'] });
    // every row sits at the old mark, which the next run reads again (inclusive bound)
    expect(second.streams[0]).toMatchObject({ status: 'succeeded', mode: 'incremental', rowsRead: 5 });
    const { rows } = await db.target.query(
      "SELECT host(v6) AS v6, count(*) OVER () AS n FROM raw.ids WHERE id = '123e4567-e89b-12d3-a456-426655440000'",
    );
    expect(rows).toEqual([{ v6: '::1', n: '1' }]);
  });
});

describe('geometries', () => {
  it('keep their SRID: EWKB, the WKB with the SRID flag and the SRID after the type', async () => {
    expect(await columnTypes('geo')).toMatchObject({ g: 'bytea', p: 'bytea' });
    const [source] = await db.source.query(
      'SELECT id, HEX(ST_AsBinary(g)) AS wkb, ST_SRID(g) AS srid FROM geo WHERE g IS NOT NULL ORDER BY id',
    );
    const { rows } = await db.target.query<{ id: number; g: string }>(
      "SELECT id, encode(g, 'hex') AS g FROM raw.geo WHERE g IS NOT NULL ORDER BY id",
    );
    for (const [i, s] of (source as { id: number; wkb: string; srid: number }[]).entries()) {
      const wkb = s.wkb.toLowerCase();
      const srid = Buffer.alloc(4);
      srid.writeUInt32LE(s.srid);
      // byte order, the geometry type with 0x20000000 set (little endian), the SRID, the rest of the WKB
      const expected =
        s.srid === 0
          ? wkb
          : wkb.slice(0, 8) +
            (parseInt(wkb.slice(8, 10), 16) | 0x20).toString(16).padStart(2, '0') +
            srid.toString('hex') +
            wkb.slice(10);
      expect(rows[i], `geometry ${s.id}`).toEqual({ id: s.id, g: expected });
    }
    expect(rows[0]!.g).toBe('0101000020e6100000000000000000f03f0000000000000040'); // POINT(1 2), SRID 4326
  });

  it('read back to the same geometry and SRID in MariaDB (as PostGIS would read the EWKB)', async () => {
    const { rows } = await db.target.query<{ id: number; g: Buffer }>(
      'SELECT id, g FROM raw.geo WHERE g IS NOT NULL ORDER BY id',
    );
    for (const { id, g } of rows) {
      const flagged = (g.readUInt32LE(1) & 0x20000000) !== 0;
      const srid = flagged ? g.readUInt32LE(5) : 0;
      const wkb = flagged
        ? Buffer.concat([g.subarray(0, 1), uint32(g.readUInt32LE(1) & ~0x20000000), g.subarray(9)])
        : g;
      const [back] = await db.source.query(
        'SELECT ST_AsText(ST_GeomFromWKB(?, ?)) AS wkt, ST_AsText(g) AS original, ST_SRID(g) AS srid FROM geo WHERE id = ?',
        [wkb, srid, id],
      );
      const [r] = back as { wkt: string; original: string; srid: number }[];
      expect(r!.wkt).toBe(r!.original);
      expect(srid).toBe(r!.srid);
    }
  });

  it('verify in sync, like the UUID and INET columns', async () => {
    const report = await verify({
      ...testProject(config()),
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.streams.map((s) => [s.stream, s.status, s.sourceRows, s.different])).toEqual([
      ['geo', 'in_sync', 6, 0],
      ['ids', 'in_sync', 5, 0],
    ]);
  });
});

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
