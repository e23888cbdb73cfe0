// Spark SQL's spelling of the portable types and operators: backtick-quoted identifiers, STRING for
// text, TIMESTAMP for an instant (timestamptz) and TIMESTAMP_NTZ for a wall-clock time.
import type { SqlDialect } from '../sql/sql-dialect.js';
import { quoteMysql } from '../../../schema/identifiers.js';

const TYPES: Record<string, string> = {
  boolean: 'BOOLEAN',
  smallint: 'SMALLINT',
  integer: 'INT',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  text: 'STRING',
  date: 'DATE',
  timestamp: 'TIMESTAMP_NTZ',
  timestamptz: 'TIMESTAMP',
};

export const sparkDialect: SqlDialect = {
  engine: 'spark',
  quote: (name) => quoteMysql(name),
  type: (t) => TYPES[t] ?? t.replace(/^decimal/, 'DECIMAL'),
  // Spark's `/` already divides as a double for integers; the cast keeps decimals from turning into
  // decimals of Spark's own precision, so the result is the same double on every engine.
  divide: (a, b) => `(CAST(${a} AS DOUBLE) / ${b})`,
};

/** A Spark SQL string literal: backslashes and quotes escaped with a backslash, as Spark reads them. */
export function sparkString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
