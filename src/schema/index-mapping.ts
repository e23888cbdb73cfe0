// How each source index becomes a PostgreSQL index: one declarative table, first matching rule wins,
// the same shape as the type mapping and documented with it (docs/type-mapping.md#indexes). The
// rules keep PostgreSQL's limits in mind: a btree entry holds about 2,700 bytes, a tsvector 1 MB,
// and a hash index holds any length but one column, and cannot be unique. What the swap does when an
// index still cannot be built on the rows is connectors/postgres/swap.ts's job.
import { quotePg } from './identifiers.js';
import type { SourceIndex, SourceIndexPart } from './source-table.js';
import type { ColumnMapping } from './type-mapping.js';

/** A PostgreSQL index to build (connectors/postgres/swap.ts takes it as SwapIndex). */
export interface IndexDefinition {
  /** The index's name on the final table (the source index name). */
  name: string;
  unique: boolean;
  /** The columns it covers (the columns themselves are its keys unless `keys` says otherwise). */
  columns: readonly string[];
  /** Access method; btree when not given. */
  method?: 'btree' | 'hash' | 'gin';
  /** The keys as SQL over quoted columns, when they are not the columns: left("body", 20), "a" DESC. */
  keys?: readonly string[];
  /** How notices name it: "ft_body (FULLTEXT)"; the name when not given. */
  label?: string;
}

/** The PostgreSQL index for a source index, or why there is none; a notice when it differs in meaning. */
export interface IndexPlan {
  index?: IndexDefinition;
  /** Said in the stream's warnings: how the index differs from the source's, or why it is not built. */
  notice?: string;
}

export interface IndexRule {
  /** The source index kind as written in the docs. */
  source: string;
  /** The same, as MySQL DDL, for the docs. */
  example: string;
  /** What PostgreSQL gets, for the docs. */
  postgres: string;
  note: string;
  matches(index: SourceIndex, columns: ReadonlyMap<string, ColumnMapping>): boolean;
  plan(index: SourceIndex, columns: ReadonlyMap<string, ColumnMapping>): IndexPlan;
}

/** PostgreSQL's btree holds entries up to 2704 bytes (a third of an 8 kB page, less overhead). */
export const BTREE_ENTRY_BYTES = 2704;

/** The most bytes a column's value can take in UTF-8 (4 per character), or Infinity for the *TEXT and *BLOB types. */
export function maxValueBytes(m: ColumnMapping): number {
  const c = m.column;
  if (/text$|blob$|^json$/.test(c.dataType)) return Infinity;
  if (c.dataType === 'char' || c.dataType === 'varchar') return (c.maxLength ?? 1) * 4;
  if (c.dataType === 'binary' || c.dataType === 'varbinary') return c.maxLength ?? 1;
  return 0;
}

const json = (m: ColumnMapping | undefined) => m?.rule.encoder === 'json';

/** The key of one part: the column, its indexed prefix (characters for text, bytes for binary), its order. */
function partKey(part: SourceIndexPart, m: ColumnMapping | undefined): string {
  const q = quotePg(part.column);
  let key = q;
  if (json(m)) key = part.prefix === null ? `(${q}::text)` : `left(${q}::text, ${part.prefix})`;
  else if (part.prefix !== null)
    key = m?.rule.encoder === 'bytes' ? `substring(${q}, 1, ${part.prefix})` : `left(${q}, ${part.prefix})`;
  return part.descending ? `${key} DESC` : key;
}

const plain = (index: SourceIndex) => index.parts.every((p) => p.prefix === null && !p.descending);

const definition = (index: SourceIndex, shape: Partial<IndexDefinition>): IndexDefinition => ({
  name: index.name,
  unique: index.unique,
  columns: index.columns,
  ...shape,
});

