// Proves that a loaded table holds the source's values: the row count plus the sum of a hash of each
// row's canonical text, computed the same way in MariaDB and in PostgreSQL. The canonical text does
// not depend on the types a tool chose (boolean, smallint or text; numeric, bigint or text; timestamp
// or timestamptz; an enum or text), so it compares values apart from type fidelity (target-types.ts):
// a value that a type changed (a float's digits, a NULL turned into '', a shifted time) differs.
import type mysql from 'mysql2/promise';
import type pg from 'pg';

export interface TableChecksum {
  rows: number;
  sum: string;
}

const NULL_MARK = '~null~';

export async function sourceChecksum(connection: mysql.Connection, table: string): Promise<TableChecksum> {
  const text = `CONCAT_WS('|', id, external_id, customer_id, status, amount, code, is_gift, IFNULL(note, '${NULL_MARK}'), DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s'))`;
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
  // Each cast accepts every type a tool may have chosen; the session time zone is UTC (targetClient),
  // so timestamptz and timestamp both print the source's UTC wall-clock time. amount is rounded to
  // the source's two decimals (a tool's numeric without scale prints 10.5 for 10.50).
  const flag = `lower(is_gift::text)`;
  const text = `concat_ws('|', id::text, external_id::numeric::text, customer_id::text, status::text, round(amount::numeric, 2)::text, rtrim(code::text), CASE WHEN ${flag} IN ('t', 'true') THEN '1' WHEN ${flag} IN ('f', 'false') THEN '0' ELSE ${flag} END, coalesce(note::text, '${NULL_MARK}'), to_char(created_at::timestamp, 'YYYY-MM-DD HH24:MI:SS'), to_char(updated_at::timestamp, 'YYYY-MM-DD HH24:MI:SS'))`;
  const { rows } = await client.query<{ n: string; s: string | null }>(
    `SELECT count(*) AS n, sum(('x' || substr(md5(${text}), 1, 15))::bit(60)::bigint)::text AS s FROM "${schema}"."${table}"`,
  );
  return { rows: Number(rows[0]!.n), sum: rows[0]!.s ?? '0' };
}

export function sameChecksum(a: TableChecksum, b: TableChecksum): boolean {
  return a.rows === b.rows && a.sum === b.sum;
}
