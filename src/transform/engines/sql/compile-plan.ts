// Compiles a DataFrame plan into one SELECT for a SQL engine. Each relation node becomes a SELECT over
// its input as a subquery; the engine's dialect supplies types and the function table its SQL.
import { EngineError, PORTABLE_SQL_HINT } from '../../engine-error.js';
import { outputColumns } from '../../plan/columns.js';
import { FUNCTIONS } from '../../plan/functions.js';
import type { BinaryOp, Expr, FrameBound, PlanNode, RefNode, SourceNode } from '../../plan/nodes.js';
import { quoteString, type SqlDialect } from './sql-dialect.js';

/** Turns source('shop','orders') and ref('x') into the engine's qualified relation name. */
export type RelationResolver = (node: SourceNode | RefNode) => string;

const OPERATORS: Record<Exclude<BinaryOp, 'div'>, string> = {
  eq: '=',
  ne: '<>',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  and: 'AND',
  or: 'OR',
  add: '+',
  sub: '-',
  mul: '*',
  mod: '%',
  concat: '||',
  like: 'LIKE',
};

export function compilePlan(plan: PlanNode, dialect: SqlDialect, resolve: RelationResolver): string {
  let counter = 0;
  const nextAlias = () => `t${++counter}`;

  function relation(input: PlanNode): string {
    if (input.kind === 'Source' || input.kind === 'Ref')
      return `${resolve(input)} AS ${dialect.quote(nextAlias())}`;
    if (input.kind === 'Alias') {
      const inner = input.input;
      const body = inner.kind === 'Source' || inner.kind === 'Ref' ? resolve(inner) : `(${select(inner)})`;
      return `${body} AS ${dialect.quote(input.alias)}`;
    }
    return `(${select(input)}) AS ${dialect.quote(nextAlias())}`;
  }

  /**
   * The FROM clause (and WHERE conditions) of a SELECT over `input`. Joins chain in one FROM and
   * filters merge into WHERE, so aliased relations stay visible: col('o.id') works after a join.
   */
  function from(input: PlanNode): { from: string; where: string[] } {
    if (input.kind === 'Filter') {
      const inner = from(input.input);
      return { from: inner.from, where: [...inner.where, expr(input.condition)] };
    }
    if (input.kind === 'Join') {
      const left = from(input.left);
      const leftSql = left.where.length ? relation(input.left) : left.from;
      const how = {
        inner: 'JOIN',
        left: 'LEFT JOIN',
        right: 'RIGHT JOIN',
        full: 'FULL JOIN',
        cross: 'CROSS JOIN',
      }[input.how];
      const on =
        input.how === 'cross'
          ? ''
          : input.using
            ? ` USING (${input.using.map((name) => dialect.quote(name)).join(', ')})`
            : ` ON ${expr(input.condition ?? { kind: 'Literal', value: true })}`;
      const right =
        input.right.kind === 'Join'
          ? `(${select(input.right)}) AS ${dialect.quote(nextAlias())}`
          : relation(input.right);
      return { from: `${leftSql} ${how} ${right}${on}`, where: [] };
    }
    return { from: relation(input), where: [] };
  }

  function clause(input: PlanNode, extraWhere?: string): string {
    const f = from(input);
    const where = extraWhere === undefined ? f.where : [...f.where, extraWhere];
    return `${f.from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  }

  function select(plan: PlanNode): string {
    switch (plan.kind) {
      case 'Source':
      case 'Ref':
        return `SELECT * FROM ${resolve(plan)}`;
      case 'Alias':
        return `SELECT * FROM ${relation(plan)}`;
      case 'Filter':
        return `SELECT * FROM ${clause(plan.input, expr(plan.condition))}`;
      case 'Project':
        return `SELECT ${plan.columns.map(expr).join(', ')} FROM ${clause(plan.input)}`;
      case 'WithColumn': {
        // As in Spark, withColumn replaces a column of the same name when the plan knows its columns.
        const known = outputColumns(plan.input);
        const added = `${expr(plan.expr)} AS ${dialect.quote(plan.name)}`;
        if (known?.includes(plan.name)) {
          const list = known.map((c) => (c === plan.name ? added : dialect.quote(c)));
          return `SELECT ${list.join(', ')} FROM ${clause(plan.input)}`;
        }
        return `SELECT *, ${added} FROM ${clause(plan.input)}`;
      }
      case 'Aggregate': {
        const list = [...plan.keys, ...plan.aggregates].map(expr).join(', ');
        const keys = plan.keys.map((k) => expr(k.kind === 'Alias' ? k.expr : k));
        return `SELECT ${list} FROM ${clause(plan.input)}${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
      }
      case 'Join':
        return `SELECT * FROM ${clause(plan)}`;
      case 'Sort':
        return `SELECT * FROM ${clause(plan.input)} ORDER BY ${plan.orders.map(expr).join(', ')}`;
      case 'Limit':
        return `SELECT * FROM ${clause(plan.input)} LIMIT ${plan.count}`;
      case 'Distinct':
        return `SELECT DISTINCT * FROM ${clause(plan.input)}`;
    }
  }

  function expr(e: Expr): string {
    switch (e.kind) {
      case 'Column':
        return e.relation ? `${dialect.quote(e.relation)}.${dialect.quote(e.name)}` : dialect.quote(e.name);
      case 'Literal':
        return literal(e.value);
      case 'Binary':
        if (e.op === 'div') return dialect.divide(expr(e.left), expr(e.right));
        return `(${expr(e.left)} ${OPERATORS[e.op]} ${expr(e.right)})`;
      case 'Unary':
        switch (e.op) {
          case 'not':
            return `(NOT ${expr(e.operand)})`;
          case 'neg':
            return `(-${expr(e.operand)})`;
          case 'isNull':
            return `(${expr(e.operand)} IS NULL)`;
          case 'isNotNull':
            return `(${expr(e.operand)} IS NOT NULL)`;
        }
        break;
      case 'Call': {
        const def = FUNCTIONS[e.fn];
        if (!def) throw new EngineError(`unknown function ${e.fn}()`, { hint: PORTABLE_SQL_HINT });
        const template = def.sql[dialect.engine];
        if (!template)
          throw new EngineError(`function ${e.fn}() is not available on the ${dialect.engine} engine`, {
            hint: PORTABLE_SQL_HINT,
          });
        if (!def.arity.includes(e.args.length))
          throw new EngineError(
            `${e.fn}() takes ${def.arity.join(' or ')} argument(s), got ${e.args.length}`,
          );
        return template(e.args.map(expr), e.distinct);
      }
      case 'Case':
        return `CASE ${e.branches.map((b) => `WHEN ${expr(b.when)} THEN ${expr(b.then)}`).join(' ')}${
          e.otherwise ? ` ELSE ${expr(e.otherwise)}` : ''
        } END`;
      case 'Cast':
        return `CAST(${expr(e.expr)} AS ${dialect.type(e.type)})`;
      case 'Alias':
        return `${expr(e.expr)} AS ${dialect.quote(e.name)}`;
      case 'SortOrder':
        return `${expr(e.expr)} ${e.descending ? 'DESC' : 'ASC'} NULLS ${e.nullsFirst ? 'FIRST' : 'LAST'}`;
      case 'InList':
        return `(${expr(e.expr)} IN (${e.values.map(expr).join(', ')}))`;
      case 'Window': {
        const parts: string[] = [];
        if (e.spec.partitionBy.length) parts.push(`PARTITION BY ${e.spec.partitionBy.map(expr).join(', ')}`);
        if (e.spec.orderBy.length) parts.push(`ORDER BY ${e.spec.orderBy.map(expr).join(', ')}`);
        if (e.spec.frame)
          parts.push(`ROWS BETWEEN ${bound(e.spec.frame.start)} AND ${bound(e.spec.frame.end)}`);
        const call = `${expr(e.fn)} OVER (${parts.join(' ')})`;
        const cast = e.fn.kind === 'Call' ? FUNCTIONS[e.fn.fn]?.windowCast?.[dialect.engine] : undefined;
        return cast ? `CAST(${call} AS ${cast})` : call;
      }
    }
  }

  return select(plan);
}

function bound(b: FrameBound): string {
  if (b === 'unboundedPreceding') return 'UNBOUNDED PRECEDING';
  if (b === 'unboundedFollowing') return 'UNBOUNDED FOLLOWING';
  if (b === 0) return 'CURRENT ROW';
  return b < 0 ? `${-b} PRECEDING` : `${b} FOLLOWING`;
}

function literal(value: string | number | bigint | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EngineError(`cannot use ${value} as a SQL literal`);
    return String(value);
  }
  return quoteString(value);
}