export const INDEX_MAPPING: readonly IndexRule[] = [
  {
    source: 'SPATIAL',
    example: 'SPATIAL KEY (g)',
    postgres: 'not built',
    note: 'PostgreSQL has no index over EWKB bytes without PostGIS; with PostGIS, CREATE INDEX ... USING gist ((g::geometry))',
    matches: (i) => i.kind === 'spatial',
    plan: (i) => ({
      notice: `index ${i.name} (SPATIAL) not built: PostgreSQL without PostGIS cannot index geometries stored as EWKB`,
    }),
  },
  {
    source: 'FULLTEXT',
    example: 'FULLTEXT KEY (body), FULLTEXT KEY (title, body)',
    postgres: "GIN over to_tsvector('simple', body); several columns joined with spaces",
    note: "queries match it with to_tsvector('simple', body) @@ plainto_tsquery('simple', 'words'); a document whose tsvector exceeds 1 MB leaves the index unbuilt",
    matches: (i) => i.kind === 'fulltext',
    plan: (i) => {
      const text = i.columns.map((c) =>
        i.columns.length === 1 ? quotePg(c) : `coalesce(${quotePg(c)}, '')`,
      );
      return {
        index: definition(i, {
          unique: false,
          method: 'gin',
          keys: [`to_tsvector('simple', ${text.join(` || ' ' || `)})`],
          label: `${i.name} (FULLTEXT)`,
        }),
      };
    },
  },
  {
    source: 'an index over a JSON column',
    example: 'UNIQUE KEY (doc)',
    postgres: 'hash index on the column (btree on its text for several columns or a prefix), never unique',
    note: 'jsonb equality ignores key order and white space, so documents MariaDB keeps apart would collide in a unique index',
    matches: (i, columns) => i.columns.some((c) => json(columns.get(c))),
    plan: (i, columns) => {
      const alone = i.parts.length === 1 && i.parts[0]!.prefix === null;
      const index = alone
        ? definition(i, { unique: false, method: 'hash' })
        : definition(i, { unique: false, keys: i.parts.map((p) => partKey(p, columns.get(p.column))) });
      return {
        index,
        ...(i.unique
          ? {
              notice: `index ${i.name} is not unique in PostgreSQL: it covers a JSON column, and jsonb treats documents that differ only in key order or spacing as equal`,
            }
          : {}),
      };
    },
  },
  {
    source: 'HASH over long columns (MariaDB’s UNIQUE over TEXT or BLOB)',
    example: 'UNIQUE KEY (url_text)',
    postgres: 'hash index on the first column, not unique',
    note: 'a btree cannot hold values over 2,704 bytes and a hash index cannot be unique; uniqueness stays the source’s job',
    matches: (i, columns) =>
      i.kind === 'hash' &&
      plain(i) &&
      i.columns.some((c) => {
        const m = columns.get(c);
        return m !== undefined && maxValueBytes(m) > BTREE_ENTRY_BYTES;
      }),
    plan: (i) => ({
      index: definition(i, { unique: false, method: 'hash', columns: [i.columns[0]!] }),
      ...(i.unique
        ? {
            notice: `index ${i.name} is not unique in PostgreSQL: its values can be longer than a btree holds, so it is a hash index on ${i.columns[0]}`,
          }
        : {}),
    }),
  },
  {
    source: 'BTREE (and HASH over short columns), whole columns or prefixes',
    example: 'KEY (a, b DESC), UNIQUE KEY (code(3), tag(3)), KEY (body(20)), KEY (data(10))',
    postgres:
      'btree, unique when the source’s is; a prefix of a text column as left(col, n) (characters), of a binary one as substring(col, 1, n) (bytes)',
    note: 'when a value is too long for the btree, a one-column index becomes a hash index and any other is not built; duplicates PostgreSQL sees make a unique index a plain one (a notice names the index)',
    matches: () => true,
    plan: (i, columns) =>
      plain(i)
        ? { index: definition(i, {}) }
        : { index: definition(i, { keys: i.parts.map((p) => partKey(p, columns.get(p.column))) }) },
  },
];

/** The PostgreSQL indexes of a table's source indexes, over the columns a stream copies. */
export function targetIndexes(
  indexes: readonly SourceIndex[],
  mappings: readonly ColumnMapping[],
): { indexes: IndexDefinition[]; notices: string[] } {
  const bySource = new Map(mappings.map((m) => [m.column.name, m]));
  // The rules work on the target's columns: each index part names its column's targetName.
  const columns = new Map(mappings.map((m) => [m.targetName, m]));
  const out: IndexDefinition[] = [];
  const notices: string[] = [];
  for (const source of indexes) {
    if (!source.columns.every((c) => bySource.has(c))) continue;
    const target = (c: string) => bySource.get(c)!.targetName;
    const index: SourceIndex = {
      ...source,
      columns: source.columns.map(target),
      parts: source.parts.map((p) => ({ ...p, column: target(p.column) })),
    };
    const rule = INDEX_MAPPING.find((r) => r.matches(index, columns))!;
    const plan = rule.plan(index, columns);
    if (plan.index) out.push(plan.index);
    if (plan.notice) notices.push(plan.notice);
  }
  return { indexes: out, notices };
}
