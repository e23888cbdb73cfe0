// ferry's portable functions: the names a DataFrame may call, and for each engine the SQL it becomes.
// One table, one row per function; an engine without a row entry lacks the function (a clear error).
import { Column, nameOrColumn, toExpr, type ColumnLike } from './column.js';
import { node, type Expr } from './nodes.js';

export type EngineName = 'postgres' | 'duckdb' | 'spark';

/** Every engine, in the order the docs list them. */
export const ENGINE_NAMES: readonly EngineName[] = ['postgres', 'duckdb', 'spark'];

/** Renders a call from its compiled arguments (and whether DISTINCT was asked). */
export type CallTemplate = (args: readonly string[], distinct: boolean) => string;

export interface FunctionDef {
  kind: 'scalar' | 'aggregate' | 'window';
  /** Allowed argument counts. */
  arity: readonly number[];
  sql: Partial<Record<EngineName, CallTemplate>>;
  /** Window functions: the type an engine's result is cast to, where its own type differs. */
  windowCast?: Partial<Record<EngineName, string>>;
}

// Spark's ranking functions return int; PostgreSQL's and DuckDB's row_number()/rank() return bigint.
const BIGINT_ON_SPARK = { spark: 'BIGINT' };

const plain =
  (name: string): CallTemplate =>
  (args, distinct) =>
    `${name}(${distinct ? 'DISTINCT ' : ''}${args.join(', ')})`;
const all = (t: CallTemplate) => ({ postgres: t, duckdb: t, spark: t });

/** A date-part literal passed as the first argument is compiled as a string literal, e.g. 'month'. */
export const FUNCTIONS: Record<string, FunctionDef> = {
  sum: { kind: 'aggregate', arity: [1], sql: all(plain('sum')) },
  count: {
    kind: 'aggregate',
    arity: [0, 1],
    sql: all((a, d) => (a.length ? plain('count')(a, d) : 'count(*)')),
  },
  avg: { kind: 'aggregate', arity: [1], sql: all(plain('avg')) },
  min: { kind: 'aggregate', arity: [1], sql: all(plain('min')) },
  max: { kind: 'aggregate', arity: [1], sql: all(plain('max')) },
  coalesce: { kind: 'scalar', arity: [2, 3, 4, 5], sql: all(plain('coalesce')) },
  nullif: { kind: 'scalar', arity: [2], sql: all(plain('nullif')) },
  greatest: { kind: 'scalar', arity: [2, 3, 4], sql: all(plain('greatest')) },
  least: { kind: 'scalar', arity: [2, 3, 4], sql: all(plain('least')) },
  abs: { kind: 'scalar', arity: [1], sql: all(plain('abs')) },
  lower: { kind: 'scalar', arity: [1], sql: all(plain('lower')) },
  upper: { kind: 'scalar', arity: [1], sql: all(plain('upper')) },
  trim: { kind: 'scalar', arity: [1], sql: all(plain('trim')) },
  length: { kind: 'scalar', arity: [1], sql: all(plain('length')) },
  // Rounding is exact decimal rounding (half away from zero) on every engine: DuckDB's round() on a
  // double would round the binary value instead.
  round: {
    kind: 'scalar',
    arity: [2],
    sql: {
      postgres: ([x, n]) => `round(CAST(${x} AS numeric), ${n})`,
      duckdb: ([x, n]) => `round(CAST(${x} AS DECIMAL(38,10)), ${n})`,
      spark: ([x, n]) => `round(CAST(${x} AS DECIMAL(38,10)), ${n})`,
    },
  },
  /** truncDate('month', x): the first day of x's month, as a date. */
  truncDate: { kind: 'scalar', arity: [2], sql: all(([u, x]) => `CAST(date_trunc(${u}, ${x}) AS date)`) },
  toDate: { kind: 'scalar', arity: [1], sql: all(([x]) => `CAST(${x} AS date)`) },
  year: { kind: 'scalar', arity: [1], sql: all(([x]) => `CAST(extract(year FROM ${x}) AS integer)`) },
  month: { kind: 'scalar', arity: [1], sql: all(([x]) => `CAST(extract(month FROM ${x}) AS integer)`) },
  /** Days from a to b (dates or timestamps, by calendar date). */
  dateDiffDays: {
    kind: 'scalar',
    arity: [2],
    sql: {
      postgres: ([a, b]) => `(CAST(${b} AS date) - CAST(${a} AS date))`,
      duckdb: ([a, b]) => `CAST(date_diff('day', CAST(${a} AS DATE), CAST(${b} AS DATE)) AS INTEGER)`,
      spark: ([a, b]) => `datediff(CAST(${b} AS DATE), CAST(${a} AS DATE))`,
    },
  },
  /** Calendar months from a to b (January 31 to February 1 is one month). */
  monthsBetween: {
    kind: 'scalar',
    arity: [2],
    sql: all(
      ([a, b]) =>
        `CAST((extract(year FROM ${b}) - extract(year FROM ${a})) * 12 + extract(month FROM ${b}) - extract(month FROM ${a}) AS integer)`,
    ),
  },
  rowNumber: { kind: 'window', arity: [0], sql: all(() => 'row_number()'), windowCast: BIGINT_ON_SPARK },
  rank: { kind: 'window', arity: [0], sql: all(() => 'rank()'), windowCast: BIGINT_ON_SPARK },
  denseRank: { kind: 'window', arity: [0], sql: all(() => 'dense_rank()'), windowCast: BIGINT_ON_SPARK },
  ntile: { kind: 'window', arity: [1], sql: all(plain('ntile')) },
  lag: { kind: 'window', arity: [1, 2, 3], sql: all(plain('lag')) },
  lead: { kind: 'window', arity: [1, 2, 3], sql: all(plain('lead')) },
  firstValue: { kind: 'window', arity: [1], sql: all(plain('first_value')) },
  lastValue: { kind: 'window', arity: [1], sql: all(plain('last_value')) },
};

