// A zero date (or a date with a zero part, or an impossible one) in a primary-key column is never
// set to NULL by a policy: its row is quarantined with its reason and counted, the rest of the table
// loads with its key, and verify counts those rows as expected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, targetRows, testConfig, testProject } from '../../support/sync.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('zero_pk');
  await db.source.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
  await db.source.query(
    'CREATE TABLE zero_pk (id INT NOT NULL, d DATE NOT NULL, seen DATE, PRIMARY KEY (id, d))',
  );
  await db.source.query(
    `INSERT INTO zero_pk VALUES (1, '0000-00-00', '2024-01-01'), (1, '2024-01-01', '0000-00-00'),
       (2, '2024-01-01', NULL), (3, '2024-00-15', NULL), (4, '2024-05-00', NULL), (5, '2023-02-30', NULL)`,
  );
  await db.source.query('CREATE TABLE zero_ts (at DATETIME(3) PRIMARY KEY, v INT)');
  await db.source.query(
    "INSERT INTO zero_ts VALUES ('0000-00-00 00:00:00.000', 1), ('2024-01-01 10:00:00.250', 2), ('2024-00-01 00:00:00', 3)",
  );
});

afterAll(async () => {
  await db?.drop();
});

for (const policy of ['null', 'quarantine'] as const) {
  describe(`under zero_dates: ${policy}`, () => {
    const schema = `z_${policy}`;
    const config = () =>
      testConfig(db, `streams:\n  - { table: "*" }\nsync: { zero_dates: "${policy}" }\n`, schema);

    it('quarantines the rows whose key holds a zero date, with their reason, and loads the rest', async () => {
      const summary = await runSync(config());
      expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
      const zeroPk = summary.streams.find((s) => s.stream === 'zero_pk')!;
      // The zero date in the non-key column `seen` still follows the policy.
      expect(zeroPk).toMatchObject(
        policy === 'null'
          ? { rowsRead: 6, rowsLoaded: 2, rowsQuarantined: 4, valuesNulled: 1 }
          : { rowsRead: 6, rowsLoaded: 1, rowsQuarantined: 5, valuesNulled: 0 },
      );
      expect(zeroPk.checks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ check: 'd.zero_date', code: 'zero_date', rows: 3 }),
          expect.objectContaining({ check: 'd.impossible_date', code: 'impossible_date', rows: 1 }),
        ]),
      );
      const rows = await targetRows(db, schema, 'zero_pk');
      expect(rows.map((r) => [r.id, r.d])).toEqual(
        policy === 'null'
          ? [
              ['1', '2024-01-01'],
              ['2', '2024-01-01'],
            ]
          : [['2', '2024-01-01']],
      );
      const { rows: reasons } = await db.target.query<{ key: string; reason: string }>(
        `SELECT primary_key->>'d' AS key, reason FROM _ferry.quarantine
          WHERE target_schema = $1 AND stream = 'zero_pk' AND primary_key->>'d' <> '2024-01-01' ORDER BY 1`,
        [schema],
      );
      expect(reasons.map((r) => r.key)).toEqual(['0000-00-00', '2023-02-30', '2024-00-15', '2024-05-00']);
      // Under null, the policy would have set the key to NULL: the reason says why the row was set aside instead.
      expect(reasons[0]!.reason).toMatch(
        policy === 'null' ? /^d: zero date 0000-00-00 in a key column/ : /^d: zero date 0000-00-00$/,
      );
      const { rows: pk } = await db.target.query<{ def: string }>(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
        [`${schema}.zero_pk`],
      );
      expect(pk).toEqual([{ def: 'PRIMARY KEY (id, d)' }]);
    });

    it('does the same for a DATETIME key', async () => {
      const rows = await targetRows(db, schema, 'zero_ts');
      expect(rows).toEqual([{ at: '2024-01-01 10:00:00.25', v: '2' }]);
    });

    it('verifies in sync, the quarantined rows counted as expected', async () => {
      const report = await verify({
        ...testProject(config()),
        logger: silentLogger(),
        signal: new AbortController().signal,
      });
      const byStream = Object.fromEntries(report.streams.map((s) => [s.stream, s]));
      expect(byStream.zero_pk).toMatchObject({
        status: 'in_sync',
        missing: 0,
        different: 0,
        expected: policy === 'null' ? 4 : 5,
      });
      expect(byStream.zero_ts).toMatchObject({ status: 'in_sync', missing: 0, expected: 2 });
    });
  });
}
