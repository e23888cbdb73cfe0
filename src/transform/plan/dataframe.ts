// DataFrame: an immutable query builder in the spirit of PySpark. Each method returns a new DataFrame
// over a new frozen plan node; compilers (engines/*) turn the plan into SQL.
import { Column, col, nameOrColumn, sortOrder, toExpr } from './column.js';
import { node, type Expr, type JoinType, type PlanNode } from './nodes.js';

export class DataFrame {
  constructor(readonly plan: PlanNode) {
    Object.freeze(this);
  }

  filter(condition: Column): DataFrame {
    return new DataFrame(node({ kind: 'Filter', input: this.plan, condition: condition.expr }));
  }
  where(condition: Column): DataFrame {
    return this.filter(condition);
  }
  select(...columns: (string | Column)[]): DataFrame {
    return new DataFrame(node({ kind: 'Project', input: this.plan, columns: columns.map(nameOrColumn) }));
  }
  /**
   * Adds a column, or replaces the one of that name when the frame's columns are known (after
   * select or groupBy); over a table, select the others to replace one.
   */
  withColumn(name: string, value: Column): DataFrame {
    return new DataFrame(node({ kind: 'WithColumn', input: this.plan, name, expr: value.expr }));
  }
  groupBy(...keys: (string | Column)[]): GroupedData {
    return new GroupedData(this.plan, keys.map(nameOrColumn));
  }
  /** Aggregates over the whole frame (no grouping keys). */
  agg(...aggregates: Column[]): DataFrame {
    return new GroupedData(this.plan, []).agg(...aggregates);
  }
  /**
   * join(other, 'customer_id') or join(other, ['a', 'b']) joins on equal columns, kept once (USING);
   * join(other, col('o.id').eq(col('c.order_id'))) joins on a condition (alias() the inputs).
   */
  join(other: DataFrame, on: string | readonly string[] | Column, how: JoinType = 'inner'): DataFrame {
    const using = typeof on === 'string' ? [on] : Array.isArray(on) ? [...(on as string[])] : null;
    return new DataFrame(
      node({
        kind: 'Join',
        left: this.plan,
        right: other.plan,
        how,
        using,
        condition: on instanceof Column ? on.expr : null,
      }),
    );
  }
  crossJoin(other: DataFrame): DataFrame {
    return new DataFrame(
      node({ kind: 'Join', left: this.plan, right: other.plan, how: 'cross', using: null, condition: null }),
    );
  }
  orderBy(...columns: (string | Column)[]): DataFrame {
    return new DataFrame(
      node({ kind: 'Sort', input: this.plan, orders: columns.map((c) => sortOrder(nameOrColumn(c), false)) }),
    );
  }
  sort(...columns: (string | Column)[]): DataFrame {
    return this.orderBy(...columns);
  }
  limit(count: number): DataFrame {
    if (!Number.isInteger(count) || count < 0)
      throw new TypeError(`limit() needs a whole number, got ${count}`);
    return new DataFrame(node({ kind: 'Limit', input: this.plan, count }));
  }
  distinct(): DataFrame {
    return new DataFrame(node({ kind: 'Distinct', input: this.plan }));
  }
  /** Names this frame so join conditions and columns can say col('alias.column'). */
  alias(name: string): DataFrame {
    return new DataFrame(node({ kind: 'Alias', input: this.plan, alias: name }));
  }
  as(name: string): DataFrame {
    return this.alias(name);
  }
}

export class GroupedData {
  constructor(
    private readonly input: PlanNode,
    private readonly keys: readonly Expr[],
  ) {
    Object.freeze(this);
  }
  agg(...aggregates: Column[]): DataFrame {
    return new DataFrame(
      node({
        kind: 'Aggregate',
        input: this.input,
        keys: this.keys,
        aggregates: aggregates.map((a) => a.expr),
      }),
    );
  }
  count(): DataFrame {
    return this.agg(new Column(node({ kind: 'Call', fn: 'count', args: [], distinct: false })).as('count'));
  }
}

/** A replicated table, by source name (transform.sources in ferry.yaml) and table. */
export function source(sourceName: string, table: string): DataFrame {
  return new DataFrame(node({ kind: 'Source', source: sourceName, table }));
}

/** Another model's result. */
export function ref(model: string): DataFrame {
  return new DataFrame(node({ kind: 'Ref', model }));
}

export { col, toExpr };
