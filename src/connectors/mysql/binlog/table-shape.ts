// Compares a table map (the table as the binlog describes it when a row was written) with the
// table ferry expects (as introspection read it): the columns in order with their names, types,
// signedness, nullability, character sets, ENUM/SET members, precision, scale and fractional digits,
// and the primary key. A consumer stops or evolves its target on a difference instead of decoding
// rows into the wrong columns.
import type { SourceTable } from '../../../schema/source-table.js';
import { GEOMETRY_TYPES } from '../../../schema/type-mapping.js';
import type { BinlogColumn, TableMap } from './events.js';
import { isPluginColumn } from './mariadb-types.js';

const GEOMETRY = new Set<string>(GEOMETRY_TYPES);
const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'float', 'double']);
const TEMPORAL = new Set(['time', 'datetime', 'timestamp']);

const same = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === null || b === null || (a.length === b.length && a.every((x, i) => x === b[i]));

function columnDifferences(column: BinlogColumn, expected: SourceTable['columns'][number]): string[] {
  const out: string[] = [];
  const where = `column ${expected.name}`;
  const expectedType = GEOMETRY.has(expected.dataType) ? 'geometry' : expected.dataType;
  // MariaDB's JSON is a LONGTEXT with a json_valid() check, and its binlog says longtext
  const json = expectedType === 'json' && column.type === 'longtext';
  // MariaDB's UUID and INET types are BINARY(n) in the binlog (mariadb-types.ts)
  const plugin = isPluginColumn(column, expectedType);
  if (column.type !== expectedType && !json && !plugin)
    out.push(`${where}: the binlog has ${column.type}, ferry expects ${expected.dataType}`);
  if (column.nullable !== expected.nullable) {
    out.push(
      `${where}: the binlog has it ${column.nullable ? 'nullable' : 'NOT NULL'}, ferry expects the opposite`,
    );
  }
  if (NUMERIC.has(expectedType) && column.unsigned !== null && column.unsigned !== expected.unsigned) {
    out.push(
      `${where}: the binlog has it ${column.unsigned ? 'unsigned' : 'signed'}, ferry expects the opposite`,
    );
  }
  if (column.charset !== null && expected.charset !== null && column.charset !== expected.charset) {
    out.push(`${where}: the binlog has character set ${column.charset}, ferry expects ${expected.charset}`);
  }
  if (!same(column.members, expected.members)) out.push(`${where}: its ENUM/SET members changed`);
  if (
    expectedType === 'decimal' &&
    (column.precision !== expected.precision || column.scale !== expected.scale)
  ) {
    out.push(
      `${where}: the binlog has decimal(${column.precision},${column.scale}), ferry expects decimal(${expected.precision},${expected.scale})`,
    );
  }
  if (expectedType === 'bit' && column.precision !== expected.precision) {
    out.push(`${where}: the binlog has bit(${column.precision}), ferry expects bit(${expected.precision})`);
  }
  if (TEMPORAL.has(expectedType) && column.fsp !== (expected.fsp ?? 0)) {
    out.push(`${where}: the binlog has ${column.fsp} fractional digits, ferry expects ${expected.fsp ?? 0}`);
  }
  return out;
}

/** The differences between a table map and the table ferry expects; empty when they match. */
export function tableMapDifferences(map: TableMap, expected: SourceTable): string[] {
  const out: string[] = [];
  const names = map.columns.map((c) => c.name);
  if (map.columns.length !== expected.columns.length) {
    out.push(`the binlog has ${map.columns.length} columns, ferry expects ${expected.columns.length}`);
  }
  const width = Math.min(map.columns.length, expected.columns.length);
  for (let i = 0; i < width; i++) {
    const column = map.columns[i]!;
    const wanted = expected.columns[i]!;
    if (column.name !== null && column.name !== wanted.name) {
      out.push(`column ${i + 1}: the binlog has ${column.name}, ferry expects ${wanted.name}`);
      continue;
    }
    out.push(...columnDifferences(column, wanted));
  }
  if (!names.includes(null)) {
    const key = map.primaryKey.map((i) => names[i]!);
    if (!same(key, expected.primaryKey)) {
      out.push(
        `the binlog has primary key (${key.join(', ')}), ferry expects (${expected.primaryKey.join(', ')})`,
      );
    }
  }
  return out;
}
