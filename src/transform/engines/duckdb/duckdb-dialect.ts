// DuckDB's spelling of the portable types and operators.
import { type SqlDialect } from '../sql/sql-dialect.js';
import { quotePg } from '../../../schema/identifiers.js';

const TYPES: Record<string, string> = {
  boolean: 'BOOLEAN',
  smallint: 'SMALLINT',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  text: 'VARCHAR',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
};

export const duckdbDialect: SqlDialect = {
  engine: 'duckdb',
  quote: quotePg,
  type: (t) => TYPES[t] ?? t.replace(/^decimal/, 'DECIMAL'),
  divide: (a, b) => `(CAST(${a} AS DOUBLE) / ${b})`,
};
