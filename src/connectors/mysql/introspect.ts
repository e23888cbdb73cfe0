// Reads tables, columns, keys and indexes of a MySQL/MariaDB schema from information_schema, and
// names the relations it does not return (views, sequences) so that the plan can say so.
import type { MysqlConnection } from './connect.js';
import type {
  SkippedRelation,
  SourceColumn,
  SourceIndex,
  SourceIndexKind,
  SourceTable,
} from '../../schema/source-table.js';

type Row = Record<string, unknown>;

const str = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'bigint'
        ? v.toString()
        : JSON.stringify(v);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** ENUM('a','b''c') / SET(...) members, unescaped, in definition order. */
export function parseMembers(columnType: string): string[] | null {
  const match = /^(?:enum|set)\((.*)\)$/is.exec(columnType);
  if (!match) return null;
  const members: string[] = [];
  const body = match[1]!;
  let i = 0;
  while (i < body.length) {
    if (body[i] !== "'") {
      i++;
      continue;
    }
    let value = '';
    i++;
    while (i < body.length) {
      const c = body[i]!;
      if (c === "'" && body[i + 1] === "'") {
        value += "'";
        i += 2;
      } else if (c === '\\' && i + 1 < body.length) {
        value += body[i + 1];
        i += 2;
      } else if (c === "'") {
        i++;
        break;
      } else {
        value += c;
        i++;
      }
    }
    members.push(value);
  }
  return members;
}

/** Table types ferry copies: base tables, and MariaDB's system-versioned ones (their current rows). */
const TABLE_TYPES = ['BASE TABLE', 'SYSTEM VERSIONED'];

const INDEX_KINDS: Record<string, SourceIndexKind> = {
  BTREE: 'btree',
  HASH: 'hash',
  FULLTEXT: 'fulltext',
  SPATIAL: 'spatial',
  RTREE: 'spatial',
};

