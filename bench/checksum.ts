// Proves that a loaded table holds the source's rows: the row count plus the sum of a hash of each
// row's canonical text, computed the same way in MariaDB and in PostgreSQL. The canonical text
// does not depend on the types a tool chose (boolean or smallint, timestamp or timestamptz).
import type mysql from 'mysql2/promise';
import type pg from 'pg';

export interface TableChecksum {
  rows: number;
  sum: string;
}

const NULL_MARK = '~null~';

export async function sourceChecksum(connection: mysql.Connection, table: string): Promise<TableChecksum> {
  const text = `CONCAT_WS('|', id, customer_id, status, amount, code, is_gift, IFNULL(note, '${NULL_MARK}'), DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s'))`;
  const [rows] = await connection.query(
    `SELECT COUNT(*) AS n, CAST(SUM(CAST(CONV(SUBSTR(MD5(${text}), 1, 15), 16, 10) AS UNSIGNED)) AS CHAR) AS s FROM \`${table}\``,
  );
  const row = (rows as { n: number | string; s: string | null }[])[0]!;
  return { rows: Number(row.n), sum: row.s ?? '0' };
}

export async function targetChecksum(
  client: pg.Client,
  schema: string,
  table: string,
): Promise<TableChecksum> {
  const text = `concat_ws('|', id, customer_id, status::text, amount::text, rtrim(code), CASE WHEN is_gift::text IN ('1', 't', 'true') THEN '1' ELSE '0' END, coalesce(note, '${NULL_MARK}'), to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS'))`;
  const { rows } = await client.query<{ n: string; s: string | null }>(
    `SELECT count(*) AS n, sum(('x' || substr(md5(${text}), 1, 15))::bit(60)::bigint)::text AS s FROM "${schema}"."${table}"`,
  );
  return { rows: Number(rows[0]!.n), sum: rows[0]!.s ?? '0' };
}

export function sameChecksum(a: TableChecksum, b: TableChecksum): boolean {
  return a.rows === b.rows && a.sum === b.sum;
}
