// Source indexes PostgreSQL's btree cannot hold as they are: FULLTEXT, prefix indexes on TEXT and
// BLOB, composite prefixes, keys longer than a btree entry, UNIQUE over JSON. Each becomes the index
// the mapping says (docs/type-mapping.md#indexes); one that cannot be built on the data is dropped or
// replaced with a notice naming it, and the table lands. A primary key too long for a btree still
// identifies rows for merges and verify.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swapTable } from '../../../src/connectors/postgres/swap.js';
import { inTransaction } from '../../../src/connectors/postgres/transaction.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { SyncSummary } from '../../../src/replication/run.js';
import { verify } from '../../../src/verify/verify.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig, testProject } from '../../support/sync.js';
import { incompressible, indexDefinitions } from './fixture.js';

let db: TestDatabases;
let first: SyncSummary;
const LONG_KEY = incompressible(768, 7);
const config = () =>
  testConfig(
    db,
    'streams:\n  - { table: long_pk, mode: incremental, cursor: updated_at }\n  - { table: "*" }\n',
  );

/** Over 1 MB of distinct words: more than a tsvector holds. */
const manyWords = () => Array.from({ length: 120_000 }, (_, i) => `w${i}x${(i * 7919) % 100_003}`).join(' ');

beforeAll(async () => {
  db = await createTestDatabases('indexes');
  await db.source.query(`CREATE TABLE docs (
    id INT PRIMARY KEY, body MEDIUMTEXT, big LONGTEXT, t TEXT, b BLOB, v VARCHAR(768),
    code VARCHAR(40), tag VARCHAR(40),
    FULLTEXT KEY ft_body (body), FULLTEXT KEY ft_big (big), FULLTEXT KEY ft_two (body, t),
    KEY pre_t (t(20)), KEY pre_b (b(10)), KEY comp (t(5), v(10)), UNIQUE KEY uq_comp (code(3), tag(3)),
    KEY lv (v), KEY lp (t(700)), KEY comp_long (t(700), code(20)), KEY by_code (code DESC))`);
  await db.source.query('INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)', [
    1,
    'the quick brown fox',
    'small',
    'short text',
    Buffer.from('0102', 'hex'),
    'short',
    'abc1',
    'xyz1',
    2,
    'jumps over the lazy dog',
    manyWords(),
    incompressible(5000, 3),
    randomBytes(5000),
    incompressible(768, 5),
    'abd2',
    'xyz2',
  ]);
  await db.source.query('CREATE TABLE prefs (id INT PRIMARY KEY, j JSON, UNIQUE KEY uj (j))');
  await db.source.query(`INSERT INTO prefs VALUES (1, '{"a": 1, "b": 2}'), (2, '{"b": 2, "a": 1}')`);
  await db.source.query(
    'CREATE TABLE long_pk (k VARCHAR(768) PRIMARY KEY, n INT, updated_at DATETIME NOT NULL)',
  );
  await db.source.query(
    "INSERT INTO long_pk VALUES ('a', 1, '2024-01-01 00:00:00'), (?, 1, '2024-01-01 00:00:00')",
    [LONG_KEY],
  );
  await db.source.query('CREATE TABLE long_pk2 (a VARCHAR(700), b INT, note TEXT, PRIMARY KEY (a, b))');
  const longA = incompressible(700, 11);
  await db.source.query("INSERT INTO long_pk2 VALUES (?, 1, 'x'), (?, 2, 'y'), ('s', 1, 'z')", [
    longA,
    longA,
  ]);
  first = await runSync(config());
});

afterAll(async () => {
  await db?.drop();
});

const warningsOf = (summary: SyncSummary, stream: string) =>
  summary.streams.find((s) => s.stream === stream)!.warnings.join('\n');

