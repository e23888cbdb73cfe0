// The type hand-over of the spark engine reading MySQL directly: every type of ferry's mapping (the
// nasty ones too: DECIMAL(65,30), BIGINT UNSIGNED max, TINYINT(1), zero dates, TIME beyond 24 hours
// and negative, YEAR, BIT, SET, JSON) reaches a Spark model with the type it has when Spark reads the
// replicated table, follows sync.zero_dates / sync.invalid_values, and is loaded into PostgreSQL
// with the values ferry's own sync lands.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { FerryConfig } from '../../../src/config/schema.js';
import type { TransformSummary } from '../../../src/transform/run.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync } from '../../support/sync.js';
import { everyTypeSql, TYPE_CASES } from '../../support/type-cases.js';
import { requireSpark, SPARK_URL } from '../spark/spark-server.js';
import { transform } from './shop-project.js';

let db: TestDatabases;
let models: string;

function config(schema: string, sources: string, sync = ''): FerryConfig {
  return parseConfig(
    `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw }
streams: [{ table: '*' }]
${sync}
spark: { url: "${SPARK_URL}" }
transform:
  models: "${models}"
  schema: ${schema}
  sources: { shop: raw }
  spark: { sources: ${sources} }
`,
    'test.yaml',
    { env: {} },
  );
}

const POLICY_ROWS = [
  `(1, '2024-02-29', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.999999', 1, 'ok', '-838:59:59')`,
  `(2, '0000-00-00', NULL, NULL, 0, 'zero date', '838:59:59')`,
  `(3, '2024-01-01', '2023-02-29 10:00:00', NULL, 1, 'impossible date', '-00:00:01')`,
  `(4, '2024-01-01', NULL, '0000-00-00 00:00:00', NULL, 'zero timestamp', '100:00:00')`,
  `(5, '2024-01-01', NULL, NULL, 5, 'not a boolean', NULL)`,
  `(6, '2024-01-01', NULL, NULL, 1, CONCAT('nul', CHAR(0), 'byte'), NULL)`,
];

let viaPostgres: TransformSummary;
let viaMysql: TransformSummary;

beforeAll(async () => {
  await requireSpark();
  db = await createTestDatabases('sparktypes');
  models = mkdtempSync(join(tmpdir(), 'ferry-spark-types-'));
  writeFileSync(
    join(models, 'every_type_out.sql'),
    "{{ config(materialized='table') }}\nselect * from {{ source('shop', 'every_type') }}\n",
  );
  writeFileSync(
    join(models, 'policy_out.sql'),
    "{{ config(materialized='table') }}\nselect * from {{ source('shop', 'policy_cases') }}\n",
  );
  for (const statement of everyTypeSql()) await db.source.query(statement);
  await db.source.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
  await db.source.query(
    'CREATE TABLE policy_cases (id int PRIMARY KEY, d date NULL, dt datetime(6) NULL, ts timestamp(6) NULL, flag tinyint(1) NULL, note varchar(20) NULL, t time NULL)',
  );
  await db.source.query(`INSERT INTO policy_cases VALUES ${POLICY_ROWS.join(', ')}`);
  // ferry's own sync, with the default policies (zero_dates: null, invalid_values: quarantine).
  const synced = await runSync(config('unused', 'postgres'));
  expect(synced.status).toBe('succeeded');
  viaPostgres = await transform(config('via_pg', 'postgres'), { engine: 'spark' });
  viaMysql = await transform(config('via_mysql', 'mysql'), { engine: 'spark' });
}, 300_000);

afterAll(async () => {
  await db?.drop();
  if (models) rmSync(models, { recursive: true, force: true });
});

interface Column {
  name: string;
  type: string;
}

async function columns(schema: string, table: string): Promise<Column[]> {
  const { rows } = await db.target.query<Column>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_ferry\\_%' ORDER BY attnum`,
    [`"${schema}"."${table}"`],
  );
  return rows;
}

/** Rows of `id` where the model's value, cast to the synced column's type, prints differently. */
async function differences(model: string, synced: string): Promise<{ column: string; ids: number[] }[]> {
  const out: { column: string; ids: number[] }[] = [];
  const modelTypes = new Map((await columns('via_mysql', model)).map((c) => [c.name, c.type]));
  for (const c of await columns('raw', synced)) {
    const m = `m."${c.name}"`;
    const asSynced =
      modelTypes.get(c.name) === 'boolean' && c.type.startsWith('bit')
        ? `${m}::int::bit(1)`
        : `${m}::${c.type}`;
    const { rows } = await db.target.query<{ id: number }>(
      `SELECT coalesce(r.id, m.id) AS id FROM raw."${synced}" r FULL JOIN via_mysql."${model}" m ON m.id = r.id
        WHERE r."${c.name}"::text IS DISTINCT FROM (${asSynced})::text ORDER BY 1`,
    );
    if (rows.length > 0) out.push({ column: c.name, ids: rows.map((r) => r.id) });
  }
  return out;
}

const columnOf = (type: string) => `c${TYPE_CASES.findIndex(([t]) => t === type)}`;

