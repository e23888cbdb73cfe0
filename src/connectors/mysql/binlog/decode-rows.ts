// Decodes the rows of WRITE/UPDATE/DELETE_ROWS events into SourceRows with the value readers of
// their table map: one row image is a null bitmap over the columns present, then each non-NULL
// value in column order. Every image must carry every column (binlog_row_image=FULL) and the rows
// must use up the event exactly; anything else is reported, never decoded by guess.
import type { SourceRow } from '../../../schema/row-outcome.js';
import type { RowCursor } from './column-readers.js';
import { readPacked, type DecodedTableMap } from './table-map.js';

export type RowsKind = 'insert' | 'update' | 'delete';

export type DecodedRows =
  | { kind: 'insert' | 'delete'; rows: SourceRow[] }
  | { kind: 'update'; rows: { before: SourceRow; after: SourceRow }[] }
  | {
      kind: 'error';
      code: 'row_image' | 'rows_mismatch' | 'undecodable' | 'no_metadata' | 'table_mismatch';
      message: string;
    };

function allPresent(buf: Buffer, at: number, columns: number): boolean {
  for (let i = 0; i < columns; i++) if ((buf[at + (i >> 3)]! & (1 << (i & 7))) === 0) return false;
  return true;
}

function readImage(c: RowCursor, map: DecodedTableMap, width: number): SourceRow {
  const { buf } = c;
  const nullAt = c.pos;
  c.pos += (width + 7) >> 3;
  const row: SourceRow = new Array<string | Buffer | null>(width);
  const readers = map.readers;
  for (let i = 0; i < width; i++) {
    if ((buf[nullAt + (i >> 3)]! & (1 << (i & 7))) !== 0) row[i] = null;
    else row[i] = readers[i]!(c);
  }
  return row;
}

/**
 * Decodes the body of a rows event in buf[start, end): after the table id and flags (and, for the
 * v2 events of MySQL, the extra data), the column count, the present-columns bitmap (two for
 * updates), then the row images.
 */
export function decodeRows(
  buf: Buffer,
  start: number,
  end: number,
  kind: RowsKind,
  map: DecodedTableMap,
  postHeaderBytes: number,
  v2: boolean,
): DecodedRows {
  const where = `${map.schema}.${map.table}`;
  if (map.undecodable) {
    const code = map.differences
      ? 'table_mismatch'
      : map.columns.some((c) => c.name === null)
        ? 'no_metadata'
        : 'undecodable';
    return { kind: 'error', code, message: `${where}: ${map.undecodable}` };
  }
  try {
    let p = start + postHeaderBytes;
    if (v2) p += buf.readUInt16LE(start + postHeaderBytes - 2) - 2;
    const [width, afterWidth] = readPacked(buf, p);
    p = afterWidth;
    if (width !== map.columns.length) {
      return {
        kind: 'error',
        code: 'rows_mismatch',
        message: `${where}: a row event has ${width} columns, its table map ${map.columns.length}`,
      };
    }
    const bitmapBytes = (width + 7) >> 3;
    const images = kind === 'update' ? 2 : 1;
    for (let i = 0; i < images; i++, p += bitmapBytes) {
      if (!allPresent(buf, p, width)) {
        return {
          kind: 'error',
          code: 'row_image',
          message: `${where}: a row event lacks columns (binlog_row_image is not FULL for the session that wrote it)`,
        };
      }
    }
    const c: RowCursor = { buf, pos: p };
    if (kind === 'update') {
      const rows: { before: SourceRow; after: SourceRow }[] = [];
      while (c.pos < end) {
        const before = readImage(c, map, width);
        rows.push({ before, after: readImage(c, map, width) });
      }
      if (c.pos !== end) throw new RangeError('past the end');
      return { kind, rows };
    }
    const rows: SourceRow[] = [];
    while (c.pos < end) rows.push(readImage(c, map, width));
    if (c.pos !== end) throw new RangeError('past the end');
    return { kind, rows };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return {
      kind: 'error',
      code: 'rows_mismatch',
      message: `${where}: a row event does not fit the columns of its table map`,
    };
  }
}
