// The models' graph: references checked, cycles named, order and --select as dbt users expect.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { buildGraph, selectModels } from '../../../src/transform/models/graph.js';
import type { Model, Project } from '../../../src/transform/models/model.js';
import { parseSqlModel } from '../../../src/transform/models/sql-template.js';

function project(sqls: Record<string, string>): Project {
  const models = new Map<string, Model>();
  for (const [name, sql] of Object.entries(sqls)) {
    const parsed = parseSqlModel(sql, `${name}.sql`);
    models.set(name, {
      name,
      path: `${name}.sql`,
      kind: 'sql',
      sql: parsed.body,
      plan: null,
      refs: parsed.refs,
      sources: parsed.sources,
      config: { materialized: 'table', unique_key: [], cursor: null, engines: null },
      tests: [],
      description: '',
    });
  }
  return { folder: '/models', models, sqlTests: [] };
}

const shop = project({
  stg_orders: "select * from {{ source('shop', 'orders') }}",
  stg_customers: "select * from source('shop', 'customers')",
  fct_orders: "select * from {{ ref('stg_orders') }} join {{ ref('stg_customers') }} using (customer_id)",
  daily: "select * from {{ ref('fct_orders') }}",
  other: 'select 1 as x',
});

describe('the model graph', () => {
  it('orders parents before children', () => {
    const { order } = buildGraph(shop, ['shop']);
    expect(order.indexOf('stg_orders')).toBeLessThan(order.indexOf('fct_orders'));
    expect(order.indexOf('fct_orders')).toBeLessThan(order.indexOf('daily'));
    expect(order).toHaveLength(5);
  });

  it('selects a model and its descendants with name+, its ancestors with +name', () => {
    const graph = buildGraph(shop, ['shop']);
    expect(selectModels(graph, 'fct_orders+')).toEqual(['fct_orders', 'daily']);
    expect(selectModels(graph, '+fct_orders').sort()).toEqual(['fct_orders', 'stg_customers', 'stg_orders']);
    expect(selectModels(graph, 'stg_orders+,other').sort()).toEqual([
      'daily',
      'fct_orders',
      'other',
      'stg_orders',
    ]);
    expect(selectModels(graph, undefined)).toHaveLength(5);
  });

  it('names an unknown model in --select and suggests the closest', () => {
    const graph = buildGraph(shop, ['shop']);
    expect(() => selectModels(graph, 'fct_order+')).toThrow(
      /there is no model fct_order \(did you mean fct_orders\?\)/,
    );
  });

  it('reports every unknown ref and source with the file and a suggestion', () => {
    const broken = project({
      a: "select * from {{ ref('stg_ordrs') }}",
      stg_orders: "select * from {{ source('crm', 'orders') }}",
    });
    try {
      buildGraph(broken, ['shop']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const e = error as ConfigError;
      expect(e.problems).toContain("a.sql: ref('stg_ordrs') names no model (did you mean 'stg_orders'?)");
      expect(e.problems).toContain(
        "stg_orders.sql: source('crm', 'orders') names an unknown source (known: shop)",
      );
      expect(e.hint).toMatch(/transform.sources/);
    }
  });

  it('names the models of a cycle in order', () => {
    const cyclic = project({
      a: "select * from {{ ref('c') }}",
      b: "select * from {{ ref('a') }}",
      c: "select * from {{ ref('b') }}",
      d: "select * from {{ ref('a') }}",
    });
    expect(() => buildGraph(cyclic, [])).toThrow(
      /the models form a cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/,
    );
  });
});

describe('SQL model templates', () => {
  it('reads a dbt-style config header after leading comments', () => {
    const parsed = parseSqlModel(
      "-- orders\n{{ config(materialized='incremental', unique_key=['order_id', 'line'], cursor=\"updated_at\") }}\nselect 1",
      'm.sql',
    );
    expect(parsed.config).toEqual({
      materialized: 'incremental',
      unique_key: ['order_id', 'line'],
      cursor: 'updated_at',
    });
    expect(parsed.body).toBe('-- orders\n\nselect 1');
  });

  it('rejects other Jinja with a hint', () => {
    expect(() =>
      parseSqlModel('select * from t {% if is_incremental() %} where x {% endif %}', 'm.sql'),
    ).toThrow(
      /only \{\{ ref\(\) \}\}, \{\{ source\(\) \}\} and a leading \{\{ config\(\) \}\} are supported/,
    );
  });

  it('rejects a source() without a table', () => {
    expect(() => parseSqlModel("select * from {{ source('orders') }}", 'm.sql')).toThrow(
      /source\(\) takes a source name and a table/,
    );
  });
});
