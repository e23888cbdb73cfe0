// How a Spark result column is declared in PostgreSQL, as data: ferry creates the target table
// itself (Spark's JDBC writer would pick its own types), so decimals stay numeric(p,s), instants
// timestamptz and wall-clock times timestamp, as on the other engines.
import type { SparkField } from '../../../spark/data-type.js';
import { EngineError } from '../../engine-error.js';

const SIMPLE: Readonly<Record<string, string>> = {
  boolean: 'boolean',
  tinyint: 'smallint',
  smallint: 'smallint',
  int: 'integer',
  bigint: 'bigint',
  float: 'real',
  double: 'double precision',
  string: 'text',
  date: 'date',
  timestamp: 'timestamp with time zone',
  timestamp_ntz: 'timestamp without time zone',
  binary: 'bytea',
};

/** The PostgreSQL type of a Spark column; a clear error for types ferry cannot load. */
export function pgTypeOf(field: SparkField, model: string): string {
  const type = field.type.toLowerCase();
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (decimal) return `numeric(${decimal[1]},${decimal[2]})`;
  if (/^(var)?char\(\d+\)$/.test(type)) return 'text';
  const element = /^array<(.+)>$/.exec(type)?.[1];
  const simple = element === undefined ? SIMPLE[type] : SIMPLE[element] && `${SIMPLE[element]}[]`;
  if (simple) return simple;
  throw new EngineError(
    `${model}: column ${field.name} has Spark type ${field.type}, which ferry cannot load into PostgreSQL`,
    {
      hint: 'CAST it in the model to a portable type (integer, bigint, decimal(p,s), double, string, date, timestamp)',
    },
  );
}
