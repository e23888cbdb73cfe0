// Merges the rows of a relation into a table by key, inside the caller's transaction, for every
// caller (incremental sync, quarantine replay, incremental transform models, the change apply):
// an upsert (INSERT ... ON CONFLICT DO UPDATE) where the key is the table's primary key, otherwise
// delete-then-insert by the key. ferry's own columns are set as the row is written: synced now,
// not deleted. A table whose key has no unique index (a primary key too long for a btree, see
// swap.ts) is merged by delete-then-insert too, since ON CONFLICT needs one.
import { DELETED_AT, SYNCED_AT, qualifiedPg, quotePg } from '../../schema/identifiers.js';
import type { Queryable } from './connect.js';

export interface MergeSpec {
  schema: string;
  table: string;
  /** The incoming rows: a quoted relation (pg_temp."ferry_incoming"). */
  from: string;
  /** The columns written, in both relations. */
  columns: readonly string[];
  key: readonly string[];
  /**
   * upsert: the key is the table's primary key (ON CONFLICT), rows repeating a key keep their last
   * copy (DISTINCT ON); replace: delete the table's rows with the incoming keys, then insert.
   */
  how: 'upsert' | 'replace';
  /** Table columns the incoming rows do not have, set to NULL on update (dropped in the source). */
  nulled?: readonly string[];
  /** Whether the table has ferry's _ferry_synced_at / _ferry_deleted_at columns (replicated tables). */
  ferryColumns: boolean;
}

/** Whether a unique index (or primary key) covers exactly the key's columns: ON CONFLICT's arbiter. */
async function hasUniqueIndexOn(db: Queryable, spec: MergeSpec): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM pg_index i
      WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
               FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey))
            = (SELECT array_agg(k ORDER BY k) FROM unnest($2::text[]) k)
      LIMIT 1`,
    [qualifiedPg(spec.schema, spec.table), spec.key],
  );
  return rows.length > 0;
}

/** Returns the rows written. */
export async function mergeRows(db: Queryable, spec: MergeSpec): Promise<number> {
  const into = qualifiedPg(spec.schema, spec.table);
  const columns = spec.columns.map(quotePg);
  const key = spec.key.map(quotePg);
  const arbiter = spec.how === 'upsert' && (await hasUniqueIndexOn(db, spec));
  if (!arbiter) {
    if (key.length > 0) {
      const on = key.map((k) => `t.${k} = d.${k}`).join(' AND ');
      await db.query(`DELETE FROM ${into} t USING ${spec.from} d WHERE ${on}`);
    }
    // An upsert without its arbiter keeps one copy of a repeated key, as ON CONFLICT would.
    const distinct = spec.how === 'upsert' && key.length > 0 ? `DISTINCT ON (${key.join(', ')}) ` : '';
    const order = distinct ? ` ORDER BY ${key.join(', ')}` : '';
    const { rowCount } = await db.query(
      `INSERT INTO ${into} (${columns.join(', ')}) SELECT ${distinct}${columns.join(', ')} FROM ${spec.from}${order}`,
    );
    return rowCount ?? 0;
  }
  const keyNames = new Set(spec.key);
  const updates = [
    ...spec.columns.filter((c) => !keyNames.has(c)).map((c) => `${quotePg(c)} = EXCLUDED.${quotePg(c)}`),
    ...(spec.nulled ?? []).map((c) => `${quotePg(c)} = NULL`),
    ...(spec.ferryColumns ? [`${quotePg(SYNCED_AT)} = now()`, `${quotePg(DELETED_AT)} = NULL`] : []),
  ];
  const { rowCount } = await db.query(
    `INSERT INTO ${into} (${columns.join(', ')})
     SELECT DISTINCT ON (${key.join(', ')}) ${columns.join(', ')} FROM ${spec.from} ORDER BY ${key.join(', ')}
     ON CONFLICT (${key.join(', ')}) DO ${updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
  );
  return rowCount ?? 0;
}
