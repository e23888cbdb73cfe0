// Checks that need other rows (unique, relationship) or PostgreSQL (expression) run as SQL over the
// rows already loaded into the staging or temporary table, inside the transaction that publishes them.
import type { PgClient } from '../connectors/postgres/connect.js';
import { ConfigError, messageOf } from '../errors.js';
import type { SetCheckSpec } from './check-plan.js';
import type { Failure } from '../schema/row-outcome.js';
import { DELETED_AT, identifier, qualifiedPg, quotePg } from '../schema/identifiers.js';
import { loadedRowJson } from '../state/quarantine.js';

export interface LoadedRows {
  /** Quoted, qualified name of the table holding the rows just loaded. */
  relation: string;
  /** True: it holds the whole new table (full refresh); false: rows merged into the target (incremental, replay). */
  whole: boolean;
}

export interface SetCheckScope {
  client: PgClient;
  targetSchema: string;
  stream: string;
  targetTable: string;
  /** Key columns by their source names (the names quarantine entries store). */
  primaryKey: readonly string[];
  /** A column's name in the target tables, given its source name. */
  columnOf: (name: string) => string;
}

export interface Violation {
  /** Primary-key values as PostgreSQL text, in key order. */
  key: string[];
  failures: Failure[];
}

const SHOWN = 60;
const shown = (v: string | null) =>
  v === null ? 'NULL' : JSON.stringify(v.length > SHOWN ? v.slice(0, SHOWN - 3) + '...' : v);

async function relationExists(client: PgClient, relation: string): Promise<boolean> {
  const { rows } = await client.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [relation]);
  return rows[0]?.r !== null && rows[0]?.r !== undefined;
}

/** Rows of the loaded table failing each set check, keyed by their primary key. */
export async function findViolations(
  scope: SetCheckScope,
  loaded: LoadedRows,
  specs: readonly SetCheckSpec[],
): Promise<{ violations: Map<string, Violation>; warnings: string[] }> {
  const violations = new Map<string, Violation>();
  const warnings: string[] = [];
  if (specs.length === 0) return { violations, warnings };
  const { client } = scope;
  const key = scope.primaryKey.map((k) => quotePg(scope.columnOf(k)));
  const keyList = key.map((k) => `l.${k}::text`).join(', ');
  const target = qualifiedPg(scope.targetSchema, scope.targetTable);
  const add = (key: string[], failure: Failure) => {
    const id = JSON.stringify(key);
    const entry = violations.get(id);
    if (entry) entry.failures.push(failure);
    else violations.set(id, { key, failures: [failure] });
  };
  const failure = (spec: SetCheckSpec, message: string): Failure => ({
    check: spec.name,
    code: spec.kind,
    column: spec.column,
    severity: spec.severity,
    message,
  });

  for (const spec of specs) {
    let sql: string;
    let describe: (value: string | null) => string;
    switch (spec.kind) {
      case 'unique': {
        const c = quotePg(scope.columnOf(spec.column));
        const within = `SELECT ARRAY[${keyList}] AS k, l.${c}::text AS v, 'batch' AS place FROM (SELECT l.*, row_number() OVER (PARTITION BY l.${c} ORDER BY ${key.map((k) => `l.${k}`).join(', ')}) AS ferry_n FROM ${loaded.relation} l WHERE l.${c} IS NOT NULL) l WHERE l.ferry_n > 1`;
        const againstTarget =
          !loaded.whole && (await relationExists(client, target))
            ? ` UNION ALL SELECT ARRAY[${keyList}], l.${c}::text, 'target' FROM ${loaded.relation} l WHERE l.${c} IS NOT NULL AND EXISTS (SELECT 1 FROM ${target} t WHERE t.${c} = l.${c} AND t.${quotePg(DELETED_AT)} IS NULL AND NOT EXISTS (SELECT 1 FROM ${loaded.relation} l2 WHERE ${key.map((k) => `l2.${k} = t.${k}`).join(' AND ')}))`
            : '';
        sql = within + againstTarget;
        describe = (v) => `${shown(v)} is not unique`;
        break;
      }
      case 'relationship': {
        const c = quotePg(scope.columnOf(spec.column));
        const parents: string[] = [];
        const parentTable = qualifiedPg(scope.targetSchema, spec.parentStream);
        const self = spec.parentStream === scope.targetTable;
        if (self) parents.push(loaded.relation);
        if (!(self && loaded.whole)) {
          if (await relationExists(client, parentTable)) parents.push(parentTable);
          else if (!self) {
            warnings.push(
              `check ${spec.name} skipped: the parent table ${scope.targetSchema}.${spec.parentStream} does not exist yet (sync ${spec.parentStream} first)`,
            );
            continue;
          }
        }
        // The parent's column, named as the user wrote it; a name too long for PostgreSQL is mapped.
        const pc = quotePg(identifier(spec.parentColumn));
        sql = `SELECT ARRAY[${keyList}] AS k, l.${c}::text AS v FROM ${loaded.relation} l WHERE l.${c} IS NOT NULL AND ${parents.map((p) => `NOT EXISTS (SELECT 1 FROM ${p} p WHERE p.${pc} = l.${c})`).join(' AND ')}`;
        describe = (v) => `${shown(v)} not found in ${spec.parentStream}.${spec.parentColumn}`;
        break;
      }
      case 'expression':
        sql = `SELECT ARRAY[${keyList}] AS k, NULL::text AS v FROM ${loaded.relation} l WHERE NOT (${spec.sql})`;
        describe = () => `is false: ${spec.sql}`;
        break;
    }
    let rows: { k: string[]; v: string | null }[];
    try {
      ({ rows } = await client.query<{ k: string[]; v: string | null }>(sql));
    } catch (error) {
      throw new ConfigError(
        `check ${spec.name} of stream ${scope.stream} failed in PostgreSQL: ${messageOf(error)}`,
        [],
        {
          hint:
            spec.kind === 'expression'
              ? 'the expression must be a PostgreSQL boolean expression over the columns of the target table'
              : `check that the columns of ${spec.name} exist in the target tables and have comparable types`,
          cause: error,
        },
      );
    }
    for (const row of rows) add(row.k, failure(spec, describe(row.v)));
  }
  return { violations, warnings };
}

/** Deletes rows by primary key from the loaded table; returns each deleted row as jsonb (target form). */
export async function deleteRows(
  scope: SetCheckScope,
  loaded: LoadedRows,
  keys: readonly string[][],
): Promise<Map<string, Record<string, unknown>>> {
  const deleted = new Map<string, Record<string, unknown>>();
  if (keys.length === 0) return deleted;
  const columns = scope.primaryKey.map((k) => `l.${quotePg(scope.columnOf(k))}::text`).join(', ');
  const arrays = scope.primaryKey.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const params = scope.primaryKey.map((_, i) => keys.map((k) => k[i]!));
  const { rows } = await scope.client.query<{ k: string[]; r: Record<string, unknown> }>(
    `DELETE FROM ${loaded.relation} l WHERE (${columns}) IN (SELECT * FROM unnest(${arrays}))
     RETURNING ARRAY[${columns}] AS k, ${loadedRowJson('l')} AS r`,
    params,
  );
  for (const row of rows) deleted.set(JSON.stringify(row.k), row.r);
  return deleted;
}
