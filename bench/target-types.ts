// The PostgreSQL types each tool chose for the benchmark table, read from the catalog of its target
// table, and what each choice changes against the MariaDB column: one rule per source type, as data.
import type mysql from 'mysql2/promise';
import type pg from 'pg';

export interface SourceColumn {
  name: string;
  /** MariaDB's COLUMN_TYPE, e.g. "bigint(20) unsigned", "enum('new','paid')". */
  type: string;
  nullable: boolean;
}

export interface TargetColumn {
  name: string;
  /** format_type(): "numeric(20,0)", "character varying(8)", "timestamp(0) with time zone". */
  type: string;
  nullable: boolean;
  /** typtype 'e': a PostgreSQL enum. */
  isEnum: boolean;
}

export interface TargetTable {
  columns: TargetColumn[];
  primaryKey: string[];
}

export async function sourceColumns(my: mysql.Connection, table: string): Promise<SourceColumn[]> {
  const [rows] = await my.query(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  return (rows as { name: string; type: string; nullable: string }[]).map((r) => ({
    name: r.name,
    type: r.type,
    nullable: r.nullable === 'YES',
  }));
}

export async function targetTable(client: pg.Client, schema: string, table: string): Promise<TargetTable> {
  const columns = await client.query<{ name: string; type: string; notnull: boolean; typtype: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, t.typtype
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass(format('%I.%I', $1::text, $2::text)) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  const key = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = to_regclass(format('%I.%I', $1::text, $2::text)) AND i.indisprimary`,
    [schema, table],
  );
  return {
    columns: columns.rows.map((r) => ({
      name: r.name,
      type: r.type,
      nullable: !r.notnull,
      isEnum: r.typtype === 'e',
    })),
    primaryKey: key.rows.map((r) => r.name),
  };
}

type Judge = (sourceType: string, target: TargetColumn) => string;

/** '' when the target type matches `same`, else the note of the first matching pattern. */
const byPattern =
  (same: RegExp, notes: [RegExp, string][]): Judge =>
  (_, target) =>
    same.test(target.type)
      ? ''
      : (notes.find(([pattern]) => pattern.test(target.type))?.[1] ?? '≠ another type');

const INTEGER = /^(smallint|integer|bigint)$/;
const TEXT = /^(text|character varying(\(\d+\))?|character(\(\d+\))?)$/;
const AS_TEXT: [RegExp, string] = [TEXT, '≠ a number as text'];
const FLOAT: [RegExp, string] = [/^(double precision|real)$/, '✗ binary float'];

/** A character type with the source's length; text or another length is noted. */
const sameLength: Judge = (sourceType, target) => {
  const source = /\((\d+)\)/.exec(sourceType)?.[1];
  const length = /^character(?: varying)?\((\d+)\)$/.exec(target.type)?.[1];
  if (target.type === 'text') return '≠ no length limit';
  if (!length) return '≠ another type';
  if (Number(length) < Number(source)) return '✗ shorter';
  return length === source ? '' : `≠ length ${length}`;
};

// What each target type changes against the MariaDB type: "✗" a type that cannot hold every value
// of the source type, "≠" a different kind or a lost constraint, '' the same values. The first rule
// whose `source` matches the COLUMN_TYPE applies.
const RULES: { source: RegExp; judge: Judge }[] = [
  {
    source: /^bigint(\(\d+\))? unsigned/,
    judge: byPattern(/^numeric\((2\d|[3-9]\d),0\)$/, [
      [/^bigint$/, '✗ overflows from 2^63'],
      [/^numeric$/, '≠ numeric without precision'],
      AS_TEXT,
      FLOAT,
    ]),
  },
  {
    source: /^tinyint\(1\)/,
    judge: byPattern(/^boolean$/, [
      [INTEGER, '≠ an integer, not a boolean'],
      [TEXT, '≠ text'],
    ]),
  },
  {
    source: /^(bigint|int|mediumint|smallint|tinyint)(\(\d+\))?$/,
    judge: byPattern(INTEGER, [[/^numeric/, '≠ numeric'], AS_TEXT]),
  },
  {
    source: /^enum\(/,
    judge: (_, target) =>
      target.isEnum ? '' : TEXT.test(target.type) ? '≠ any text, members not enforced' : '≠ another type',
  },
  {
    source: /^decimal\(/,
    judge: byPattern(/^numeric\(\d+,\d+\)$/, [
      [/^numeric$/, '≠ numeric without precision or scale'],
      FLOAT,
      AS_TEXT,
    ]),
  },
  { source: /^(var)?char\(/, judge: sameLength },
  {
    source: /^datetime/,
    judge: byPattern(/^timestamp(\(\d\))? without time zone$/, [
      [/^timestamp(\(\d\))? with time zone$/, '≠ an instant (a time zone applied)'],
    ]),
  },
  {
    source: /^timestamp/,
    judge: byPattern(/^timestamp(\(\d\))? with time zone$/, [
      [/^timestamp(\(\d\))? without time zone$/, '≠ the time zone dropped'],
    ]),
  },
];

/** What `target` changes against `source`: '' when nothing. */
export function fidelityNote(source: SourceColumn, target: TargetColumn | undefined): string {
  if (!target) return '✗ column missing';
  const type = source.type.toLowerCase();
  const rule = RULES.find((r) => r.source.test(type));
  const notes = [rule ? rule.judge(type, target) : ''];
  if (!source.nullable && target.nullable) notes.push('≠ NULL allowed');
  return notes.filter(Boolean).join(', ');
}
