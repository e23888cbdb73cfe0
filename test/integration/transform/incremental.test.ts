// Incremental models merge only the rows past the last run's high-water mark, on both engines, and
// table models are swapped in while views that read them keep working.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { runTransform } from '../../../src/transform/run.js';
import type { TestDatabases } from '../../support/databases.js';
import { runSync, testProject } from '../../support/sync.js';
import { canonicalRows, seededShop, transform, transformConfig } from './shop-project.js';

let db: TestDatabases;

beforeAll(async () => {
  db = await seededShop('tfincr');
}, 300_000);

afterAll(async () => {
  await db?.drop();
});

describe('incremental models', () => {
  it('merge the changed orders only, by unique key, with the same result on both engines', async () => {
    const pgConfig = transformConfig(db, 'inc_pg');
    const duckConfig = transformConfig(db, 'inc_duck');
    const first = await transform(pgConfig, { engine: 'postgres', select: '+fct_orders' });
    await transform(duckConfig, { engine: 'duckdb', select: 'fct_orders' });
    const before = first.models.find((m) => m.model === 'fct_orders')!;
    expect(before.merged).toBeNull(); // the first run builds the table in full

    await db.source.query(
      "UPDATE orders SET status = 'refunded', updated_at = '2031-01-01 00:00:00' WHERE id IN (1, 2, 3)",
    );
    expect((await runSync(pgConfig)).status).toBe('succeeded');

    const second = await transform(pgConfig, { engine: 'postgres', select: 'fct_orders' });
    const third = await transform(duckConfig, { engine: 'duckdb', select: 'fct_orders' });
    for (const run of [second, third]) {
      const fct = run.models.find((m) => m.model === 'fct_orders')!;
      expect(fct.status).toBe('built');
      expect(fct.merged).toBe(3);
      expect(fct.rows).toBe(before.rows);
    }
    const { rows } = await db.target.query(
      'SELECT order_id::text AS id, status FROM inc_pg.fct_orders WHERE order_id IN (1, 2, 3) ORDER BY 1',
    );
    expect(rows).toEqual([
      { id: '1', status: 'refunded' },
      { id: '2', status: 'refunded' },
      { id: '3', status: 'refunded' },
    ]);
    expect(await canonicalRows(db, 'inc_duck', 'fct_orders')).toEqual(
      await canonicalRows(db, 'inc_pg', 'fct_orders'),
    );
  });

  it('merge nothing when no row passed the high-water mark, and rebuild in full on request', async () => {
    const config = transformConfig(db, 'inc_pg');
    const again = await transform(config, { engine: 'postgres', select: 'fct_orders' });
    expect(again.models[0]!.merged).toBe(0);
    const full = await transform(config, { engine: 'postgres', select: 'fct_orders', fullRefresh: true });
    expect(full.models[0]!.merged).toBeNull();
    expect(full.models[0]!.rows).toBe(again.models[0]!.rows);
  });
});

describe('table models', () => {
  it('are rebuilt aside and swapped in, and a view model reading one keeps working', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ferry-models-'));
    mkdirSync(join(folder, 'marts'));
    writeFileSync(
      join(folder, 'marts', 'paid_orders.sql'),
      "{{ config(materialized='table') }}\nselect id, total from {{ source('shop', 'orders') }} where status = 'paid'",
    );
    writeFileSync(
      join(folder, 'marts', 'paid_total.sql'),
      "{{ config(materialized='view') }}\nselect sum(total) as total, count(*) as n from {{ ref('paid_orders') }}",
    );
    const config = transformConfig(db, 'swap', folder);
    expect((await transform(config)).status).toBe('succeeded');
    const before = await db.target.query('SELECT n::int AS n FROM swap.paid_total');
    await db.source.query(
      "UPDATE orders SET status = 'paid', updated_at = '2032-01-01' WHERE id = 4 AND status <> 'paid'",
    );
    await runSync(config);
    const second = await transform(config, { select: 'paid_orders' });
    expect(second.status).toBe('succeeded');
    const after = await db.target.query('SELECT n::int AS n FROM swap.paid_total');
    const { rows } = await db.target.query(
      "SELECT count(*)::int AS n FROM raw_shop.orders WHERE status = 'paid'",
    );
    expect(after.rows[0].n).toBe(rows[0].n);
    expect(after.rows[0].n).toBeGreaterThanOrEqual(before.rows[0].n);
    const leftovers = await db.target.query(
      "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'swap' AND relname LIKE '\\_ferry%'",
    );
    expect(leftovers.rows).toEqual([]);
  });
});

