// What the binlog reader yields: kind-tagged plain objects, one per binlog event that matters to
// change data capture, with the positions a consumer checkpoints and the table maps row events use.
import type { SourceRow } from '../../../schema/row-outcome.js';

/**
 * A place in a server's binary log. `gtid` is a MariaDB GTID position ("0-1-105,1-2-7": the last
 * transaction of each replication domain) or a MySQL executed GTID set ("uuid:1-105"); `file` and
 * `position` are the binlog file and the byte offset of the next event. Either may be null when the
 * server does not have it (no GTID on MySQL without gtid_mode; no file when starting from a GTID
 * before the first rotation).
 */
export interface BinlogPosition {
  file: string | null;
  position: number | null;
  gtid: string | null;
}

/** One column of a table map, as the binlog describes it (binlog_row_metadata=FULL). */
export interface BinlogColumn {
  /** Null when the server logs no column names (binlog_row_metadata is not FULL). */
  name: string | null;
  /** The binlog's type code (MYSQL_TYPE_*), for ENUM/SET/CHAR the real type from the metadata. */
  typeCode: number;
  /** The binlog type in words: tinyint, varchar, newdecimal, datetime2, enum, blob, ... */
  type: string;
  nullable: boolean;
  /** For integer and decimal types; null when the binlog does not say (no optional metadata). */
  unsigned: boolean | null;
  /** Collation id of character columns (63 is binary); null for other types. */
  collation: number | null;
  /** Character set of character columns as the server names it (utf8mb4, latin1, binary). */
  charset: string | null;
  /** Longest value in bytes (CHAR, VARCHAR, BINARY), length-prefix bytes for BLOB/TEXT/JSON/GEOMETRY. */
  length: number | null;
  /** DECIMAL precision and scale; BIT width in bits (precision). */
  precision: number | null;
  scale: number | null;
  /** Fractional-second digits of TIME/DATETIME/TIMESTAMP. */
  fsp: number | null;
  /** ENUM and SET members in definition order. */
  members: readonly string[] | null;
  /** Why ferry cannot decode this column exactly; undefined when it can. */
  undecodable?: string;
}

/** A TABLE_MAP event: the table a row event refers to, with the columns as the binlog has them now. */
export interface TableMap {
  /** The server's table id; it changes after DDL or when the table cache evicts the table. */
  id: number;
  schema: string;
  table: string;
  columns: readonly BinlogColumn[];
  /** Primary-key column indexes in key order (FULL metadata), empty when none or not logged. */
  primaryKey: readonly number[];
  /** Why rows of this table cannot be decoded exactly; row events then arrive as `error` events. */
  undecodable?: string;
  /** How the table differs from the one the consumer expects (the reader's `expect` option). */
  differences?: readonly string[];
}

interface At {
  /** Seconds since the epoch when the server wrote the event (whole seconds). */
  timestamp: number;
  /** Binlog file of the event; null until the server has named it. */
  file: string | null;
  /** Offset of the next event in `file`. */
  end: number;
}

/** A transaction starts: a GTID event (MariaDB, MySQL) or a BEGIN without GTIDs. */
export interface BeginEvent extends At {
  kind: 'begin';
  /** The transaction's own GTID ("0-1-106" or "uuid:106"); null without GTIDs. */
  gtid: string | null;
  /** A standalone event group (DDL): no COMMIT follows, the `ddl` event ends it. */
  standalone: boolean;
}

export interface TableEvent extends At {
  kind: 'table';
  table: TableMap;
}

export interface InsertEvent extends At {
  kind: 'insert';
  table: TableMap;
  rows: SourceRow[];
}

export interface DeleteEvent extends At {
  kind: 'delete';
  table: TableMap;
  rows: SourceRow[];
}

export interface UpdateEvent extends At {
  kind: 'update';
  table: TableMap;
  rows: { before: SourceRow; after: SourceRow }[];
}

/** A transaction ends. `position` is where to resume after it: the only safe checkpoint. */
export interface CommitEvent extends At {
  kind: 'commit';
  /** XID for InnoDB, QUERY "COMMIT" for non-transactional engines. */
  via: 'xid' | 'query';
  position: BinlogPosition;
}

/** A statement outside row events: DDL (CREATE, ALTER, TRUNCATE, ...). It is a transaction boundary. */
export interface DdlEvent extends At {
  kind: 'ddl';
  /** The session's default database when the statement ran (may be empty). */
  schema: string;
  query: string;
  /** Where to resume after it; null when the statement is inside a transaction (CREATE ... SELECT). */
  position: BinlogPosition | null;
}

export interface RotateEvent extends At {
  kind: 'rotate';
  /** The file reading continues in, and the offset in it. */
  next: { file: string; position: number };
}

/** The server is alive and has nothing to send (or skipped events): it is at `file`:`end`. */
export interface HeartbeatEvent extends At {
  kind: 'heartbeat';
}

export type BinlogErrorCode =
  | 'statement_format' // a DML statement logged as a statement, not as rows
  | 'row_image' // a row event without every column (binlog_row_image is not FULL)
  | 'no_metadata' // a table map without column names (binlog_row_metadata is not FULL)
  | 'undecodable' // a column ferry cannot decode exactly (see TableMap.undecodable)
  | 'table_mismatch' // the table map is not the table the consumer expects (TableMap.differences)
  | 'rows_mismatch' // a row event's bytes do not fit its table map
  | 'partial_rollback' // ROLLBACK (TO SAVEPOINT) after changes to non-transactional tables
  | 'xa' // an XA transaction: its rows become visible at a later XA COMMIT
  | 'compressed' // MySQL transaction compression, or a MariaDB compressed event that does not inflate
  | 'partial_json' // MySQL binlog_row_value_options=PARTIAL_JSON
  | 'incident'; // the server logged an incident: events may be missing

/**
 * Something in the stream that ferry cannot follow exactly. The reader never decodes such events
 * silently; the consumer decides (stop the stream with `message`, or ignore an untracked table).
 */
export interface ErrorEvent extends At {
  kind: 'error';
  code: BinlogErrorCode;
  message: string;
  /** The table concerned, when known. */
  table?: TableMap;
  schema?: string;
  query?: string;
}

export type RowsEvent = InsertEvent | UpdateEvent | DeleteEvent;

export type BinlogEvent =
  BeginEvent | TableEvent | RowsEvent | CommitEvent | DdlEvent | RotateEvent | HeartbeatEvent | ErrorEvent;
