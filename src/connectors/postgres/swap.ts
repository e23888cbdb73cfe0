// Puts a finished staging table in place of a table, inside the caller's transaction, for every
// caller (full refresh, Spark copy, transform models): readers see the old rows or the new ones.
// The staging table gets the key and indexes first (named as the final table's); then it replaces
// the table by rename. When views (the user's, or ferry's own models) depend on the table, a rename
// would leave them on the old one, so the table is kept and its rows are replaced instead: new
// columns are added, columns the staging lacks stay (NULL from now on), the views keep working.
// An index PostgreSQL cannot build on the rows (a value too long for a btree, duplicates under
// PostgreSQL's equality) is replaced by a lesser one or left out, with a notice; so is a primary key
// too long for a btree, whose rows are then found by a hash index on its first column.
import { identifier, qualifiedPg, quotePg } from '../../schema/identifiers.js';
import type { IndexDefinition } from '../../schema/index-mapping.js';
import type { Queryable } from './connect.js';
import { sqlState } from './server-error.js';
import { hasDependentViews, readTargetColumns, relationKind, type TargetColumn } from './ddl.js';

/**
 * An index of the final table (named for the source index), built on staging under a derived name:
 * btree over the columns unless `method` and `keys` say otherwise (schema/index-mapping.ts).
 */
export type SwapIndex = IndexDefinition;

export interface SwapSpec {
  schema: string;
  /** The table (or view, for transform models) being replaced; created when missing. */
  table: string;
  staging: string;
  /** Primary key columns, built on staging before the swap ([] for none). */
  primaryKey: readonly string[];
  indexes: readonly SwapIndex[];
  /**
   * When views depend on the table and the staging table's columns differ from it: true adds the
   * new columns and keeps the missing ones (NULL from now on); false refuses.
   */
  keepChangedColumns: boolean;
  /** A view of the same name may be replaced (transform models that were views). */
  replaceView: boolean;
  /** The error to throw when the swap cannot be done, given why (the caller's kind, with a hint). */
  refuse: (why: string) => Error;
  /**
   * The error to throw when PostgreSQL refuses a step (the primary key, dropping the old table, ...),
   * given the step ("building the primary key (id)") and the server's error; the server's error when not given.
   */
  failed?: (step: string, error: unknown) => unknown;
  /** Called as each step starts ("building index idx_orders_customer"), for progress reports. */
  onStep?: (step: string) => void;
}

export interface SwapResult {
  /** rename: the staging table became the table; rows: views depend on it, its rows were replaced. */
  how: 'rename' | 'rows';
  /** Columns added to a kept table. */
  added: string[];
  /** Indexes (and a primary key) built otherwise than asked, or not at all: each names it and says why. */
  notices: string[];
  /** Seconds spent building the primary key and indexes on staging, and replacing the table by it. */
  seconds: { keys: number; swap: number };
}

const since = (started: number) => (performance.now() - started) / 1000;

/** Built on the staging table; the final name is restored after the rename. */
const stagedName = (staging: string, name: string) => identifier(`${staging}_${name}`);

/** The index that stands in for a primary key too long for a btree: a hash index on its first column. */
const KEY_INDEX = 'key_hash';

/**
 * What to build instead when PostgreSQL cannot build an index on the rows, by SQLSTATE: 54000 (a key
 * longer than a btree entry, a tsvector over 1 MB), 23505 (rows PostgreSQL's equality finds equal).
 * undefined: leave the index out. `does` says the same for docs/type-mapping.md.
 */
export const WHEN_BUILD_FAILS: Readonly<
  Record<string, { why: string; does: string; instead(index: SwapIndex): SwapIndex | undefined }>
> = {
  '54000': {
    why: 'a value is too long for it',
    does: 'a btree over one whole column becomes a hash index (equality lookups only); any other index is not built',
    instead: (i) =>
      (i.method ?? 'btree') === 'btree' && i.keys === undefined && i.columns.length === 1
        ? { ...i, unique: false, method: 'hash' }
        : undefined,
  },
  '23505': {
    why: 'PostgreSQL finds rows equal that the source keeps apart',
    does: 'a unique index is built as a plain one',
    instead: (i) => (i.unique ? { ...i, unique: false } : undefined),
  },
};
const INDEX_FAILURES = new Set(Object.keys(WHEN_BUILD_FAILS));
/** A primary key has a stand-in only when it is too long; duplicates or NULLs in it are the caller's error. */
const KEY_FAILURES = new Set(['54000']);