describe('each kind of source index', () => {
  it('lands the tables with every row', async () => {
    expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
    for (const [table, n] of [
      ['docs', 2],
      ['prefs', 2],
      ['long_pk', 2],
      ['long_pk2', 3],
    ] as const) {
      const { rows } = await db.target.query<{ n: number }>(`SELECT count(*)::int AS n FROM raw.${table}`);
      expect(rows[0]!.n, table).toBe(n);
    }
  });

  it('maps FULLTEXT to GIN over to_tsvector, and prefix indexes to left() and substring()', async () => {
    const defs = await indexDefinitions(db, 'raw', 'docs');
    expect(defs.docs_ft_body).toMatch(/USING gin \(to_tsvector\('simple'::regconfig, body\)\)/);
    expect(defs.docs_ft_two).toMatch(
      /USING gin \(to_tsvector\('simple'::regconfig, \(\(COALESCE\(body, ''::text\) \|\| ' '::text\) \|\| COALESCE\(t, ''::text\)\)\)\)/,
    );
    expect(defs.docs_pre_t).toMatch(/USING btree \("left"\(t, 20\)\)/);
    expect(defs.docs_pre_b).toMatch(/USING btree \("substring"\(b, 1, 10\)\)/);
    expect(defs.docs_comp).toMatch(/USING btree \("left"\(t, 5\), "left"\(\(v\)::text, 10\)\)/);
    expect(defs.docs_uq_comp).toMatch(
      /^CREATE UNIQUE INDEX .* USING btree \("left"\(\(code\)::text, 3\), "left"\(\(tag\)::text, 3\)\)/,
    );
    expect(defs.docs_by_code).toMatch(/USING btree \(code DESC\)/);
    const { rows } = await db.target.query<{ id: number }>(
      "SELECT id FROM raw.docs WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', 'lazy dog')",
    );
    expect(rows).toEqual([{ id: 2 }]);
  });

  it('replaces a single-column btree that a value is too long for by a hash index, with a notice', async () => {
    const defs = await indexDefinitions(db, 'raw', 'docs');
    expect(defs.docs_lv).toMatch(/USING hash \(v\)/);
    expect(warningsOf(first, 'docs')).toMatch(/index lv: .*too long.*hash index/);
  });

  it('drops the indexes that cannot be built on the data, each with a notice naming it', async () => {
    const defs = await indexDefinitions(db, 'raw', 'docs');
    expect(Object.keys(defs).sort()).toEqual(
      [
        'docs_by_code',
        'docs_comp',
        'docs_ft_body',
        'docs_ft_two',
        'docs_lv',
        'docs_pkey',
        'docs_pre_b',
        'docs_pre_t',
        'docs_uq_comp',
      ].sort(),
    );
    const warnings = warningsOf(first, 'docs');
    expect(warnings).toMatch(/index ft_big \(FULLTEXT\) not built: .*tsvector/);
    expect(warnings).toMatch(/index lp not built: .*too long/);
    expect(warnings).toMatch(/index comp_long not built: .*too long/);
  });

  it('keeps a UNIQUE index over JSON as a plain index, since jsonb treats key order as equal', async () => {
    const defs = await indexDefinitions(db, 'raw', 'prefs');
    expect(defs.prefs_uj).toMatch(/^CREATE INDEX prefs_uj ON raw\.prefs USING hash \(j\)/);
    expect(warningsOf(first, 'prefs')).toMatch(/index uj .*not unique.*JSON/);
    const { rows } = await db.target.query<{ j: string }>('SELECT j::text AS j FROM raw.prefs ORDER BY id');
    expect(rows.map((r) => r.j)).toEqual(['{"a": 1, "b": 2}', '{"a": 1, "b": 2}']);
  });
});

describe('a primary key too long for a btree', () => {
  it('becomes a hash index on the key, with a notice, and the rows keep their key', async () => {
    const defs = await indexDefinitions(db, 'raw', 'long_pk');
    expect(Object.values(defs)).toEqual([expect.stringMatching(/USING hash \(k\)/)]);
    expect(warningsOf(first, 'long_pk')).toMatch(/primary key \(k\): .*too long.*hash index/);
    const composite = await indexDefinitions(db, 'raw', 'long_pk2');
    expect(Object.values(composite)).toEqual([expect.stringMatching(/USING hash \(a\)/)]);
  });

  it('still merges incremental changes by the key: an update replaces its row, an insert adds one', async () => {
    await db.source.query("UPDATE long_pk SET n = 2, updated_at = '2024-02-01 00:00:00' WHERE k = ?", [
      LONG_KEY,
    ]);
    await db.source.query("INSERT INTO long_pk VALUES ('b', 3, '2024-02-01 00:00:00')");
    const second = await runSync(config(), { streams: ['long_pk'] });
    expect(second.streams[0], JSON.stringify(second.streams)).toMatchObject({
      status: 'succeeded',
      mode: 'incremental',
      rowsRead: 3, // the row at the old mark is read again (inclusive bound)
    });
    const { rows } = await db.target.query<{ k: string; n: number }>(
      'SELECT k, n FROM raw.long_pk ORDER BY n',
    );
    expect(rows).toEqual([
      { k: 'a', n: 1 },
      { k: LONG_KEY, n: 2 },
      { k: 'b', n: 3 },
    ]);
  });

  it('verifies in sync by the key, like every other table of this file', async () => {
    const report = await verify({
      ...testProject(config()),
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    expect(report.streams.map((s) => [s.stream, s.status, s.sourceRows])).toEqual([
      ['docs', 'in_sync', 2],
      ['long_pk', 'in_sync', 3],
      ['long_pk2', 'in_sync', 3],
      ['prefs', 'in_sync', 2],
    ]);
  });
});

describe('the swap, for any caller', () => {
  it('builds a unique index that duplicates under PostgreSQL equality defeat as a plain one, with a notice', async () => {
    await db.target.query('CREATE TABLE raw.stage_dups (id int, j jsonb)');
    await db.target.query(`INSERT INTO raw.stage_dups VALUES (1, '{"a":1,"b":2}'), (2, '{"b":2,"a":1}')`);
    const result = await inTransaction(db.target, () =>
      swapTable(db.target, {
        schema: 'raw',
        table: 'dups',
        staging: 'stage_dups',
        primaryKey: ['id'],
        indexes: [{ name: 'uj', unique: true, columns: ['j'] }],
        keepChangedColumns: false,
        replaceView: false,
        refuse: (why) => new Error(why),
      }),
    );
    expect(result.notices.join('\n')).toMatch(
      /index uj: .*finds rows equal.*built as a plain index, not unique/,
    );
    const defs = await indexDefinitions(db, 'raw', 'dups');
    expect(defs).toEqual({
      dups_pkey: expect.stringMatching(/UNIQUE INDEX dups_pkey/),
      dups_uj: expect.stringMatching(/^CREATE INDEX dups_uj ON raw\.dups USING btree \(j\)/),
    });
  });
});
