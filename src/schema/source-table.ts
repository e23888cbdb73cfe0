// ferry's own description of a source table, as introspection reads it from information_schema.
// Replication, verification and the type mapping all work from these plain objects.

export interface SourceColumn {
  name: string;
  /** 1-based position in the table. */
  position: number;
  /** information_schema.COLUMNS.DATA_TYPE, lower case: int, varchar, decimal, enum, json, ... */
  dataType: string;
  /** information_schema.COLUMNS.COLUMN_TYPE, lower case: "int(10) unsigned", "enum('a','b')", "tinyint(1)" */
  columnType: string;
  nullable: boolean;
  unsigned: boolean;
  /** Characters for text types (CHARACTER_MAXIMUM_LENGTH), bytes for binary ones. */
  maxLength: number | null;
  precision: number | null;
  scale: number | null;
  /** Fractional-second digits of DATETIME/TIMESTAMP/TIME (0-6). */
  fsp: number | null;
  charset: string | null;
  collation: string | null;
  /** ENUM and SET members, in definition order. */
  members: string[] | null;
  /** VIRTUAL or STORED generated column: its value is copied, its expression is not. */
  generated: boolean;
  defaultValue: string | null;
  extra: string;
  comment: string;
}

/** How the source server stores an index (information_schema.STATISTICS.INDEX_TYPE). */
export type SourceIndexKind = 'btree' | 'hash' | 'fulltext' | 'spatial';

export interface SourceIndexPart {
  column: string;
  /** Indexed prefix (SUB_PART): characters for text columns, bytes for binary ones; null for the whole column. */
  prefix: number | null;
  descending: boolean;
}

export interface SourceIndex {
  name: string;
  unique: boolean;
  /** The indexed columns, in index order (the same as parts' columns). */
  columns: string[];
  /** btree, hash (MEMORY tables, USING HASH, and MariaDB's UNIQUE over long columns), fulltext, spatial. */
  kind: SourceIndexKind;
  parts: SourceIndexPart[];
}

/** Relations of the source that ferry does not copy as tables: views and sequences. */
export interface SkippedRelation {
  name: string;
  kind: 'view' | 'sequence' | 'other';
  /** information_schema.TABLES.TABLE_TYPE as the server reports it. */
  tableType: string;
}

export interface SourceTable {
  /** Schema (database) name in MySQL. */
  schema: string;
  name: string;
  columns: SourceColumn[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
  indexes: SourceIndex[];
  /** information_schema.TABLES.TABLE_ROWS: an estimate. */
  estimatedRows: number;
  engine: string | null;
  /** MariaDB's WITH SYSTEM VERSIONING: selects read the current rows; the history is not copied. */
  systemVersioned: boolean;
}