function call(fn: string, args: readonly Expr[], distinct = false): Column {
  return new Column(node({ kind: 'Call', fn, args, distinct }));
}
const arg = (value: string | Column) => nameOrColumn(value);

export const sum = (c: string | Column) => call('sum', [arg(c)]);
export const avg = (c: string | Column) => call('avg', [arg(c)]);
export const min = (c: string | Column) => call('min', [arg(c)]);
export const max = (c: string | Column) => call('max', [arg(c)]);
/** count() is COUNT(*); count('x') counts non-NULL x. */
export const count = (c?: string | Column) => call('count', c === undefined ? [] : [arg(c)]);
export const countDistinct = (c: string | Column) => call('count', [arg(c)], true);
export const coalesce = (...values: ColumnLike[]) => call('coalesce', values.map(toExpr));
export const nullif = (a: ColumnLike, b: ColumnLike) => call('nullif', [toExpr(a), toExpr(b)]);
export const greatest = (...values: ColumnLike[]) => call('greatest', values.map(toExpr));
export const least = (...values: ColumnLike[]) => call('least', values.map(toExpr));
export const abs = (c: string | Column) => call('abs', [arg(c)]);
export const lower = (c: string | Column) => call('lower', [arg(c)]);
export const upper = (c: string | Column) => call('upper', [arg(c)]);
export const trim = (c: string | Column) => call('trim', [arg(c)]);
export const length = (c: string | Column) => call('length', [arg(c)]);
export const round = (c: string | Column, digits = 0) => call('round', [arg(c), toExpr(digits)]);
export const truncDate = (unit: 'year' | 'quarter' | 'month' | 'week' | 'day', c: string | Column) =>
  call('truncDate', [toExpr(unit), arg(c)]);
export const toDate = (c: string | Column) => call('toDate', [arg(c)]);
export const year = (c: string | Column) => call('year', [arg(c)]);
export const month = (c: string | Column) => call('month', [arg(c)]);
export const dateDiffDays = (from: string | Column, to: string | Column) =>
  call('dateDiffDays', [arg(from), arg(to)]);
export const monthsBetween = (from: string | Column, to: string | Column) =>
  call('monthsBetween', [arg(from), arg(to)]);
export const rowNumber = () => call('rowNumber', []);
export const rank = () => call('rank', []);
export const denseRank = () => call('denseRank', []);
export const ntile = (buckets: number) => call('ntile', [toExpr(buckets)]);
export const lag = (c: string | Column, offset = 1) => call('lag', [arg(c), toExpr(offset)]);
export const lead = (c: string | Column, offset = 1) => call('lead', [arg(c), toExpr(offset)]);
export const firstValue = (c: string | Column) => call('firstValue', [arg(c)]);
export const lastValue = (c: string | Column) => call('lastValue', [arg(c)]);
