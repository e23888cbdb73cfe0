// Every SQL engine's dialect, by engine name: what the shared compiler and the data tests use.
import type { EngineName } from '../plan/functions.js';
import { duckdbDialect } from './duckdb/duckdb-dialect.js';
import { postgresDialect } from './postgres/postgres-dialect.js';
import { sparkDialect } from './spark/spark-dialect.js';
import type { SqlDialect } from './sql/sql-dialect.js';

export const DIALECTS: Readonly<Record<EngineName, SqlDialect>> = {
  postgres: postgresDialect,
  duckdb: duckdbDialect,
  spark: sparkDialect,
};
