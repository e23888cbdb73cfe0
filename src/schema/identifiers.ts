// Names in generated SQL: identifier quoting for each dialect ferry writes (one function per quoting
// style), PostgreSQL's 63-byte name limit, and the names ferry itself puts into users' schemas.
import { createHash } from 'node:crypto';

/** PostgreSQL (and DuckDB) identifier: double quotes, inner double quotes doubled. */
export function quotePg(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** schema.table for PostgreSQL, both quoted. */
export function qualifiedPg(schema: string, table: string): string {
  return `${quotePg(schema)}.${quotePg(table)}`;
}

/** MySQL / MariaDB (and Spark SQL) identifier: backticks, inner backticks doubled. */
export function quoteMysql(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** PostgreSQL identifiers hold 63 bytes; longer generated names keep a hash of the full name. */
export function identifier(name: string): string {
  if (Buffer.byteLength(name) <= 63) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  let head = name;
  while (Buffer.byteLength(head) > 54) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/** Every name ferry creates in a user's schema starts with this; source tables named so are never replicated. */
export const FERRY_PREFIX = '_ferry';

/** ferry's own columns on every replicated table: when the row was last written, and when it was deleted in the source (deletes: soft). */
export const SYNCED_AT = '_ferry_synced_at';
export const DELETED_AT = '_ferry_deleted_at';

/** The staging table a full refresh loads before it is swapped in. */
export const stagingName = (table: string) => identifier(`_ferry_stage_${table}`);
/** The staging table of a Spark copy. */
export const sparkStagingName = (table: string) => identifier(`_ferry_spark_${table}`);
/** A transform model's table built aside before the swap, and an incremental model's delta. */
export const modelStagingName = (model: string) => identifier(`_ferry_new_${model}`);
export const modelDeltaName = (model: string) => identifier(`_ferry_delta_${model}`);
/** The schema a spark transform with sources: mysql_snapshot stages its MySQL snapshot in, one per models' schema. */
export const sourceSnapshotSchema = (modelSchema: string) => identifier(`_ferry_snapshot_${modelSchema}`);
