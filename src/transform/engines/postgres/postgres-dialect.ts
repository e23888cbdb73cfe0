// PostgreSQL's spelling of the portable types and operators.
import { type SqlDialect } from '../sql/sql-dialect.js';
import { quotePg } from '../../../schema/identifiers.js';

const TYPES: Record<string, string> = {
  boolean: 'boolean',
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  double: 'double precision',
  text: 'text',
  date: 'date',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
};

export const postgresDialect: SqlDialect = {
  engine: 'postgres',
  quote: quotePg,
  type: (t) => TYPES[t] ?? t.replace(/^decimal/, 'numeric'),
  divide: (a, b) => `(CAST(${a} AS double precision) / ${b})`,
};
