// Turns the binlog's raw events, in order, into ferry's BinlogEvents: it checks each event's CRC32,
// follows the format description, the current file and the GTID state, keeps the table maps, tells
// transaction starts and ends apart from DDL, decodes row events of the tracked tables, and turns
// what ferry cannot follow exactly (statement-format DML, partial row images, XA, incidents) into
// error events. It holds the decoding state of one reader connection; positions it reports are the
// places a new connection can resume from.
import { crc32 } from 'node:zlib';
import { decodeRows, type RowsKind } from './decode-rows.js';
import type { BinlogErrorCode, BinlogEvent, BinlogPosition, TableMap } from './events.js';
import { mariadbState, mysqlState, uuidText, type GtidState } from './gtid.js';
import { decodeTableMap, type DecodedTableMap } from './table-map.js';
import { tableMapDifferences } from './table-shape.js';
import { withPluginTypes } from './mariadb-types.js';
import type { SourceTable } from '../../../schema/source-table.js';
import { BinlogError } from './errors.js';
import { uncompress, uncompressRows } from './uncompress.js';
import { messageOf } from '../../../errors.js';

/** Event type codes (Log_event_type in the servers' source). */
const E = {
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  MYSQL_GTID: 33,
  MYSQL_ANONYMOUS_GTID: 34,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  MARIADB_GTID: 162,
  QUERY_COMPRESSED: 165,
  WRITE_ROWS_COMPRESSED_V1: 166,
  UPDATE_ROWS_COMPRESSED_V1: 167,
  DELETE_ROWS_COMPRESSED_V1: 168,
  WRITE_ROWS_COMPRESSED: 169,
  UPDATE_ROWS_COMPRESSED: 170,
  DELETE_ROWS_COMPRESSED: 171,
} as const;

/** Row event types: the kind of change, v2 (extra data after the flags), compressed (MariaDB). */
const ROWS: Record<number, [RowsKind, boolean, boolean]> = {
  [E.WRITE_ROWS_V1]: ['insert', false, false],
  [E.UPDATE_ROWS_V1]: ['update', false, false],
  [E.DELETE_ROWS_V1]: ['delete', false, false],
  [E.WRITE_ROWS_V2]: ['insert', true, false],
  [E.UPDATE_ROWS_V2]: ['update', true, false],
  [E.DELETE_ROWS_V2]: ['delete', true, false],
  [E.WRITE_ROWS_COMPRESSED_V1]: ['insert', false, true],
  [E.UPDATE_ROWS_COMPRESSED_V1]: ['update', false, true],
  [E.DELETE_ROWS_COMPRESSED_V1]: ['delete', false, true],
  [E.WRITE_ROWS_COMPRESSED]: ['insert', true, true],
  [E.UPDATE_ROWS_COMPRESSED]: ['update', true, true],
  [E.DELETE_ROWS_COMPRESSED]: ['delete', true, true],
};

const HEADER = 19;
const FL_STANDALONE = 1;
const FL_DDL = 32;
const ARTIFICIAL = 0x20;

export interface TableName {
  schema: string;
  table: string;
}

export interface EventDecoderOptions {
  flavor: 'mariadb' | 'mysql';
  /** Where reading starts; `gtid` seeds the GTID state the commit positions carry. */
  from: BinlogPosition;
  /** Tables whose rows are decoded; all when absent. */
  tables?: readonly TableName[];
  /** The server's binlog_checksum is CRC32: events before the first format description carry one too. */
  checksum: boolean;
  /**
   * The table the consumer expects for a tracked table: each table map is compared with it
   * (tableMapDifferences), and the rows of one that differs arrive as `table_mismatch` error events
   * instead of rows in the wrong shape. The binlog alone cannot tell, for example, a DATETIME(6) of
   * MariaDB 5.3's format from a classic DATETIME.
   */
  expect?: (schema: string, table: string) => SourceTable | undefined;
  /** The character set of a collation id, as the server names it. */
  charsetOf: (collation: number) => string | null;
}

export interface EventDecoder {
  /** Decodes one event (buf[start, end), header included); undefined for events nobody needs. */
  decode(buf: Buffer, start: number, end: number): BinlogEvent | undefined;
  /** Where a reader resumes after the last transaction that ended. */
  readonly position: BinlogPosition;
}

type QueryKind = 'begin' | 'commit' | 'rollback' | 'savepoint' | 'rollback_to' | 'xa' | 'other';

