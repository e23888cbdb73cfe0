// MariaDB's compressed binlog events (log_bin_compress=ON): the query text of a QUERY_COMPRESSED
// event, and the rows of a *_ROWS_COMPRESSED event (after the column bitmaps), are stored as one
// header byte (0x80, the algorithm in bits 4-6 where 0 is zlib, the size of the length in bits 0-2),
// the uncompressed length big-endian, then a zlib stream.
import { inflateSync } from 'node:zlib';
import { readPacked } from './table-map.js';

/** Inflates compressed data at buf[start, end); throws when it is not what the header says. */
export function uncompress(buf: Buffer, start: number, end: number): Buffer {
  const header = buf[start]!;
  const lengthBytes = header & 0x07;
  const algorithm = (header & 0x70) >> 4;
  if ((header & 0x80) === 0 || algorithm !== 0 || lengthBytes === 0 || lengthBytes > 4) {
    throw new Error(`unknown compression header 0x${header.toString(16)}`);
  }
  const length = buf.readUIntBE(start + 1, lengthBytes);
  const data = inflateSync(buf.subarray(start + 1 + lengthBytes, end));
  if (data.length !== length) throw new Error(`inflated ${data.length} bytes, the header says ${length}`);
  return data;
}

/**
 * A compressed rows event body as the plain one: the post-header, the column count and bitmaps
 * copied, the rows inflated. `update` events have two bitmaps.
 */
export function uncompressRows(
  buf: Buffer,
  body: number,
  bodyEnd: number,
  postHeaderBytes: number,
  v2: boolean,
  update: boolean,
): Buffer {
  let p = body + postHeaderBytes;
  if (v2) p += buf.readUInt16LE(body + postHeaderBytes - 2) - 2;
  const [width, afterWidth] = readPacked(buf, p);
  p = afterWidth + ((width + 7) >> 3) * (update ? 2 : 1);
  return Buffer.concat([buf.subarray(body, p), uncompress(buf, p, bodyEnd)]);
}
