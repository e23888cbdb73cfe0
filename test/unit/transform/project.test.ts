// The models folder: the example project loads and compiles for both engines; mistakes in a folder
// are reported with the file and what to write.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelSql, relationResolver } from '../../../src/transform/engines/transform-engine.js';
import { loadProject } from '../../../src/transform/models/discover.js';
import { buildGraph } from '../../../src/transform/models/graph.js';

const EXAMPLE = fileURLToPath(new URL('../../../models', import.meta.url));
const resolve = relationResolver({ shop: 'raw_shop' }, 'analytics');

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-project-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the example project', () => {
  it('has the issue’s models, some in SQL and some in the DataFrame API, with their tests', async () => {
    const project = await loadProject(EXAMPLE);
    const names = [...project.models.keys()].sort();
    for (const wanted of [
      'dim_customers',
      'dim_products',
      'fct_orders',
      'fct_order_items',
      'daily_revenue',
      'product_performance',
      'cohort_retention',
    ])
      expect(names).toContain(wanted);
    const kinds = [...project.models.values()].map((m) => m.kind);
    expect(kinds).toContain('sql');
    expect(kinds).toContain('dataframe');
    expect(project.models.get('fct_orders')!.config).toEqual({
      materialized: 'incremental',
      unique_key: ['order_id'],
      cursor: 'updated_at',
      engines: null,
    });
    expect(
      project.models
        .get('dim_customers')!
        .tests.map((t) => t.kind)
        .sort(),
    ).toEqual(['accepted_values', 'not_null', 'not_null', 'unique']);
    expect(project.sqlTests.map((t) => t.name).sort()).toEqual([
      'retention_at_most_100',
      'revenue_matches_orders',
    ]);
  });

  it('compiles every model for postgres and for duckdb', async () => {
    const project = await loadProject(EXAMPLE);
    const graph = buildGraph(project, ['shop']);
    for (const name of graph.order) {
      const model = graph.models.get(name)!;
      for (const engine of ['postgres', 'duckdb'] as const) {
        const sql = modelSql(model, engine, resolve);
        expect(sql).toMatch(/^(--[^\n]*\n)*\s*(select|with|SELECT)/i);
        expect(sql).not.toMatch(/ref\(|source\(|\{\{/);
      }
    }
  });
});

describe('a models folder with mistakes', () => {
  it('refuses two models with the same name', async () => {
    const dir = folder({ 'a/x.sql': 'select 1', 'b/x.sql': 'select 2' });
    await expect(loadProject(dir)).rejects.toThrow(/two models are named x: a\/x.sql and b\/x.sql/);
  });

  it('refuses an incremental model without unique_key or cursor, naming the file', async () => {
    const dir = folder({
      'm.sql': "{{ config(materialized='incremental', cursor='updated_at') }}\nselect 1",
    });
    await expect(loadProject(dir)).rejects.toThrow(/m.sql: an incremental model needs unique_key and cursor/);
  });

  it('lists the valid values of a wrong materialization', async () => {
    const dir = folder({ 'm.sql': "{{ config(materialized='ephemeral') }}\nselect 1" });
    try {
      await loadProject(dir);
      expect.unreachable();
    } catch (error) {
      expect((error as { problems: string[] }).problems.join('\n')).toMatch(
        /m.sql materialized: .*"view".*"table".*"incremental"/,
      );
    }
  });

  it('refuses a schema.yml entry for a model that does not exist', async () => {
    const dir = folder({ 'a.sql': 'select 1', 'schema.yml': 'models:\n  - name: b\n' });
    await expect(loadProject(dir)).rejects.toThrow(/describes model b, which has no .sql or .ts file/);
  });

  it('refuses a DataFrame model that does not return a DataFrame', async () => {
    const dir = folder({ 'm.ts': 'export default () => 42;\n' });
    await expect(loadProject(dir)).rejects.toThrow(/m.ts: the default export must return a DataFrame/);
  });

  it('reads a DataFrame model’s inputs from its plan', async () => {
    const dir = folder({
      'm.ts':
        "export default ({ source, ref, col }) => source('shop', 'orders').join(ref('x'), 'id').filter(col('a').gt(1));\n",
      'x.sql': 'select 1 as id',
    });
    const project = await loadProject(dir);
    expect(project.models.get('m')).toMatchObject({
      refs: ['x'],
      sources: [{ source: 'shop', table: 'orders' }],
    });
  });

  it('says where the models folder should be when it is missing', async () => {
    await expect(loadProject('/no/such/folder')).rejects.toThrow(
      /models folder \/no\/such\/folder not found/,
    );
  });
});
