// ferry verify finds exactly the differences injected into the target, and none after a clean sync.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FerryConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify, type StreamVerdict } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';
import {
  everyTypeSql,
  OVERRIDE_CASES,
  overriddenSql,
  overriddenStream,
  TYPE_CASES,
} from '../../support/type-cases.js';

let db: TestDatabases;
let config: FerryConfig;

async function verifyStream(stream: string, options: { atSnapshot?: boolean } = {}): Promise<StreamVerdict> {
  const report = await verify({
    ...testProject(config),
    streams: [stream],
    samples: 10,
    logger: silentLogger(),
    signal: new AbortController().signal,
    ...options,
  });
  expect(report.streams).toHaveLength(1);
  return report.streams[0]!;
}

function counts(v: StreamVerdict) {
  return { missing: v.missing, extra: v.extra, different: v.different, status: v.status };
}

const CLEAN = { missing: 0, extra: 0, different: 0, status: 'in_sync' };

beforeAll(async () => {
  db = await createTestDatabases('verify');
  await db.source.query("SET SESSION sql_mode = ''");
  for (const sql of everyTypeSql()) await db.source.query(sql);
  for (const sql of overriddenSql()) await db.source.query(sql);
  await db.source.query('CREATE TABLE log_lines (level varchar(10), message text, n int)');
  await db.source.query(
    "INSERT INTO log_lines VALUES ('info', 'started', 1), ('info', 'started', 1), ('warn', NULL, 2), ('error', '', NULL)",
  );
  await db.source.query(
    'CREATE TABLE events (id bigint unsigned PRIMARY KEY, kind varchar(20), updated_at datetime(6) NOT NULL)',
  );
  await db.source.query(
    "INSERT INTO events VALUES (1, 'a', '2024-01-01 00:00:00'), (2, 'b', '2024-01-02 00:00:00'), (3, 'c', '2024-01-03 00:00:00')",
  );
  await db.source.query('CREATE TABLE odd_values (id int PRIMARY KEY, d date, t varchar(20))');
  await db.source.query(
    "INSERT INTO odd_values VALUES (1, '2024-01-01', 'fine'), (2, '0000-00-00', 'zero date'), (3, '2024-01-03', CONCAT('nul', CHAR(0)))",
  );
  await db.source.query('CREATE TABLE ledger (id int PRIMARY KEY, amount decimal(10,2) NOT NULL, n int)');
  await db.source.query(
    'INSERT INTO ledger VALUES (1, 10.00, 1), (2, 20.00, 2), (3, 30.00, 3), (4, 40.00, 4)',
  );
  await db.source.query('CREATE TABLE floats (id int PRIMARY KEY, f float, d double)');
  await db.source.query(
    'INSERT INTO floats VALUES (1, 123456.789, 0.00001), (2, 16777217, 1e14), (3, -0.1, 1.7976931348623157e308), (4, NULL, -2.5e-300)',
  );
  config = testConfig(
    db,
    [
      'streams:',
      '  - { table: events, mode: incremental, cursor: updated_at }',
      overriddenStream(),
      '  - { table: "*" }',
      'sync: { zero_dates: "null", invalid_values: "null" }',
      '',
    ].join('\n'),
  );
  const summary = await runSync(config);
  expect(summary.status).toBe('succeeded');
});

afterAll(async () => {
  await db?.drop();
});