/** Tables of a schema (optionally only the named ones), with columns, primary key and indexes. */
export async function introspectTables(
  connection: MysqlConnection,
  schema: string,
  tableNames?: readonly string[],
): Promise<SourceTable[]> {
  const [tableRows] = await connection.query(
    `SELECT TABLE_NAME AS name, TABLE_ROWS AS estimated, ENGINE AS engine, TABLE_TYPE AS type
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN (?)
      ORDER BY TABLE_NAME`,
    [schema, TABLE_TYPES],
  );
  const wanted = tableNames ? new Set(tableNames) : undefined;
  const tables = (tableRows as Row[]).filter((r) => !wanted || wanted.has(str(r.name)));
  if (tables.length === 0) return [];

  const [columnRows] = await connection.query(
    `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, ORDINAL_POSITION AS position, DATA_TYPE AS dataType,
            COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, CHARACTER_MAXIMUM_LENGTH AS maxLength,
            NUMERIC_PRECISION AS numPrecision, NUMERIC_SCALE AS numScale, DATETIME_PRECISION AS fsp,
            CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation, COLUMN_DEFAULT AS defaultValue,
            EXTRA AS extra, COLUMN_COMMENT AS comment, GENERATION_EXPRESSION AS generation
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ?
      ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema],
  );
  const [indexRows] = await connection.query(
    `SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, SEQ_IN_INDEX AS seq,
            SUB_PART AS subPart, INDEX_TYPE AS kind, COLLATION AS ordering
       FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ?
      ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [schema],
  );

  // MariaDB stores JSON as LONGTEXT with a json_valid() check; treat those columns as JSON.
  const jsonColumns = await mariadbJsonColumns(connection, schema);

  const columnsByTable = new Map<string, SourceColumn[]>();
  for (const r of columnRows as Row[]) {
    const columnType = str(r.columnType).toLowerCase();
    const declared = str(r.dataType).toLowerCase();
    const dataType =
      declared === 'longtext' && jsonColumns.has(`${str(r.tbl)}\u0000${str(r.name)}`) ? 'json' : declared;
    const extra = str(r.extra);
    const column: SourceColumn = {
      name: str(r.name),
      position: Number(r.position),
      dataType,
      columnType,
      nullable: str(r.nullable) === 'YES',
      unsigned: /\bunsigned\b/.test(columnType),
      maxLength: num(r.maxLength),
      precision: num(r.numPrecision),
      scale: num(r.numScale),
      fsp: num(r.fsp),
      charset: r.charset == null ? null : str(r.charset),
      collation: r.collation == null ? null : str(r.collation),
      members: dataType === 'enum' || dataType === 'set' ? parseMembers(str(r.columnType)) : null,
      generated: /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(extra) || str(r.generation) !== '',
      defaultValue: r.defaultValue == null ? null : str(r.defaultValue),
      extra,
      comment: str(r.comment),
    };
    const list = columnsByTable.get(str(r.tbl)) ?? [];
    list.push(column);
    columnsByTable.set(str(r.tbl), list);
  }

  // MySQL 8's functional key parts have no column: such an index cannot be rebuilt from columns.
  const functional = new Set(
    (indexRows as Row[]).filter((r) => r.col == null).map((r) => `${str(r.tbl)}\u0000${str(r.name)}`),
  );
  const indexesByTable = new Map<string, Map<string, SourceIndex>>();
  for (const r of (indexRows as Row[]).filter((r) => !functional.has(`${str(r.tbl)}\u0000${str(r.name)}`))) {
    const table = str(r.tbl);
    const byName = indexesByTable.get(table) ?? new Map<string, SourceIndex>();
    const name = str(r.name);
    const index: SourceIndex = byName.get(name) ?? {
      name,
      unique: Number(r.nonUnique) === 0,
      columns: [],
      kind: INDEX_KINDS[str(r.kind).toUpperCase()] ?? 'btree',
      parts: [],
    };
    index.columns.push(str(r.col));
    index.parts.push({ column: str(r.col), prefix: num(r.subPart), descending: str(r.ordering) === 'D' });
    byName.set(name, index);
    indexesByTable.set(table, byName);
  }

  return tables.map((t) => {
    const name = str(t.name);
    const indexes = [...(indexesByTable.get(name)?.values() ?? [])];
    const primary = indexes.find((i) => i.name === 'PRIMARY');
    return {
      schema,
      name,
      columns: columnsByTable.get(name) ?? [],
      primaryKey: primary ? [...primary.columns] : [],
      indexes: indexes.filter((i) => i.name !== 'PRIMARY'),
      estimatedRows: Number(t.estimated ?? 0),
      engine: t.engine == null ? null : str(t.engine),
      systemVersioned: str(t.type) === 'SYSTEM VERSIONED',
    };
  });
}

/** The relations of a schema that introspectTables leaves out: views, sequences, and anything else. */
export async function introspectSkipped(
  connection: MysqlConnection,
  schema: string,
): Promise<SkippedRelation[]> {
  const [rows] = await connection.query(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE NOT IN (?) ORDER BY TABLE_NAME`,
    [schema, TABLE_TYPES],
  );
  return (rows as Row[]).map((r) => {
    const tableType = str(r.type);
    const kind = /VIEW/.test(tableType) ? 'view' : tableType === 'SEQUENCE' ? 'sequence' : 'other';
    return { name: str(r.name), kind, tableType };
  });
}

async function mariadbJsonColumns(connection: MysqlConnection, schema: string): Promise<Set<string>> {
  const found = new Set<string>();
  try {
    const [rows] = await connection.query(
      `SELECT TABLE_NAME AS tbl, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = ? AND CHECK_CLAUSE LIKE 'json_valid(%'`,
      [schema],
    );
    for (const r of rows as Row[]) {
      const match = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(str(r.clause).trim());
      if (match) found.add(`${str(r.tbl)}\u0000${match[1]!.replace(/``/g, '`')}`);
    }
  } catch {
    // MySQL before 8.0.16 has no CHECK_CONSTRAINTS table; its JSON type is reported as json anyway.
  }
  return found;
}
