// The rows a copy outside this process (the Spark JDBC job) has written into a staging table so far,
// read every few seconds from PostgreSQL without scanning the table: the rows committed
// (pg_stat_user_tables.n_tup_ins; Spark commits once per write partition), or, while those lag, the
// staging table's size divided by the bytes a row takes in the table it replaces (an estimate; no
// estimate for a first load).
import type { PgClient } from '../connectors/postgres/connect.js';
import { qualifiedPg } from '../schema/identifiers.js';

export function watchStagingRows(
  db: PgClient,
  tables: { schema: string; staging: string; target: string },
  everySeconds: number,
  onRows: (rows: number) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const read = async () => {
    const { rows } = await db.query<{
      committed: string | null;
      bytes: string | null;
      perRow: number | null;
    }>(
      `SELECT (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = s.oid) AS committed,
              pg_relation_size(s.oid) AS bytes,
              (SELECT pg_relation_size(t.oid) / t.reltuples FROM pg_class t
                WHERE t.oid = to_regclass($2) AND t.reltuples > 0) AS "perRow"
         FROM (SELECT to_regclass($1) AS oid) s WHERE s.oid IS NOT NULL`,
      [qualifiedPg(tables.schema, tables.staging), qualifiedPg(tables.schema, tables.target)],
    );
    const row = rows[0];
    if (stopped || !row) return;
    const estimated = row.perRow ? Number(row.bytes) / row.perRow : 0;
    onRows(Math.round(Math.max(Number(row.committed ?? 0), estimated)));
  };
  const next = () => {
    timer = setTimeout(() => {
      // a failed read only costs this one report; the copy itself reports its own errors
      void read()
        .catch(() => undefined)
        .finally(() => {
          if (!stopped) next();
        });
    }, everySeconds * 1000);
    timer.unref();
  };
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