describe('after a clean sync', () => {
  it('a table with every MySQL type verifies in sync', async () => {
    const verdict = await verifyStream('every_type');
    expect(counts(verdict)).toEqual(CLEAN);
    expect(verdict.sourceRows).toBe(3);
    expect(verdict.targetRows).toBe(3);
  });

  it('a table without a primary key verifies in sync as a multiset, duplicates included', async () => {
    const verdict = await verifyStream('log_lines');
    expect(counts(verdict)).toEqual(CLEAN);
    expect(verdict.targetRows).toBe(4);
  });

  it('values a sync policy set to NULL on purpose count as expected, not as differences', async () => {
    const verdict = await verifyStream('odd_values');
    // The zero date canonicalises to NULL on both sides; the NUL byte was nulled and recorded.
    expect(counts(verdict)).toEqual(CLEAN);
    expect(verdict.expected).toBe(1);
  });

  it('floats arrive exactly as stored, and verify compares them as numbers, not as printed text', async () => {
    const [source] = await db.source.query(
      'SELECT id, CAST(CAST(f AS DOUBLE) AS CHAR) AS f FROM floats ORDER BY id',
    );
    const { rows: target } = await db.target.query<{ id: number; f: string | null }>(
      'SELECT id, f::float8::text AS f FROM raw.floats ORDER BY id',
    );
    expect(target.map((r) => (r.f === null ? null : Number(r.f)))).toEqual(
      (source as Array<{ f: string | null }>).map((r) => (r.f === null ? null : Number(r.f))),
    );
    expect(target[0]!.f).toBe('123456.7890625'); // MySQL prints this FLOAT as 123457
    expect(counts(await verifyStream('floats'))).toEqual(CLEAN);
    await db.target.query('UPDATE raw.floats SET d = 0.000010000000000000001 WHERE id = 1'); // the same double
    expect(counts(await verifyStream('floats'))).toEqual(CLEAN);
    await db.target.query('UPDATE raw.floats SET d = 0.0000100001, f = NULL WHERE id = 1');
    const changed = await verifyStream('floats');
    await db.target.query("UPDATE raw.floats SET d = 0.00001, f = '123456.789' WHERE id = 1");
    expect(counts(changed)).toEqual({ missing: 0, extra: 0, different: 1, status: 'different' });
    expect(changed.samples.different[0]!.columns.map((c) => [c.column, c.source, c.target])).toEqual([
      ['f', '123456.7890625', null],
      ['d', '0.00001', '0.0000100001'],
    ]);
  });

  it('stores each run in _ferry for the run history', async () => {
    const report = await verify({
      ...testProject(config),
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.inSync).toBe(true);
    const { rows } = await db.target.query<{ in_sync: boolean; streams: string }>(
      `SELECT r.in_sync, count(s.*)::text AS streams FROM "_ferry"."verify_runs" r JOIN "_ferry"."verify_streams" s USING (run_id) WHERE r.run_id = $1 GROUP BY r.in_sync`,
      [report.runId],
    );
    expect(rows).toEqual([{ in_sync: true, streams: '7' }]); // six tables and the overridden one
  });
});

describe('differences injected into the target', () => {
  beforeEach(async () => {
    await db.target.query('DROP TABLE IF EXISTS raw.every_type_backup');
    await db.target.query('CREATE TABLE raw.every_type_backup AS SELECT * FROM raw.every_type');
  });

  async function restore() {
    await db.target.query('DELETE FROM raw.every_type');
    await db.target.query('INSERT INTO raw.every_type SELECT * FROM raw.every_type_backup');
  }

  it('finds a missing row and names its key', async () => {
    await db.target.query('DELETE FROM raw.every_type WHERE id = 2');
    const verdict = await verifyStream('every_type');
    await restore();
    expect(counts(verdict)).toEqual({ missing: 1, extra: 0, different: 0, status: 'different' });
    expect(verdict.samples.missing).toEqual(['2']);
  });

  it('finds an extra row and names its key', async () => {
    await db.target.query(
      'INSERT INTO raw.every_type SELECT * FROM raw.every_type_backup WHERE id = 3 ON CONFLICT DO NOTHING',
    );
    await db.target.query(`INSERT INTO raw.every_type (id, gen_v, gen_s) VALUES (99, 990, 'id-99')`);
    const verdict = await verifyStream('every_type');
    await restore();
    expect(counts(verdict)).toEqual({ missing: 0, extra: 1, different: 0, status: 'different' });
    expect(verdict.samples.extra).toEqual(['99']);
  });

  describe.each(TYPE_CASES.map(([type], i) => [type, `c${i}`] as const))('a %s column', (_type, column) => {
    it('a changed value is found, with the column and both values', async () => {
      // Row 1 takes row 2's value, which differs for every type in the table.
      await db.target.query(
        `UPDATE raw.every_type SET "${column}" = (SELECT "${column}" FROM raw.every_type_backup WHERE id = 2) WHERE id = 1`,
      );
      const verdict = await verifyStream('every_type');
      await restore();
      expect(counts(verdict)).toEqual({ missing: 0, extra: 0, different: 1, status: 'different' });
      expect(verdict.samples.different).toHaveLength(1);
      const difference = verdict.samples.different[0]!;
      expect(difference.key).toBe('1');
      expect(difference.columns.map((c) => c.column)).toEqual([column]);
      expect(difference.columns[0]!.source).not.toEqual(difference.columns[0]!.target);
    });

    it('a value turned NULL, and a NULL turned into a value, are both found', async () => {
      await db.target.query(`UPDATE raw.every_type SET "${column}" = NULL WHERE id = 1`);
      await db.target.query(
        `UPDATE raw.every_type SET "${column}" = (SELECT "${column}" FROM raw.every_type_backup WHERE id = 1) WHERE id = 3`,
      );
      const verdict = await verifyStream('every_type');
      await restore();
      expect(counts(verdict)).toEqual({ missing: 0, extra: 0, different: 2, status: 'different' });
      const byKey = new Map(verdict.samples.different.map((d) => [d.key, d.columns]));
      expect(byKey.get('1')).toEqual([expect.objectContaining({ column, target: null })]);
      expect(byKey.get('3')).toEqual([expect.objectContaining({ column, source: null })]);
    });
  });

  describe.each(OVERRIDE_CASES.map(([type, as], i) => [type, as, `r${i}`, i] as const))(
    'a %s column loaded as %s (renamed)',
    (_type, as, column, i) => {
      async function restoreOverridden() {
        await db.target.query('DELETE FROM raw.overridden');
        await db.target.query('INSERT INTO raw.overridden SELECT * FROM raw.overridden_backup');
      }
      beforeEach(async () => {
        await db.target.query('DROP TABLE IF EXISTS raw.overridden_backup');
        await db.target.query('CREATE TABLE raw.overridden_backup AS SELECT * FROM raw.overridden');
      });

      it('lands with the chosen type and the values as the rule reads them, and verifies in sync', async () => {
        const { rows } = await db.target.query<{ t: string }>(
          `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'raw.overridden'::regclass AND attname = $1`,
          [column],
        );
        expect(rows[0]!.t).toBe(as);
        const values = await db.target.query<{ v: string | null }>(
          `SELECT "${column}"::text AS v FROM raw.overridden ORDER BY id`,
        );
        expect(values.rows.map((r) => r.v)).toEqual(OVERRIDE_CASES[i]![3]);
        expect(counts(await verifyStream('overridden'))).toEqual(CLEAN);
      });

      it('a changed value, a value turned NULL and a NULL turned into a value are found', async () => {
        await db.target.query(
          `UPDATE raw.overridden SET "${column}" = (SELECT "${column}" FROM raw.overridden_backup WHERE id = 2) WHERE id = 1`,
        );
        await db.target.query(
          `UPDATE raw.overridden SET "${column}" = (SELECT "${column}" FROM raw.overridden_backup WHERE id = 1) WHERE id = 3`,
        );
        await db.target.query(`UPDATE raw.overridden SET "${column}" = NULL WHERE id = 2`);
        const verdict = await verifyStream('overridden');
        await restoreOverridden();
        expect(counts(verdict)).toEqual({ missing: 0, extra: 0, different: 3, status: 'different' });
        for (const d of verdict.samples.different) expect(d.columns.map((c) => c.column)).toEqual([`o${i}`]);
      });
    },
  );

  it('does not compare a column the stream excludes, nor create it', async () => {
    const { rows } = await db.target.query(
      `SELECT 1 FROM pg_attribute WHERE attrelid = 'raw.overridden'::regclass AND attname = 'secret'`,
    );
    expect(rows).toEqual([]);
    await db.source.query("UPDATE overridden SET secret = 'changed' WHERE id = 1");
    expect(counts(await verifyStream('overridden'))).toEqual(CLEAN);
  });

  it('tells an empty string from NULL', async () => {
    const index = TYPE_CASES.findIndex(([type]) => type === 'text');
    await db.target.query(`UPDATE raw.every_type SET "c${index}" = NULL WHERE id = 2`); // was ''
    const verdict = await verifyStream('every_type');
    await restore();
    expect(counts(verdict)).toEqual({ missing: 0, extra: 0, different: 1, status: 'different' });
    expect(verdict.samples.different[0]!.columns).toEqual([
      { column: `c${index}`, source: '', target: null },
    ]);
  });

  it('finds two changes that cancel out in one bucket, which a linear or per-column checksum would hide', async () => {
    // All four rows share one bucket. Row 1's amount +1 and row 2's -1 leave the sum of the values as
    // it was; swapping n between rows 3 and 4 leaves every column's multiset of values as it was.
    await db.target.query('UPDATE raw.ledger SET amount = amount + 1 WHERE id = 1');
    await db.target.query('UPDATE raw.ledger SET amount = amount - 1 WHERE id = 2');
    await db.target.query('UPDATE raw.ledger SET n = 7 - n WHERE id IN (3, 4)');
    const { rows } = await db.target.query<{ total: string; ns: string }>(
      'SELECT sum(amount)::text AS total, sum(n)::text AS ns FROM raw.ledger',
    );
    const verdict = await verifyStream('ledger');
    await db.target.query('UPDATE raw.ledger SET amount = amount - 1 WHERE id = 1');
    await db.target.query('UPDATE raw.ledger SET amount = amount + 1 WHERE id = 2');
    await db.target.query('UPDATE raw.ledger SET n = 7 - n WHERE id IN (3, 4)');
    expect(rows[0]).toEqual({ total: '100.00', ns: '10' }); // the sums say nothing changed
    expect(counts(verdict)).toEqual({ missing: 0, extra: 0, different: 4, status: 'different' });
    const byKey = new Map(verdict.samples.different.map((d) => [d.key, d.columns]));
    expect(byKey.get('1')).toEqual([{ column: 'amount', source: '10.00', target: '11.00' }]);
    expect(byKey.get('2')).toEqual([{ column: 'amount', source: '20.00', target: '19.00' }]);
    expect(byKey.get('3')).toEqual([{ column: 'n', source: '3', target: '4' }]);
    expect(byKey.get('4')).toEqual([{ column: 'n', source: '4', target: '3' }]);
    expect(counts(await verifyStream('ledger'))).toEqual(CLEAN);
  });

  it('finds a duplicated row, and a lost duplicate, in a table without a primary key', async () => {
    await db.target.query(`INSERT INTO raw.log_lines VALUES ('warn', NULL, 2)`);
    const extra = await verifyStream('log_lines');
    await db.target.query(
      `DELETE FROM raw.log_lines WHERE ctid IN (SELECT ctid FROM raw.log_lines WHERE level = 'warn' LIMIT 2)`,
    );
    await db.target.query(
      `DELETE FROM raw.log_lines WHERE ctid IN (SELECT ctid FROM raw.log_lines WHERE level = 'info' LIMIT 1)`,
    );
    const missing = await verifyStream('log_lines');
    await db.target.query(`INSERT INTO raw.log_lines VALUES ('warn', NULL, 2), ('info', 'started', 1)`);
    expect(counts(extra)).toEqual({ missing: 0, extra: 1, different: 0, status: 'different' });
    expect(counts(missing)).toEqual({ missing: 2, extra: 0, different: 0, status: 'different' });
    expect(counts(await verifyStream('log_lines'))).toEqual(CLEAN);
  });
});

describe('while the source keeps changing', () => {
  it('counts rows changed after the last sync as in flight with --at-snapshot, and as differences without', async () => {
    await db.source.query("UPDATE events SET kind = 'b2', updated_at = '2024-02-01 00:00:00' WHERE id = 2");
    await db.source.query("INSERT INTO events VALUES (4, 'd', '2024-02-02 00:00:00')");
    const snapshot = await verifyStream('events', { atSnapshot: true });
    expect(counts(snapshot)).toEqual(CLEAN);
    expect(snapshot.inFlight).toBe(2);

    const strict = await verifyStream('events');
    expect(counts(strict)).toEqual({ missing: 1, extra: 0, different: 1, status: 'different' });
    expect(strict.notes.join('\n')).toMatch(
      /2 of the differing rows changed in the source after the last sync/,
    );

    expect((await runSync(config, { streams: ['events'] })).status).toBe('succeeded');
    const caughtUp = await verifyStream('events');
    expect(counts(caughtUp)).toEqual(CLEAN);
    expect(caughtUp.inFlight).toBe(0);
  });
});