function queryKind(query: string): QueryKind {
  const head = query.trimStart().slice(0, 12).toUpperCase();
  if (head === 'BEGIN') return 'begin';
  if (head === 'COMMIT') return 'commit';
  if (head === 'ROLLBACK') return 'rollback';
  if (head.startsWith('SAVEPOINT')) return 'savepoint';
  if (/^ROLLBACK\s+TO/i.test(query.trimStart())) return 'rollback_to';
  if (/^XA\s/i.test(query.trimStart())) return 'xa';
  return 'other';
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createEventDecoder(options: EventDecoderOptions): EventDecoder {
  const { flavor } = options;
  const gtids: GtidState | null =
    options.from.gtid !== null
      ? flavor === 'mariadb'
        ? mariadbState(options.from.gtid)
        : mysqlState(options.from.gtid)
      : null;
  const tracked = options.tables ? new Set(options.tables.map((t) => `${t.schema}\u0000${t.table}`)) : null;
  const trackedSchemas = new Set(options.tables?.map((t) => t.schema) ?? []);
  const mentionsTracked = options.tables?.length
    ? new RegExp(`\\b(${[...new Set(options.tables.map((t) => escapeRegExp(t.table)))].join('|')})\\b`, 'i')
    : null;

  let file = options.from.file;
  let checksum = options.checksum;
  let postHeader: number[] = [];
  /** Table maps by table id: as decoded, and as rows use it (with the consumer's differences). */
  const maps = new Map<
    number,
    {
      raw: Buffer;
      map: DecodedTableMap;
      view: DecodedTableMap;
      tracked: boolean;
      /** The view was checked against `expected` (once per map and expected table). */
      checked?: boolean;
      expected?: SourceTable | undefined;
    }
  >();
  const tx = { open: false, gtid: null as string | null, begun: false, ddl: false, trackedRows: false };
  let resume: BinlogPosition = { ...options.from };

  const positionAt = (end: number): BinlogPosition => ({
    file,
    position: end,
    gtid: gtids ? gtids.toString() : null,
  });

  function endTransaction(end: number): BinlogPosition {
    tx.open = false;
    tx.gtid = null;
    tx.begun = false;
    tx.ddl = false;
    tx.trackedRows = false;
    resume = positionAt(end);
    return resume;
  }

  /** The map as rows use it: undecodable, with the differences, when it is not the table expected. */
  function checked(map: DecodedTableMap, expected: SourceTable | undefined): DecodedTableMap {
    if (!expected) return map;
    // UUID and INET columns are BINARY in the binlog: the expected table says what they are
    const typed = withPluginTypes(map, expected);
    const differences = tableMapDifferences(typed, expected);
    if (differences.length === 0) return typed;
    return {
      ...typed,
      differences,
      undecodable: map.undecodable ?? `the table is not the one ferry expects: ${differences.join('; ')}`,
    };
  }

  function isTracked(schema: string, table: string): boolean {
    return tracked === null || tracked.has(`${schema}\u0000${table}`);
  }

  function postHeaderOf(type: number, fallback: number): number {
    return postHeader[type - 1] ?? fallback;
  }

  function decode(buf: Buffer, start: number, end: number): BinlogEvent | undefined {
    if (end - start < HEADER)
      throw new BinlogError('protocol', `a binlog event of ${end - start} bytes is too short`);
    const timestamp = buf.readUInt32LE(start);
    const type = buf[start + 4]!;
    const serverId = buf.readUInt32LE(start + 5);
    const logPos = buf.readUInt32LE(start + 13);
    const flags = buf.readUInt16LE(start + 17);
    if (type === E.FORMAT_DESCRIPTION) {
      // the last 5 bytes: the checksum algorithm (1 = CRC32) and the event's own checksum
      checksum = buf[end - 5] === 1;
      const lengthsStart = start + HEADER + 2 + 50 + 4 + 1;
      postHeader = [...buf.subarray(lengthsStart, end - 5)];
    }
    let bodyEnd = end;
    if (checksum) {
      bodyEnd = end - 4;
      const expected = buf.readUInt32LE(bodyEnd);
      if (crc32(buf.subarray(start, bodyEnd)) !== expected) {
        throw new BinlogError('protocol', `binlog event at ${file ?? '?'}:${logPos} fails its CRC32 check`);
      }
    }
    const body = start + HEADER;
    // artificial events (the rotation at the start, heartbeats) carry no position of their own
    const at = { timestamp, file, end: logPos === 0 || flags & ARTIFICIAL ? (resume.position ?? 0) : logPos };
    const error = (
      code: BinlogErrorCode,
      message: string,
      extra: { table?: TableMap; schema?: string; query?: string } = {},
    ) => ({ kind: 'error', code, message, ...at, ...extra }) as const;

    switch (type) {
      case E.ROTATE: {
        const position = Number(buf.readBigUInt64LE(body));
        file = buf.toString('utf8', body + 8, bodyEnd);
        resume = { ...resume, file, position };
        return { kind: 'rotate', ...at, file, next: { file, position } };
      }
      case E.HEARTBEAT:
        return { kind: 'heartbeat', ...at, file, end: logPos };
      case E.MARIADB_GTID: {
        const sequence = buf.readBigUInt64LE(body);
        const domain = buf.readUInt32LE(body + 8);
        const gtidFlags = buf[body + 12]!;
        const standalone = (gtidFlags & FL_STANDALONE) !== 0;
        const gtid = gtids
          ? gtids.add({ flavor: 'mariadb', domain, serverId, sequence })
          : `${domain}-${serverId}-${sequence}`;
        Object.assign(tx, {
          open: true,
          gtid,
          begun: !standalone,
          ddl: (gtidFlags & FL_DDL) !== 0,
          trackedRows: false,
        });
        return { kind: 'begin', ...at, gtid, standalone };
      }
      case E.MYSQL_GTID:
      case E.MYSQL_ANONYMOUS_GTID: {
        let gtid: string | null = null;
        if (type === E.MYSQL_GTID) {
          const uuid = buf.subarray(body + 1, body + 17);
          const sequence = buf.readBigInt64LE(body + 17);
          gtid = gtids ? gtids.add({ flavor: 'mysql', uuid, sequence }) : `${uuidText(uuid)}:${sequence}`;
        }
        Object.assign(tx, { open: true, gtid, begun: false, ddl: false, trackedRows: false });
        return { kind: 'begin', ...at, gtid, standalone: false };
      }
      case E.XID:
        if (!tx.open) return undefined;
        return { kind: 'commit', ...at, via: 'xid', position: endTransaction(at.end) };
      case E.XA_PREPARE: {
        const event = error(
          'xa',
          'an XA transaction was prepared: its rows count only at a later XA COMMIT, which ferry does not follow',
        );
        endTransaction(at.end);
        return event;
      }
      case E.QUERY:
      case E.QUERY_COMPRESSED:
        return query(buf, body, bodyEnd, at, error, type === E.QUERY_COMPRESSED);
      case E.TABLE_MAP: {
        const raw = buf.subarray(body, bodyEnd);
        const tableIdBytes = postHeaderOf(type, 8) === 6 ? 4 : 6;
        const id = raw.readUIntLE(0, tableIdBytes);
        let entry = maps.get(id);
        if (!entry || !entry.raw.equals(raw)) {
          const map = decodeTableMap(
            buf,
            body,
            bodyEnd,
            tableIdBytes,
            options.charsetOf,
            flavor === 'mariadb',
          );
          // bounded: table ids grow with DDL; the oldest map is long out of use
          if (maps.size >= 4096) maps.delete(maps.keys().next().value!);
          entry = { raw: Buffer.from(raw), map, view: map, tracked: isTracked(map.schema, map.table) };
          maps.set(id, entry);
        }
        if (!entry.tracked) return undefined;
        const expected = options.expect?.(entry.map.schema, entry.map.table);
        if (!entry.checked || expected !== entry.expected) {
          entry.view = checked(entry.map, expected);
          entry.expected = expected;
          entry.checked = true;
        }
        return { kind: 'table', ...at, table: entry.view };
      }
      case E.INCIDENT:
        return error(
          'incident',
          'the server logged an incident (for example a lost connection during a statement): events may be missing from the binlog',
        );
      case E.PARTIAL_UPDATE_ROWS:
        return error(
          'partial_json',
          "a partial JSON update (binlog_row_value_options=PARTIAL_JSON): set it to '' on the server",
        );
      default:
        break;
    }
    const rows = ROWS[type];
    if (rows) {
      const postHeaderBytes = postHeaderOf(type, rows[1] ? 10 : 8);
      const tableIdBytes = postHeaderBytes === 6 ? 4 : 6;
      const id = buf.readUIntLE(body, tableIdBytes);
      if (id === 0xffffff && tableIdBytes === 6 && !maps.has(id)) return undefined; // the dummy "end of statement" event
      const entry = maps.get(id);
      if (!entry)
        throw new BinlogError('protocol', `a row event refers to table id ${id}, which no table map named`);
      if (!entry.tracked) return undefined;
      // the consumer may have changed the table it expects on the table map event (schema evolution)
      const expected = options.expect?.(entry.map.schema, entry.map.table);
      if (expected !== entry.expected) {
        entry.view = checked(entry.map, expected);
        entry.expected = expected;
      }
      tx.trackedRows = true;
      let decoded;
      if (rows[2]) {
        let plain: Buffer;
        try {
          plain = uncompressRows(buf, body, bodyEnd, postHeaderBytes, rows[1], rows[0] === 'update');
        } catch (e) {
          return error(
            'compressed',
            `a compressed row event of ${entry.view.schema}.${entry.view.table} could not be inflated: ${messageOf(e)}`,
            { table: entry.view },
          );
        }
        decoded = decodeRows(plain, 0, plain.length, rows[0], entry.view, postHeaderBytes, rows[1]);
      } else decoded = decodeRows(buf, body, bodyEnd, rows[0], entry.view, postHeaderBytes, rows[1]);
      if (decoded.kind === 'error') return error(decoded.code, decoded.message, { table: entry.view });
      if (decoded.kind === 'update') return { kind: 'update', ...at, table: entry.view, rows: decoded.rows };
      return { kind: decoded.kind, ...at, table: entry.view, rows: decoded.rows };
    }
    if (type === E.TRANSACTION_PAYLOAD) {
      return error(
        'compressed',
        'a compressed transaction (MySQL binlog_transaction_compression=ON): turn it off on the server',
      );
    }
    return undefined;
  }

  function query(
    buf: Buffer,
    body: number,
    bodyEnd: number,
    at: { timestamp: number; file: string | null; end: number },
    error: (
      code: BinlogErrorCode,
      message: string,
      extra?: { schema?: string; query?: string },
    ) => BinlogEvent,
    compressed: boolean,
  ): BinlogEvent | undefined {
    const schemaLength = buf[body + 8]!;
    const statusLength = buf.readUInt16LE(body + 11);
    const schemaStart = body + postHeaderOf(E.QUERY, 13) + statusLength;
    const schema = buf.toString('utf8', schemaStart, schemaStart + schemaLength);
    const textStart = schemaStart + schemaLength + 1;
    let text: string;
    try {
      text = compressed
        ? uncompress(buf, textStart, bodyEnd).toString('utf8')
        : buf.toString('utf8', textStart, bodyEnd);
    } catch (e) {
      return error('compressed', `a compressed statement could not be inflated: ${messageOf(e)}`, { schema });
    }
    const kind = queryKind(text);
    switch (kind) {
      case 'begin':
        if (tx.open) {
          tx.begun = true;
          return undefined;
        }
        Object.assign(tx, { open: true, gtid: null, begun: true, ddl: false, trackedRows: false });
        return { kind: 'begin', ...at, gtid: null, standalone: false };
      case 'commit':
        if (!tx.open) return undefined;
        return { kind: 'commit', ...at, via: 'query', position: endTransaction(at.end) };
      case 'rollback': {
        const rolledBack = tx.trackedRows;
        endTransaction(at.end);
        if (!rolledBack) return undefined;
        return error(
          'partial_rollback',
          'a transaction that changed tracked rows ended in ROLLBACK (it also changed non-transactional tables): which of its changes stand is unknown',
          { schema, query: text },
        );
      }
      case 'savepoint':
        return undefined;
      case 'rollback_to':
        return tx.trackedRows
          ? error(
              'partial_rollback',
              'ROLLBACK TO SAVEPOINT after changes to non-transactional tables: which changes stand is unknown',
              { schema, query: text },
            )
          : undefined;
      case 'xa':
        return error('xa', `an XA statement (${text.slice(0, 40)}): ferry does not follow XA transactions`, {
          schema,
          query: text,
        });
      default:
        break;
    }
    if (tx.open && tx.begun && !tx.ddl) {
      // inside BEGIN ... COMMIT, a statement that is not DDL changed rows in statement format
      const relevant =
        tracked === null ||
        trackedSchemas.has(schema) ||
        (mentionsTracked !== null && mentionsTracked.test(text));
      if (!relevant) return undefined;
      return error(
        'statement_format',
        `a change was logged as a statement, not as rows (binlog_format is not ROW for the session that wrote it): ${text.slice(0, 200)}`,
        { schema, query: text },
      );
    }
    if (tx.open && tx.begun) return { kind: 'ddl', ...at, schema, query: text, position: null };
    return { kind: 'ddl', ...at, schema, query: text, position: endTransaction(at.end) };
  }

  return {
    decode,
    get position() {
      return resume;
    },
  };
}
