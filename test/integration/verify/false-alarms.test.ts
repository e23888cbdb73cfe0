// verify raises no false alarms: quarantined rows of key-less tables and of tables keyed by any type
// count as expected, ZEROFILL and UNSIGNED columns compare by value (not their padded text), and
// every row of the type mapping, in every variant, canonicalises alike on both sides. Real
// differences in key-less tables still show, with sample rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FerryConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { TYPE_MAPPING } from '../../../src/schema/type-mapping.js';
import { verify, type StreamVerdict } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';
import { TYPE_CASES } from '../../support/type-cases.js';

let db: TestDatabases;
let config: FerryConfig;

/** The numeric cases of the type table again, UNSIGNED ZEROFILL, with their non-negative values. */
const VARIANTS = TYPE_CASES.filter(([type]) =>
  /^(tinyint|smallint|mediumint|int|bigint|decimal|float|double)\b/.test(type),
).map(([type, values]): [string, string[]] => [
  `${type.replace(/ unsigned$/, '')} unsigned zerofill`,
  values.map((v) => (v.startsWith('-') ? v.slice(1) : v)),
]);

beforeAll(async () => {
  db = await createTestDatabases('false_alarms');
  await db.source.query("SET SESSION sql_mode = ''");
  await db.source.query('CREATE TABLE log_lines (level VARCHAR(10), message TEXT, ok TINYINT(1))');
  await db.source.query(
    "INSERT INTO log_lines VALUES ('info', 'started', 1), ('info', 'started', 1), ('warn', CONCAT('nul', CHAR(0)), 1), ('error', 'bad flag', 7), ('info', NULL, 0)",
  );
  await db.source.query(
    'CREATE TABLE padded (id BIGINT UNSIGNED ZEROFILL PRIMARY KEY, amount DECIMAL(8,2) ZEROFILL, n INT ZEROFILL, note VARCHAR(20))',
  );
  await db.source.query(
    "INSERT INTO padded VALUES (0, 0, 0, 'zero'), (7, 1.5, 42, 'seven'), (18446744073709551615, 999999.99, 4294967295, 'max'), (8, 2.25, 1, CONCAT('nul', CHAR(0)))",
  );
  await db.source.query('CREATE TABLE dated_key (d DATE, k VARCHAR(5), v INT, PRIMARY KEY (d, k))');
  await db.source.query("INSERT INTO dated_key VALUES ('2024-01-01', 'a', 1), ('2024-02-30', 'b', 2)");
  const columns = VARIANTS.map(([type], i) => `v${i} ${type}`).join(', ');
  await db.source.query(`CREATE TABLE variants (id INT PRIMARY KEY, ${columns})`);
  for (const row of [0, 1, 2])
    await db.source.query(
      `INSERT INTO variants VALUES (${row + 1}, ${VARIANTS.map(([, values]) => values[row]).join(', ')})`,
    );
  config = testConfig(
    db,
    'streams:\n  - { table: "*" }\nsync: { invalid_values: quarantine, zero_dates: quarantine }\n',
  );
  const summary = await runSync(config);
  expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
});

afterAll(async () => {
  await db?.drop();
});

async function verifyStream(stream: string): Promise<StreamVerdict> {
  const report = await verify({
    ...testProject(config),
    streams: [stream],
    samples: 5,
    logger: silentLogger(),
    signal: new AbortController().signal,
  });
  return report.streams[0]!;
}

const counts = (v: StreamVerdict) => ({
  status: v.status,
  missing: v.missing,
  extra: v.extra,
  different: v.different,
  expected: v.expected,
});

describe('quarantined rows', () => {
  it('of a table without a primary key count as expected', async () => {
    const verdict = await verifyStream('log_lines');
    expect(counts(verdict)).toEqual({ status: 'in_sync', missing: 0, extra: 0, different: 0, expected: 2 });
  });

  it('of a table keyed by a ZEROFILL number or a date count as expected', async () => {
    expect(counts(await verifyStream('padded'))).toEqual({
      status: 'in_sync',
      missing: 0,
      extra: 0,
      different: 0,
      expected: 1,
    });
    expect(counts(await verifyStream('dated_key'))).toEqual({
      status: 'in_sync',
      missing: 0,
      extra: 0,
      different: 0,
      expected: 1,
    });
  });

  it('do not hide a real difference in a key-less table, which shows with a sample row', async () => {
    await db.target.query(
      "DELETE FROM raw.log_lines WHERE ctid = (SELECT ctid FROM raw.log_lines WHERE level = 'info' AND message = 'started' LIMIT 1)",
    );
    await db.target.query("INSERT INTO raw.log_lines VALUES ('debug', 'extra', false)");
    const verdict = await verifyStream('log_lines');
    await db.target.query("DELETE FROM raw.log_lines WHERE level = 'debug'");
    await db.target.query("INSERT INTO raw.log_lines VALUES ('info', 'started', true)");
    expect(counts(verdict)).toEqual({ status: 'different', missing: 1, extra: 1, different: 0, expected: 2 });
    expect(verdict.samples.missing).toEqual(['info, started, t']);
    expect(verdict.samples.extra).toEqual(['debug, extra, f']);
  });
});

describe('ZEROFILL and UNSIGNED columns', () => {
  it('verify clean: BIGINT UNSIGNED ZEROFILL and DECIMAL ZEROFILL compare by value', async () => {
    const { rows } = await db.target.query(
      'SELECT p.id::text AS id, p.amount::text AS amount FROM raw.padded p ORDER BY p.id',
    );
    expect(rows).toEqual([
      { id: '0', amount: '0.00' },
      { id: '7', amount: '1.50' },
      { id: '18446744073709551615', amount: '999999.99' },
    ]);
    expect(counts(await verifyStream('padded')).status).toBe('in_sync');
  });

  it('of every numeric row of the type mapping verify clean, and a changed value is still found', async () => {
    expect(counts(await verifyStream('variants'))).toEqual({
      status: 'in_sync',
      missing: 0,
      extra: 0,
      different: 0,
      expected: 0,
    });
    for (const [i] of VARIANTS.entries()) {
      await db.target.query(
        `UPDATE raw.variants SET v${i} = (SELECT v${i} FROM raw.variants WHERE id = 2) WHERE id = 1`,
      );
      const verdict = await verifyStream('variants');
      expect(
        verdict.samples.different.map((d) => d.columns.map((c) => c.column)),
        VARIANTS[i]![0],
      ).toEqual([[`v${i}`]]);
      // put the source's value back
      await runSync(config, { streams: ['variants'] });
    }
  });

  it('cover every numeric rule of the type mapping', () => {
    const numeric = TYPE_MAPPING.filter((r) => ['integer', 'numeric', 'float'].includes(r.encoder)).map(
      (r) => r.mysql,
    );
    const covered = new Set(
      VARIANTS.map(([type]) => type.split(/[\s(]/)[0]).flatMap((base) =>
        numeric.filter((m) => m.startsWith(base!)),
      ),
    );
    expect(numeric.filter((m) => !covered.has(m) && m !== 'year')).toEqual([]);
  });
});
