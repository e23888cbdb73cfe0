// DDL in the binlog is a barrier for change data capture: the batch before it commits, then each
// stream whose table the statement names is brought along in one transaction with the checkpoints
// moved past the statement. No DDL parser: the statement only says which tables to look at (its
// verb and names, and the columns it renames); what changed is read from the source's catalog right
// after the statement, and the binlog's table maps (binlog_row_metadata=FULL) check that it still
// matches at the next rows. Followed: TRUNCATE (the target is emptied, or its rows marked deleted;
// the stream's quarantine entries are superseded), columns added (added to the target, and filled
// from the source where existing rows got a default: column-backfill.ts), columns dropped (kept,
// NULL from now on), types widened in place when no value can be lost (replication/widen.ts: int
// to bigint, a longer varchar), a type change PostgreSQL's column already holds (tinyint to
// smallint), index changes (nothing to do), all under sync.schema_changes. Stopped with what to do:
// a dropped or renamed table, a renamed column, a changed primary key, another type change.
import type { PgClient } from '../../connectors/postgres/connect.js';
import { connectMysql } from '../../connectors/mysql/connect.js';
import { introspectTables } from '../../connectors/mysql/introspect.js';
import { readTargetColumns } from '../../connectors/postgres/ddl.js';
import { ConfigError, SchemaError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { DELETED_AT, qualifiedPg, quotePg } from '../../schema/identifiers.js';
import type { FerryState } from '../../state/ferry-state.js';
import type { TableMap } from '../../connectors/mysql/binlog/events.js';
import { tableMapDifferences } from '../../connectors/mysql/binlog/table-shape.js';
import type { SourceTable } from '../../schema/source-table.js';
import { addColumns, checkSchemaPolicy, diffSchema } from '../schema-evolution.js';
import { widenColumns, type TypeChange } from '../widen.js';
import { globMatches, mappingsFor, planStreams, type StreamPlan } from '../stream-plan.js';
import { backfillColumns, needsBackfill } from './column-backfill.js';
import type { CdcProject } from './session.js';

const NAME = '(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))';
const QUALIFIED = `(?:${NAME}\\s*\\.\\s*)?${NAME}`;

function unquote(m: RegExpExecArray, at: number): string | undefined {
  const v = m[at] ?? m[at + 1];
  return v?.replace(/``/g, '`');
}

export type DdlVerb = 'alter' | 'truncate' | 'rename' | 'drop' | 'index' | 'other';

export interface DdlTarget {
  verb: DdlVerb;
  table: string;
  /** For RENAME: the new name. */
  renamedTo?: string;
  /** For ALTER: columns it renames (RENAME COLUMN a TO b, CHANGE a b ...), [from, to]. */
  renamedColumns?: [string, string][];
}

/** The columns an ALTER TABLE statement's text renames. */
function renamedColumns(rest: string): [string, string][] {
  const out: [string, string][] = [];
  const pairs = [
    new RegExp(`\\bRENAME\\s+COLUMN\\s+(?:IF\\s+EXISTS\\s+)?${NAME}\\s+TO\\s+${NAME}`, 'gi'),
    new RegExp(`\\bCHANGE\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?${NAME}\\s+${NAME}`, 'gi'),
  ];
  for (const pattern of pairs)
    for (const m of rest.matchAll(pattern)) {
      const from = unquote(m, 1)!;
      const to = unquote(m, 3)!;
      // column names are case-insensitive: CHANGE a A is a type change, not a rename
      if (from.toLowerCase() !== to.toLowerCase()) out.push([from, to]);
    }
  return out;
}

/** The tables of the source database a statement names, with what it does to them. */
export function parseDdlTargets(query: string, defaultSchema: string, database: string): DdlTarget[] {
  const q = query.replace(/\/\*.*?\*\//gs, ' ').trim();
  const inDb = (schema: string | undefined) => (schema ?? defaultSchema) === database;
  const out: DdlTarget[] = [];
  let m: RegExpExecArray | null;
  if (
    (m = new RegExp(
      `^ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)*TABLE\\s+(?:IF\\s+EXISTS\\s+)?${QUALIFIED}`,
      'i',
    ).exec(q))
  ) {
    if (inDb(unquote(m, 1))) {
      const rest = q.slice(m[0].length);
      const columns = renamedColumns(rest);
      // ALTER TABLE t RENAME [TO|AS] t2 (not RENAME COLUMN / INDEX / KEY / CONSTRAINT)
      const renamed = new RegExp(
        `\\bRENAME\\s+(?!(?:COLUMN|INDEX|KEY|CONSTRAINT)\\b)(?:(?:TO|AS)\\s+)?${QUALIFIED}`,
        'i',
      ).exec(rest);
      out.push({
        verb: renamed ? 'rename' : 'alter',
        table: unquote(m, 3)!,
        ...(renamed ? { renamedTo: unquote(renamed, 3)! } : {}),
        ...(columns.length > 0 ? { renamedColumns: columns } : {}),
      });
    }
  } else if ((m = new RegExp(`^TRUNCATE\\s+(?:TABLE\\s+)?${QUALIFIED}`, 'i').exec(q))) {
    if (inDb(unquote(m, 1))) out.push({ verb: 'truncate', table: unquote(m, 3)! });
  } else if (/^RENAME\s+TABLES?\s/i.test(q)) {
    const pair = new RegExp(`${QUALIFIED}\\s+TO\\s+${QUALIFIED}`, 'gi');
    for (const p of q.replace(/^RENAME\s+TABLES?\s+/i, '').matchAll(pair)) {
      const arr = p;
      if (inDb(unquote(arr, 1)))
        out.push({ verb: 'rename', table: unquote(arr, 3)!, renamedTo: unquote(arr, 7)! });
    }
  } else if (/^DROP\s+(?:TEMPORARY\s+)?TABLES?\s/i.test(q)) {
    const list = q.replace(/^DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?/i, '');
    for (const p of list.matchAll(new RegExp(QUALIFIED, 'g'))) {
      const arr = p;
      const name = unquote(arr, 3);
      if (name && !/^(RESTRICT|CASCADE)$/i.test(name) && inDb(unquote(arr, 1)))
        out.push({ verb: 'drop', table: name });
    }
  } else if (
    (m = new RegExp(
      `^(?:CREATE|DROP)\\s+(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX\\s.*?\\sON\\s+${QUALIFIED}`,
      'is',
    ).exec(q))
  ) {
    if (inDb(unquote(m, 1))) out.push({ verb: 'index', table: unquote(m, 3)! });
  }
  return out;
}

export type DdlOutcome =
  | { kind: 'same' }
  | { kind: 'replan'; plan: StreamPlan; added: string[]; dropped: string[] }
  | { kind: 'stop'; reason: string; hint: string };

export interface DdlContext {
  project: CdcProject;
  state: FerryState;
  runId: number;
  /** The session's writer, inside the transaction that also moves the checkpoints. */
  writer: PgClient;
  plan: StreamPlan;
  target: DdlTarget;
  query: string;
  logger: Logger;
}

/**
 * Brings one stream's target along with a statement on its table, inside the caller's transaction
 * (in a savepoint: a stream that stops leaves its target as it was).
 */
export async function followDdl(ctx: DdlContext): Promise<DdlOutcome> {
  await ctx.writer.query('SAVEPOINT ferry_ddl');
  const outcome = await evolve(ctx);
  await ctx.writer.query(
    outcome.kind === 'stop' ? 'ROLLBACK TO SAVEPOINT ferry_ddl' : 'RELEASE SAVEPOINT ferry_ddl',
  );
  return outcome;
}

async function evolve(ctx: DdlContext): Promise<DdlOutcome> {
  const { plan, writer, target } = ctx;
  const schema = plan.targetSchema;
  const resync = `take a new snapshot of the stream: ferry sync --full-refresh --streams ${plan.name}`;
  const statement = ctx.query.slice(0, 120);
  if (target.verb === 'truncate') {
    if (plan.deletes === 'hard') await writer.query(`TRUNCATE ${qualifiedPg(schema, plan.targetTable)}`);
    else if (plan.deletes === 'soft')
      await writer.query(
        `UPDATE ${qualifiedPg(schema, plan.targetTable)} SET ${quotePg(DELETED_AT)} = now() WHERE ${quotePg(DELETED_AT)} IS NULL`,
      );
    // the rows set aside are gone from the source too, as a full refresh would find
    if (plan.deletes !== 'ignore')
      await ctx.state.quarantine.settleChanged(
        writer,
        { targetSchema: schema, stream: plan.targetTable, runId: ctx.runId },
        null,
        [],
        `TRUNCATE in the source (change data capture run ${ctx.runId})`,
      );
    return { kind: 'same' };
  }
  if (target.verb === 'drop')
    return {
      kind: 'stop',
      reason: `${plan.table.name} was dropped in the source (${statement})`,
      hint:
        'the target table is kept as it was; remove the stream from ferry.yaml, or recreate the table and ' +
        resync,
    };
  if (target.verb === 'rename')
    return {
      kind: 'stop',
      reason: `${plan.table.name} was renamed in the source${target.renamedTo ? ` to ${target.renamedTo}` : ''}`,
      hint: `point the stream at the new name (table: in ferry.yaml, keeping target_table: ${plan.targetTable}) and ${resync}`,
    };
  if (target.renamedColumns?.length)
    return {
      kind: 'stop',
      reason: `${target.renamedColumns.map(([from, to]) => `${plan.table.name}.${from} was renamed to ${to}`).join(', ')} in the source (${statement})`,
      hint: `ferry does not carry a column's values over to its new name by itself: ${resync} (the target's column ${target.renamedColumns[0]![0]} then gives way to ${target.renamedColumns[0]![1]})`,
    };
  let now: StreamPlan | undefined;
  try {
    now = await catalogPlan(ctx);
  } catch (error) {
    if (error instanceof OutgrownConfig) return error.outcome;
    throw error;
  }
  if (!now) return { kind: 'stop', reason: `${plan.table.name} is gone from the source`, hint: resync };
  return evolveTo(ctx, now);
}

/** The stream as the source's catalog has it now (undefined when the table is gone). */
async function catalogPlan(ctx: EvolveContext): Promise<StreamPlan | undefined> {
  const { project, plan } = ctx;
  const probe = await connectMysql(project.source);
  try {
    const tables = await introspectTables(probe, project.source.database, [plan.table.name]);
    // only the rules that can match this table: another stream's literal table is no concern here
    const rules = project.streams.filter((r) => globMatches(r.table, plan.table.name));
    return planStreams(rules, tables, [plan.table.name])[0];
  } catch (error) {
    throw outgrown(error, plan);
  } finally {
    await probe.end().catch(() => undefined);
  }
}

export type EvolveContext = Omit<DdlContext, 'target' | 'query'>;

/**
 * A table map that differs from the table the stream expects: the binlog describes the table as
 * it was when its rows were written, the catalog as it is now (later statements included). The
 * stream follows the map: the catalog's columns that the map has, in the map's order, with the
 * catalog's details (a column the catalog no longer has, or whose type changed since, stops it).
 * Runs inside the caller's transaction, in a savepoint.
 */
export async function followTableMap(ctx: EvolveContext, map: TableMap): Promise<DdlOutcome> {
  await ctx.writer.query('SAVEPOINT ferry_ddl');
  const outcome = await toTableMap(ctx, map);
  await ctx.writer.query(
    outcome.kind === 'stop' ? 'ROLLBACK TO SAVEPOINT ferry_ddl' : 'RELEASE SAVEPOINT ferry_ddl',
  );
  return outcome;
}

async function toTableMap(ctx: EvolveContext, map: TableMap): Promise<DdlOutcome> {
  try {
    return await followMap(ctx, map);
  } catch (error) {
    if (error instanceof OutgrownConfig) return error.outcome;
    throw error;
  }
}

/**
 * The stream's rules no longer fit the table the source has now (an override names a column that
 * was dropped, a type override the new type cannot take): that stream stops with the reason and
 * what to change, the others go on, as a sync would refuse the same ferry.yaml.
 */
class OutgrownConfig extends Error {
  constructor(readonly outcome: DdlOutcome & { kind: 'stop' }) {
    super(outcome.reason);
  }
}

function outgrown(error: unknown, plan: StreamPlan): unknown {
  if (!(error instanceof ConfigError)) return error;
  return new OutgrownConfig({
    kind: 'stop',
    reason: `ferry.yaml no longer fits ${plan.table.name} as the source has it now: ${[error.message, ...error.problems].join('; ')}`,
    hint: `change the stream in ferry.yaml, then take a new snapshot of it: ferry sync --full-refresh --streams ${plan.name}`,
  });
}

async function followMap(ctx: EvolveContext, map: TableMap): Promise<DdlOutcome> {
  const { plan } = ctx;
  const resync = `take a new snapshot of the stream: ferry sync --full-refresh --streams ${plan.name}`;
  const current = await catalogPlan(ctx);
  if (!current) return { kind: 'stop', reason: `${plan.table.name} is gone from the source`, hint: resync };
  const byName = new Map(current.table.columns.map((c) => [c.name, c]));
  const names = map.columns.map((c) => c.name ?? '');
  const gone = names.filter((n) => !byName.has(n));
  if (gone.length > 0)
    return {
      kind: 'stop',
      reason: `rows of ${plan.table.name} in the binlog have column${gone.length > 1 ? 's' : ''} ${gone.join(', ')}, which the source no longer has (dropped or renamed since they were written): ferry cannot tell where their values belong now`,
      hint: resync,
    };
  const table: SourceTable = {
    ...current.table,
    columns: names.map((n, i) => ({ ...byName.get(n)!, position: i + 1 })),
    primaryKey: map.primaryKey.map((i) => names[i]!),
  };
  const differences = tableMapDifferences(map, table);
  if (differences.length > 0)
    return {
      kind: 'stop',
      reason: `the binlog has ${plan.table.name} as the source no longer describes it (${differences.join('; ')}): the table changed again since these rows were written`,
      hint: resync,
    };
  const rules = ctx.project.streams.filter((r) => globMatches(r.table, plan.table.name));
  let now: StreamPlan;
  try {
    now = planStreams(rules, [table], [plan.table.name])[0]!;
  } catch (error) {
    throw outgrown(error, plan);
  }
  return evolveTo(ctx, now);
}

/**
 * Brings the stream from its plan to `now`: the primary key must stay; target columns whose type
 * changed stop it; columns new to the target are added, and every column new to the stream whose
 * definition gives existing rows a value is filled from the source (again, if it left the stream
 * and came back: the rows written meanwhile lack it).
 */
async function evolveTo(ctx: EvolveContext, now: StreamPlan): Promise<DdlOutcome> {
  const { project, plan, writer } = ctx;
  const schema = plan.targetSchema;
  const resync = `take a new snapshot of the stream: ferry sync --full-refresh --streams ${plan.name}`;
  if (now.table.primaryKey.join(',') !== plan.table.primaryKey.join(','))
    return {
      kind: 'stop',
      reason: `the primary key of ${plan.table.name} changed from (${plan.table.primaryKey.join(', ')}) to (${now.table.primaryKey.join(', ')})`,
      hint: resync,
    };
  const mappings = mappingsFor(now);
  const existing = (await readTargetColumns(writer, schema, plan.targetTable)) ?? [];
  const diff = diffSchema(mappings, existing);
  // The sync's schema_changes policy: evolve adds columns and widens types that cannot lose a value
  // (replication/widen.ts) in place; any other type change, and anything under fail, stops the
  // stream (a cdc stream is rebuilt by a new snapshot, not in place).
  let policy: { rebuild: boolean; widen: TypeChange[] };
  try {
    policy = checkSchemaPolicy(plan.name, diff, project.sync.schema_changes, ctx.logger);
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    return { kind: 'stop', reason: error.message, hint: resync };
  }
  if (policy.rebuild) {
    const c = diff.changed[0]!;
    return {
      kind: 'stop',
      reason: `${plan.table.name}.${c.mapping.column.name} changed from ${c.was} to ${c.mapping.pgType}, which needs a rebuild (sync.schema_changes: rebuild)`,
      hint: resync,
    };
  }
  if (policy.widen.length > 0) {
    const widened = await widenColumns(writer, { schema, table: plan.targetTable }, policy.widen);
    ctx.logger.info({ stream: plan.name }, `${plan.name}: ${widened.summary}`);
  }
  const shape = (p: StreamPlan) => JSON.stringify([p.table.columns, p.table.primaryKey]);
  if (diff.added.length === 0 && shape(now) === shape(plan)) return { kind: 'same' };
  await addColumns(writer, schema, plan.targetTable, diff.added, ctx.logger);
  // What the stream wrote so far: its columns that the target has (a stream planned from the
  // catalog at its start may name columns the target does not have yet).
  const inTarget = new Set(existing.map((c) => c.name));
  const before = new Set(
    mappingsFor(plan)
      .map((m) => m.targetName)
      .filter((n) => inTarget.has(n)),
  );
  const entering = mappings.filter((m) => !before.has(m.targetName) && needsBackfill(m));
  if (entering.length > 0) {
    let nulled;
    try {
      ({ nulled } = await backfillColumns({
        source: project.source,
        writer,
        targetSchema: schema,
        plan: now,
        mappings,
        added: entering,
        policies: project.sync,
      }));
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      return { kind: 'stop', reason: error.message, hint: resync };
    }
    await ctx.state.quarantine.recordValueChanges(
      writer,
      { targetSchema: schema, stream: plan.targetTable, runId: ctx.runId },
      nulled,
    );
  }
  return {
    kind: 'replan',
    plan: now,
    added: mappings.filter((m) => !before.has(m.targetName)).map((m) => m.column.name),
    dropped: [...before].filter((n) => !mappings.some((m) => m.targetName === n)),
  };
}