describe('every type read from MySQL into a Spark model', () => {
  it('has the Spark type it has when Spark reads the replicated table', async () => {
    expect(viaMysql.models.map((m) => m.status)).toEqual(['built', 'built']);
    expect(viaPostgres.models.map((m) => m.status)).toEqual(['built', 'built']);
    expect(await columns('via_mysql', 'every_type_out')).toEqual(await columns('via_pg', 'every_type_out'));
    expect(await columns('via_mysql', 'policy_out')).toEqual(await columns('via_pg', 'policy_out'));
  });

  it('lands the nasty types in PostgreSQL as the types the docs list', async () => {
    const types = new Map((await columns('via_mysql', 'every_type_out')).map((c) => [c.name, c.type]));
    const expected: Record<string, string> = {
      'decimal(65,30)': 'text',
      'bigint unsigned': 'numeric(20,0)',
      'tinyint(1)': 'boolean',
      time: 'text',
      'time(6)': 'text',
      year: 'smallint',
      'bit(1)': 'boolean',
      'bit(64)': 'text',
      "set('a','b','c d')": 'text[]',
      json: 'text',
      'timestamp(6) NULL': 'timestamp with time zone',
      'datetime(6)': 'timestamp without time zone',
    };
    for (const [mysqlType, pgType] of Object.entries(expected))
      expect({ mysqlType, pgType: types.get(columnOf(mysqlType)) }).toEqual({ mysqlType, pgType });
  });

  it('loads the values ferry sync lands, every column of every row', async () => {
    expect(await differences('every_type_out', 'every_type')).toEqual([]);
  });

  it('gives the same text as the read of the replicated table, but for JSON, which jsonb normalises', async () => {
    const json = columnOf('json');
    for (const c of await columns('via_pg', 'every_type_out')) {
      const compare = c.name === json ? (t: string) => `${t}::jsonb` : (t: string) => `${t}::text`;
      const { rows } = await db.target.query(
        `SELECT p.id FROM via_pg.every_type_out p JOIN via_mysql.every_type_out m USING (id)
          WHERE ${compare(`p."${c.name}"`)} IS DISTINCT FROM ${compare(`m."${c.name}"`)}`,
      );
      expect({ column: c.name, rows }).toEqual({ column: c.name, rows: [] });
    }
  });

  it("reads ferry's own columns as a direct read defines them: _ferry_deleted_at NULL, _ferry_synced_at the read", async () => {
    const { rows } = await db.target.query<{ deleted: string; synced: string }>(
      `SELECT count(_ferry_deleted_at)::text AS deleted, count(DISTINCT _ferry_synced_at)::text AS synced FROM via_mysql.every_type_out`,
    );
    expect(rows).toEqual([{ deleted: '0', synced: '1' }]);
  });
});

describe('the value policies on a direct read', () => {
  it('set zero and impossible dates to NULL and leave out the rows sync quarantines, as sync does', async () => {
    expect(await differences('policy_out', 'policy_cases')).toEqual([]);
    const { rows } = await db.target.query<{ id: number }>('SELECT id FROM via_mysql.policy_out ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(viaMysql.extract?.skipped).toBe(2);
    const warnings = viaMysql.extract?.warnings ?? [];
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^policy_cases: 1 row\(s\) left out, flag holds a TINYINT\(1\) value other than 0 and 1/,
      ),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(/^policy_cases: 1 row\(s\) left out, note holds a NUL byte/),
    );
    expect(warnings).toContainEqual(
      expect.stringMatching(/^policy_cases: dt set to NULL in 1 row\(s\), it held an impossible date/),
    );
  });

  it('leave out the rows with zero dates under zero_dates: quarantine, the rows sync quarantines', async () => {
    const quarantined = await runSync(
      parseConfig(
        `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: raw_q }\nstreams: [{ table: policy_cases }]\nsync: { zero_dates: quarantine }\n`,
        'test.yaml',
        { env: {} },
      ),
    );
    const summary = await transform(config('via_mysql_q', 'mysql', 'sync: { zero_dates: quarantine }'), {
      engine: 'spark',
      select: 'policy_out',
    });
    const { rows: kept } = await db.target.query<{ id: number }>(
      'SELECT id FROM via_mysql_q.policy_out ORDER BY id',
    );
    const { rows: synced } = await db.target.query<{ id: number }>(
      'SELECT id FROM raw_q.policy_cases ORDER BY id',
    );
    expect(kept).toEqual(synced);
    expect(kept.map((r) => r.id)).toEqual([1]);
    expect(summary.extract?.skipped).toBe(quarantined.streams[0]!.rowsQuarantined);
  });

  it('refuse the run under zero_dates: fail, naming the column and a key', async () => {
    await expect(
      transform(config('via_mysql_f', 'mysql', 'sync: { zero_dates: fail }'), {
        engine: 'spark',
        select: 'policy_out',
      }),
    ).rejects.toThrow(/^policy_cases\.d: a zero date or a date with a zero part in 1 row\(s\), e\.g\. id=2$/);
  });
});
