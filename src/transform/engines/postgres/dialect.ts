// PostgreSQL's spelling of the portable types and operators.
import { quoteIdent, type SqlDialect } from '../sql/dialect.js';

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
  quote: quoteIdent,
  type: (t) => TYPES[t] ?? t.replace(/^decimal/, 'numeric'),
  divide: (a, b) => `(CAST(${a} AS double precision) / ${b})`,
};
