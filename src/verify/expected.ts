// Which of a stream's differences the sync made on purpose: rows it quarantined and values it set to
// NULL. A record is matched to a differing row by the values the sync read from MySQL (what the
// record holds for rows set aside while they were read), or, for rows set aside after they were
// loaded (set checks; their record holds the target's values), by the canonical text PostgreSQL
// computes from the record. So keys of any type match, and rows of tables without a key too.
import type { PgClient } from '../connectors/postgres/connect.js';
import { storedValue } from '../quality/quarantine-record.js';
import { qualifiedPg } from '../schema/identifiers.js';
import { selectExpression } from '../schema/select-list.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import type { FerryState } from '../state/ferry-state.js';
import type { QuarantineEntry } from '../state/quarantine.js';
import { pgRowText } from './canonical.js';
import type { Side } from './table-side.js';

export interface ExpectedScope {
  state: FerryState;
  target: PgClient;
  schema: string;
  stream: string;
  /** The target table (its row type reads the records of loaded rows back). */
  table: string;
  /** The source side: it reads the differing rows' values as the sync read them. */
  source: Side;
  mappings: readonly ColumnMapping[];
  key: readonly ColumnMapping[];
}

/** How many differing rows are looked up at most; the rest stay differences. */
export const EXPECTED_LOOKUPS = 10_000;

const binaryOf = (mappings: readonly ColumnMapping[]) =>
  new Set(mappings.flatMap((m, i) => (m.rule.encoder === 'bytes' ? [i] : [])));

/** The record form of some columns' values: { base64 } for bytes and text with NUL, as the sync stored them. */
const recordForm = (values: readonly unknown[]) =>
  JSON.stringify(values.map((v) => storedValue(v as string | Buffer | null)));

const recordOf = (columns: readonly ColumnMapping[], record: Record<string, unknown> | null) =>
  JSON.stringify(columns.map((m) => record?.[m.column.name] ?? null));

/** key text -> the record form of the source row's key, for these differing keys. */
async function sourceKeys(scope: ExpectedScope, keys: readonly string[]): Promise<Map<string, string>> {
  const found = await scope.source.selectByKey(
    keys.slice(0, EXPECTED_LOOKUPS),
    scope.key.map(selectExpression),
    binaryOf(scope.key),
  );
  return new Map([...found].map(([k, values]) => [k, recordForm(values)]));
}

/** The canonical texts (key text, or row hash) PostgreSQL computes for loaded rows' records. */
async function canonicalOfLoaded(
  scope: ExpectedScope,
  rows: readonly Record<string, unknown>[],
  what: 'key' | 'hash',
): Promise<string[]> {
  if (rows.length === 0) return [];
  const text = what === 'key' ? pgRowText(scope.key, 'r') : `md5(${pgRowText(scope.mappings, 'r')})`;
  const { rows: found } = await scope.target.query<{ t: string }>(
    `SELECT ${text} AS t FROM jsonb_array_elements($1::jsonb) e(j),
            LATERAL jsonb_populate_record(NULL::${qualifiedPg(scope.schema, scope.table)}, e.j) r`,
    [JSON.stringify(rows)],
  );
  return found.map((r) => r.t);
}

async function entries(scope: ExpectedScope): Promise<QuarantineEntry[]> {
  return scope.state.quarantine.list(scope.target, { schema: scope.schema, stream: scope.stream });
}

/** Those of the missing keys whose rows are in quarantine. */
export async function quarantinedKeys(
  scope: ExpectedScope,
  missing: readonly string[],
): Promise<Set<string>> {
  if (missing.length === 0) return new Set();
  const all = await entries(scope);
  const read = new Set(
    all.filter((e) => e.rowForm === 'source').map((e) => recordOf(scope.key, e.primaryKey)),
  );
  const loaded = new Set(
    await canonicalOfLoaded(
      scope,
      all.filter((e) => e.rowForm === 'target').map((e) => e.row),
      'key',
    ),
  );
  const printed = await sourceKeys(scope, missing);
  return new Set(missing.filter((k) => loaded.has(k) || read.has(printed.get(k) ?? '')));
}

/** Those of the differing keys a value policy set a value of to NULL. */
export async function changedKeys(scope: ExpectedScope, different: readonly string[]): Promise<Set<string>> {
  if (different.length === 0) return new Set();
  const { nulled } = await scope.state.quarantine.expectedKeys(scope.target, scope.schema, scope.stream);
  const recorded = new Set(nulled.map((pk) => recordOf(scope.key, pk)));
  const printed = await sourceKeys(scope, different);
  return new Set(different.filter((k) => recorded.has(printed.get(k) ?? '')));
}

/** For a key-less table's missing rows (hash -> copies missing): how many copies of each are in quarantine. */
export async function quarantinedRows(
  scope: ExpectedScope,
  missing: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (missing.size === 0) return out;
  const all = await entries(scope);
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const read = new Map<string, number>();
  for (const e of all.filter((e) => e.rowForm === 'source')) count(read, recordOf(scope.mappings, e.row));
  const loaded = new Map<string, number>();
  const targetRows = all.filter((e) => e.rowForm === 'target').map((e) => e.row);
  for (const hash of await canonicalOfLoaded(scope, targetRows, 'hash')) count(loaded, hash);
  const rows = await scope.source.selectByHash(
    [...missing.keys()],
    scope.mappings.map(selectExpression),
    binaryOf(scope.mappings),
  );
  for (const [hash, copies] of missing) {
    const form = rows.get(hash)?.[0];
    const held = (loaded.get(hash) ?? 0) + (form ? (read.get(recordForm(form.values)) ?? 0) : 0);
    if (held > 0) out.set(hash, Math.min(copies, held));
  }
  return out;
}
