// A cdc stream's overrides travel with its column mappings into the change apply: inserts, updates
// and deletes read from the binlog land in the overridden types, under the renamed columns, without
// the excluded one, as the snapshot landed them; and where: or target_schema: are refused on cdc.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProject } from '../../../src/config/project.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';
import { OVERRIDE_CASES, overriddenSql, overriddenStream } from '../../support/type-cases.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('cdc_overrides');
  for (const sql of overriddenSql()) await db.source.query(sql);
});

afterAll(async () => {
  await db?.drop();
});

const config = () => testConfig(db, `streams:\n${overriddenStream('overridden', 'mode: cdc')}\n`);

async function values(id: number): Promise<(string | null)[]> {
  const list = OVERRIDE_CASES.map((_, i) => `r${i}::text AS r${i}`).join(', ');
  const { rows } = await db.target.query(`SELECT ${list} FROM raw.overridden WHERE id = $1`, [id]);
  return rows[0] ? OVERRIDE_CASES.map((_, i) => rows[0][`r${i}`] as string | null) : [];
}

describe('a cdc stream with overrides', () => {
  it('applies inserts, updates and deletes in the overridden types and names', async () => {
    expect((await runSync(config())).status).toBe('succeeded');
    expect(await values(2)).toEqual(OVERRIDE_CASES.map(([, , , pg]) => pg[1]));
    // Row 4 takes row 2's values through the binlog; row 1 takes row 3's (NULLs); row 3 goes.
    const names = OVERRIDE_CASES.map((_, i) => `o${i}`).join(', ');
    await db.source.query(
      `INSERT INTO overridden (id, ${names}, secret) SELECT 4, ${names}, 'x' FROM overridden WHERE id = 2`,
    );
    await db.source.query(
      `UPDATE overridden o JOIN overridden t ON t.id = 3 SET ${OVERRIDE_CASES.map((_, i) => `o.o${i} = t.o${i}`).join(', ')} WHERE o.id = 1`,
    );
    await db.source.query('DELETE FROM overridden WHERE id = 3');
    const caught = await runSync(config());
    expect(caught.streams[0]).toMatchObject({ stream: 'overridden', status: 'succeeded', rowsRead: 3 });
    expect(await values(4)).toEqual(OVERRIDE_CASES.map(([, , , pg]) => pg[1]));
    expect(await values(1)).toEqual(OVERRIDE_CASES.map(() => null));
    expect(await values(3)).toEqual([]);
    const report = await verify({
      ...testProject(config()),
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.streams[0]).toMatchObject({ status: 'in_sync', missing: 0, different: 0 });
  });

  it('refuses where: and a target schema of its own', () => {
    const cfg = testConfig(
      db,
      "streams:\n  - { table: a, mode: cdc, where: 'x > 1' }\n  - { table: b, mode: cdc, target_schema: other }\n",
    );
    expect(() => compileProject(cfg)).toThrow(/cdc streams cannot take where: or target_schema:/);
  });
});
