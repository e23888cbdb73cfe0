// MariaDB's data-type plugins that the binlog logs as plain BINARY(n): UUID (16 bytes), INET4 (4)
// and INET6 (16). The table map cannot tell them from a BINARY column, so the table the consumer
// expects (the reader's `expect` option) says which they are, and their readers print the text the
// snapshot's select list reads: UUID as 36 lower-case characters (the binlog holds the 16 bytes in
// text order, for every UUID version: checked on MariaDB 10.11 against v1 to v7, nil, max and
// non-RFC variants), INET4 as a.b.c.d, INET6 in MariaDB's own compressed form.
import type { SourceTable } from '../../../schema/source-table.js';
import { T, type RowCursor, type ValueReader } from './column-readers.js';
import type { BinlogColumn } from './events.js';
import type { DecodedTableMap } from './table-map.js';

/** The plugin types, by information_schema's DATA_TYPE, with the BINARY width the binlog gives them. */
export const PLUGIN_TYPES: Readonly<Record<string, { bytes: number; reader: ValueReader }>> = {
  uuid: { bytes: 16, reader: fixed(16, uuidText) },
  inet4: { bytes: 4, reader: fixed(4, (b) => inet4Text(b, 0)) },
  inet6: { bytes: 16, reader: fixed(16, inet6Text) },
};

/** Whether a binlog column is the BINARY(n) a plugin type of `dataType` is logged as. */
export function isPluginColumn(column: BinlogColumn, dataType: string): boolean {
  const plugin = PLUGIN_TYPES[dataType];
  return (
    plugin !== undefined &&
    column.typeCode === T.STRING &&
    column.collation === 63 &&
    column.length === plugin.bytes
  );
}

/**
 * The table map with the plugin columns of the expected table read as their types (the column's
 * `type` says uuid, inet4 or inet6); the same map when it has none.
 */
export function withPluginTypes(map: DecodedTableMap, expected: SourceTable): DecodedTableMap {
  let columns: BinlogColumn[] | undefined;
  let readers: DecodedTableMap['readers'] | undefined;
  map.columns.forEach((column, i) => {
    const wanted = expected.columns[i];
    if (!wanted || column.name !== wanted.name || !isPluginColumn(column, wanted.dataType)) return;
    columns ??= [...map.columns];
    readers ??= [...map.readers];
    columns[i] = { ...column, type: wanted.dataType };
    readers[i] = PLUGIN_TYPES[wanted.dataType]!.reader;
  });
  return columns && readers ? { ...map, columns, readers } : map;
}

/** A BINARY(n) value (the binlog drops its trailing 0x00 bytes) as the plugin's text. */
function fixed(width: number, text: (value: Buffer) => string): ValueReader {
  return (c: RowCursor) => {
    const length = c.buf[c.pos++]!;
    const value = Buffer.alloc(width);
    c.buf.copy(value, 0, c.pos, c.pos + Math.min(length, width));
    c.pos += length;
    return text(value);
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidText(b: Buffer): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i]!];
  }
  return s;
}

function inet4Text(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/**
 * MariaDB's INET6 text: lower-case hex words without leading zeros; the longest run of zero words
 * (the first of equal runs, a single zero word included) written as "::"; the last 32 bits as a
 * dotted quad for IPv4-compatible (::a.b.c.d, six zero words) and IPv4-mapped (::ffff:a.b.c.d)
 * addresses. So ::2 and ::100 stay hex (seven zero words), and ::fffe:102:304 is not mapped.
 */
export function inet6Text(b: Buffer): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(i * 2));
  let gapAt = -1;
  let gapLength = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > gapLength) {
      gapAt = i;
      gapLength = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === gapAt) {
      s += i === 0 ? '::' : ':';
      i += gapLength - 1;
    } else if (i === 6 && gapAt === 0 && (gapLength === 6 || (gapLength === 5 && words[5] === 0xffff))) {
      return s + inet4Text(b, 12);
    } else {
      s += words[i]!.toString(16);
      if (i < 7) s += ':';
    }
  }
  return s;
}
