// Every row of the type mapping round-trips: each MySQL value arrives in PostgreSQL as the value it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_MAPPING } from '../../../src/schema/type-mapping.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { everyTypeSql, TYPE_CASES as CASES } from '../../support/type-cases.js';
import { runSync, targetRows, testConfig } from '../../support/sync.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('types');
  for (const sql of everyTypeSql()) await db.source.query(sql);
  const summary = await runSync(testConfig(db));
  expect(summary.status).toBe('succeeded');
});

afterAll(async () => {
  await db?.drop();
});

describe('every MySQL type round-trips into PostgreSQL value by value', () => {
  it.each(CASES.map((c, i) => [c[0], i, c[2]] as const))('%s', async (_type, index, expected) => {
    const rows = await targetRows(db, 'raw', 'every_type');
    expect(rows.map((r) => r[`c${index}`])).toEqual(expected);
  });

  it('copies the computed values of generated columns', async () => {
    const rows = await targetRows(db, 'raw', 'every_type');
    expect(rows.map((r) => [r.gen_v, r.gen_s])).toEqual([
      ['10', 'id-1'],
      ['20', 'id-2'],
      ['30', 'id-3'],
    ]);
  });

  it('covers every row of the mapping table', () => {
    const covered = new Set<string>();
    for (const [type] of CASES) {
      const base = type.split(/[\s(]/)[0]!.toLowerCase();
      for (const rule of TYPE_MAPPING)
        if (rule.mysql.split(/,\s*/).some((m) => m.split(/[\s(]/)[0] === base || m.startsWith(base)))
          covered.add(rule.mysql);
    }
    expect([...TYPE_MAPPING.map((r) => r.mysql)].filter((m) => !covered.has(m))).toEqual([]);
  });
});