function indexSql(schema: string, table: string, name: string, index: SwapIndex): string {
  const keys = index.keys ?? index.columns.map(quotePg);
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quotePg(name)} ON ${qualifiedPg(schema, table)} USING ${index.method ?? 'btree'} (${keys.join(', ')})`;
}

interface BuildFailure {
  state: string;
  message: string;
}

/** Runs one build in a savepoint: undefined when it worked; a failure of the given SQLSTATEs is rolled back and returned, others thrown. */
async function attempt(
  db: Queryable,
  sql: string,
  allowed: ReadonlySet<string>,
): Promise<BuildFailure | undefined> {
  await db.query('SAVEPOINT ferry_build');
  try {
    await db.query(sql);
  } catch (error) {
    const state = sqlState(error);
    if (!state || !allowed.has(state)) throw error;
    await db.query('ROLLBACK TO SAVEPOINT ferry_build');
    return { state, message: (error as Error).message };
  } finally {
    await db.query('RELEASE SAVEPOINT ferry_build').catch(() => undefined);
  }
  return undefined;
}

/** How the lesser index differs, for the notice. */
function instead(next: SwapIndex, previous: SwapIndex): string {
  const hash = next.method === 'hash' && previous.method !== 'hash';
  const plain = previous.unique && !next.unique;
  if (hash) return `built as a hash index${plain ? ', not unique' : ''} (equality lookups only)`;
  return plain ? 'built as a plain index, not unique' : `built as a ${next.method ?? 'btree'} index`;
}

/** Builds an index on staging, or what WHEN_BUILD_FAILS says instead; returns the index built, if any. */
async function buildIndex(
  db: Queryable,
  spec: SwapSpec,
  index: SwapIndex,
  notices: string[],
): Promise<SwapIndex | undefined> {
  const label = index.label ?? index.name;
  for (let next: SwapIndex | undefined = index; next;) {
    const sql = indexSql(spec.schema, spec.staging, stagedName(spec.staging, index.name), next);
    const failed = await attempt(db, sql, INDEX_FAILURES);
    if (!failed) return next;
    const rule = WHEN_BUILD_FAILS[failed.state]!;
    const lesser = rule.instead(next);
    notices.push(
      lesser
        ? `index ${label}: ${rule.why} (${failed.message}); ${instead(lesser, next)}`
        : `index ${label} not built: ${rule.why} (${failed.message}); queries run without it`,
    );
    next = lesser;
  }
  return undefined;
}

/** The primary key on staging, or KEY_INDEX for a key too long for a btree: says which was built. */
async function buildPrimaryKey(db: Queryable, spec: SwapSpec, notices: string[]): Promise<'pkey' | 'index'> {
  const { schema, staging, primaryKey } = spec;
  const failed = await attempt(
    db,
    `ALTER TABLE ${qualifiedPg(schema, staging)} ADD CONSTRAINT ${quotePg(stagedName(staging, 'pkey'))} PRIMARY KEY (${primaryKey.map(quotePg).join(', ')})`,
    KEY_FAILURES,
  );
  if (!failed) return 'pkey';
  const first = primaryKey[0]!;
  await db.query(
    indexSql(schema, staging, stagedName(staging, KEY_INDEX), {
      name: KEY_INDEX,
      unique: false,
      method: 'hash',
      columns: [first],
    }),
  );
  notices.push(
    `primary key (${primaryKey.join(', ')}): ${WHEN_BUILD_FAILS[failed.state]!.why} (${failed.message}); the table has no primary key constraint, a hash index on ${first} finds its rows, and merges match rows by the key`,
  );
  return 'index';
}

/** Runs one step of the swap; PostgreSQL's refusal becomes the caller's error (SwapSpec.failed). */
async function step<T>(spec: SwapSpec, name: string, work: () => Promise<T>): Promise<T> {
  spec.onStep?.(name);
  try {
    return await work();
  } catch (error) {
    throw spec.failed ? spec.failed(name, error) : error;
  }
}

export async function swapTable(db: Queryable, spec: SwapSpec): Promise<SwapResult> {
  const { schema, table, staging } = spec;
  const kind = await relationKind(db, schema, table);
  if (kind === 'r' && (await hasDependentViews(db, schema, table))) return replaceRows(db, spec);

  const notices: string[] = [];
  const keysStarted = performance.now();
  const key =
    spec.primaryKey.length > 0
      ? await step(spec, `building the primary key (${spec.primaryKey.join(', ')})`, () =>
          buildPrimaryKey(db, spec, notices),
        )
      : undefined;
  const built: SwapIndex[] = [];
  for (const index of spec.indexes) {
    const done = await step(spec, `building index ${index.label ?? index.name}`, () =>
      buildIndex(db, spec, index, notices),
    );
    if (done) built.push(done);
  }
  const keys = since(keysStarted);
  const swapStarted = performance.now();
  if (kind === 'v') {
    if (!spec.replaceView) throw spec.refuse(`${schema}.${table} is a view, not a table`);
    if (await hasDependentViews(db, schema, table))
      throw spec.refuse(`${schema}.${table} cannot be replaced because views depend on it`);
  } else if (kind !== undefined && kind !== 'r')
    throw spec.refuse(`${schema}.${table} exists and is neither a table nor a view`);
  await step(spec, `replacing ${schema}.${table} by the new copy`, async () => {
    if (kind === 'v') await db.query(`DROP VIEW ${qualifiedPg(schema, table)}`);
    else if (kind === 'r') await db.query(`DROP TABLE ${qualifiedPg(schema, table)}`);
    await db.query(`ALTER TABLE ${qualifiedPg(schema, staging)} RENAME TO ${quotePg(table)}`);
    if (key === 'pkey')
      await db.query(
        `ALTER TABLE ${qualifiedPg(schema, table)} RENAME CONSTRAINT ${quotePg(stagedName(staging, 'pkey'))} TO ${quotePg(identifier(`${table}_pkey`))}`,
      );
    const names = [...(key === 'index' ? [KEY_INDEX] : []), ...built.map((i) => i.name)];
    for (const name of names)
      await db.query(
        `ALTER INDEX ${qualifiedPg(schema, stagedName(staging, name))} RENAME TO ${quotePg(identifier(`${table}_${name}`))}`,
      );
  });
  return { how: 'rename', added: [], notices, seconds: { keys, swap: since(swapStarted) } };
}

async function replaceRows(db: Queryable, spec: SwapSpec): Promise<SwapResult> {
  const { schema, table, staging } = spec;
  const before = (await readTargetColumns(db, schema, table)) ?? [];
  const after = (await readTargetColumns(db, schema, staging)) ?? [];
  const added = after.filter((c) => !before.some((b) => b.name === c.name));
  const missing = before.filter((b) => !after.some((c) => c.name === b.name));
  const retyped = after.filter((c) => before.some((b) => b.name === c.name && b.pgType !== c.pgType));
  const changed = added.length > 0 || missing.length > 0 || retyped.length > 0;
  if ((changed && !spec.keepChangedColumns) || retyped.length > 0)
    throw spec.refuse(
      `views depend on ${schema}.${table} and its columns changed (${describeChange(added, missing, retyped)})`,
    );
  const started = performance.now();
  await step(spec, `replacing the rows of ${schema}.${table}`, async () => {
    for (const c of added)
      await db.query(`ALTER TABLE ${qualifiedPg(schema, table)} ADD COLUMN ${quotePg(c.name)} ${c.pgType}`);
    const columns = after.map((c) => quotePg(c.name)).join(', ');
    await db.query(`TRUNCATE ${qualifiedPg(schema, table)}`);
    await db.query(
      `INSERT INTO ${qualifiedPg(schema, table)} (${columns}) SELECT ${columns} FROM ${qualifiedPg(schema, staging)}`,
    );
    await db.query(`DROP TABLE ${qualifiedPg(schema, staging)}`);
  });
  // the table's own indexes are updated by the INSERT: their cost is in the swap
  return {
    how: 'rows',
    added: added.map((c) => c.name),
    notices: [],
    seconds: { keys: 0, swap: since(started) },
  };
}

function describeChange(added: TargetColumn[], missing: TargetColumn[], retyped: TargetColumn[]): string {
  return [
    added.length > 0 ? `new column(s) ${added.map((c) => c.name).join(', ')}` : '',
    missing.length > 0 ? `column(s) gone: ${missing.map((c) => c.name).join(', ')}` : '',
    retyped.length > 0 ? `type changed: ${retyped.map((c) => c.name).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