describe('the duckdb load into PostgreSQL', () => {
  it('keeps text with tabs, line breaks, backslashes and \\N, NULLs, and timestamps exactly', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ferry-models-'));
    writeFileSync(
      join(folder, 'odd_values.sql'),
      `select 1 as id,
        'back\\slash' || chr(9) || 'tab' || chr(10) || 'line' || chr(13) || 'cr' as s,
        '\\N' as looks_null,
        cast(null as varchar) as really_null,
        cast('2024-02-29 23:59:59.123456' as timestamp) as ts,
        cast(12345678901234.56 as decimal(16,2)) as amount,
        max(o.total) as biggest
      from {{ source('shop', 'orders') }} as o`,
    );
    writeFileSync(
      join(folder, 'product_json.sql'),
      "select id, attributes from {{ source('shop', 'products') }} where attributes is not null",
    );
    for (const engine of ['postgres', 'duckdb'] as const)
      expect((await transform(transformConfig(db, `odd_${engine}`, folder), { engine })).status).toBe(
        'succeeded',
      );
    const { rows } = await db.target.query(
      'SELECT s, looks_null, really_null, ts::text AS ts, amount::text AS amount FROM odd_duckdb.odd_values',
    );
    expect(rows).toEqual([
      {
        s: 'back\\slash\ttab\nline\rcr',
        looks_null: '\\N',
        really_null: null,
        ts: '2024-02-29 23:59:59.123456',
        amount: '12345678901234.56',
      },
    ]);
    expect(await canonicalRows(db, 'odd_duckdb', 'odd_values')).toEqual(
      await canonicalRows(db, 'odd_postgres', 'odd_values'),
    );
    // JSON goes through DuckDB's JSON type and back into jsonb.
    const json = await db.target.query(
      "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'odd_duckdb.product_json'::regclass AND attname = 'attributes'",
    );
    expect(json.rows).toEqual([{ t: 'jsonb' }]);
    const pgJson = await canonicalRows(db, 'odd_postgres', 'product_json');
    expect(pgJson.length).toBeGreaterThan(0);
    expect(await canonicalRows(db, 'odd_duckdb', 'product_json')).toEqual(pgJson);
  });
});

describe('model and test files', () => {
  it('may end with a line comment', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ferry-models-'));
    mkdirSync(join(folder, 'tests'));
    writeFileSync(
      join(folder, 'recent.sql'),
      "{{ config(materialized='incremental', unique_key='id', cursor='updated_at') }}\nselect id, updated_at from {{ source('shop', 'orders') }} -- all of them\n",
    );
    writeFileSync(
      join(folder, 'tests', 'none_null.sql'),
      "select * from {{ ref('recent') }} where id is null -- none\n",
    );
    for (const engine of ['postgres', 'duckdb'] as const) {
      const config = transformConfig(db, `comment_${engine}`, folder);
      for (let run = 0; run < 2; run++) {
        const summary = await transform(config, { engine });
        expect(summary.models.map((m) => m.status)).toEqual(['built']);
        expect(summary.tests).toEqual([{ model: 'recent', test: 'none_null', status: 'pass', failures: 0 }]);
      }
    }
  });
});

describe('a cancelled transform', () => {
  it('stops, leaves nothing half-built, and releases its lock for the next run', async () => {
    for (const engine of ['postgres', 'duckdb'] as const) {
      const config = transformConfig(db, `cancel_${engine}`);
      const controller = new AbortController();
      controller.abort(new Error('interrupted by SIGINT'));
      await expect(
        runTransform({ ...testProject(config), engine, logger: silentLogger(), signal: controller.signal }),
      ).rejects.toThrow(/interrupted by SIGINT/);
      const { rows } = await db.target.query(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND relname LIKE '\\_ferry%'",
        [`cancel_${engine}`],
      );
      expect(rows).toEqual([]);
      expect((await transform(config, { engine, select: 'stg_orders' })).status).toBe('succeeded');
    }
  });
});
