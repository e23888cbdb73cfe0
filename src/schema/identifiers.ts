// Names in generated SQL: identifier quoting for each dialect ferry writes (one function per quoting
// style), PostgreSQL's 63-byte name limit (long names mapped, docs/sync.md#long-names), and the
// names ferry itself puts into users' schemas.
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

/** The most bytes PostgreSQL keeps of a name (NAMEDATALEN - 1); it silently cuts longer ones. */
export const PG_NAME_BYTES = 63;

/**
 * The PostgreSQL name for any name ferry writes: the name itself when it fits 63 bytes; otherwise
 * the longest prefix of whole characters that fits 54 bytes, `_`, and 8 hex digits of the SHA-1 of
 * the full name. Deterministic (the same name always maps the same way, whatever else the table
 * has), and two long names sharing a prefix get different hashes. MySQL allows 64 characters,
 * which is up to 256 bytes of UTF-8, so source tables, columns and indexes all go through it.
 */
export function identifier(name: string): string {
  if (Buffer.byteLength(name) <= PG_NAME_BYTES) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  let head = '';
  for (const char of name) {
    if (Buffer.byteLength(head + char) > PG_NAME_BYTES - hash.length - 1) break;
    head += char;
  }
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
/** The Spark copy's staging column naming the rows ferry reads again and judges itself (their key), NULL for the others. */
export const RECHECK_COLUMN = '_ferry_recheck';
/** A transform model's table built aside before the swap, and an incremental model's delta. */
export const modelStagingName = (model: string) => identifier(`_ferry_new_${model}`);
export const modelDeltaName = (model: string) => identifier(`_ferry_delta_${model}`);
/** The schema a spark transform with sources: mysql_snapshot stages its MySQL snapshot in, one per models' schema. */
export const sourceSnapshotSchema = (modelSchema: string) => identifier(`_ferry_snapshot_${modelSchema}`);
