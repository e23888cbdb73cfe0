// DDL in the binlog is a barrier for change data capture: the batch before it commits, then each
// stream whose table the statement names is brought along in one transaction with the checkpoints
// moved past the statement. No DDL parser: the statement only says which tables to look at (its
// verb and names); what changed is read from the source's catalog right after the statement, and
// the binlog's table maps (binlog_row_metadata=FULL) check that it still matches at the next rows.
// Followed: TRUNCATE (the target is emptied, or its rows marked deleted), columns added (added to
// the target), columns dropped (kept, NULL from now on), index changes (nothing to do). Stopped with
// what to do: a dropped or renamed table, a changed primary key, a changed column type.
import type { PgClient } from '../../connectors/postgres/connect.js';
import { connectMysql } from '../../connectors/mysql/connect.js';
import { introspectTables } from '../../connectors/mysql/introspect.js';
import { readTargetColumns } from '../../connectors/postgres/ddl.js';
import type { Logger } from '../../observability/logger.js';
import { DELETED_AT, qualifiedPg, quotePg } from '../../schema/identifiers.js';
import { addColumns, diffSchema } from '../schema-evolution.js';
import { mappingsFor, planStreams, type StreamPlan } from '../stream-plan.js';
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
    if (inDb(unquote(m, 1)))
      out.push({
        verb: /\bRENAME\s+(?:TO|AS)?\s/i.test(q.slice(m[0].length)) ? 'rename' : 'alter',
        table: unquote(m, 3)!,
      });
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
  /** The session's writer, inside the transaction that also moves the checkpoints. */
  writer: PgClient;
  plan: StreamPlan;
  target: DdlTarget;
  query: string;
  logger: Logger;
}

/** Brings one stream's target along with a statement on its table (inside the caller's transaction). */
export async function followDdl(ctx: DdlContext): Promise<DdlOutcome> {
  const { project, plan, writer, target } = ctx;
  const schema = project.targetSchema;
  const resync = `take a new snapshot of the stream: ferry sync --full-refresh --streams ${plan.name}`;
  if (target.verb === 'truncate') {
    if (plan.deletes === 'hard') await writer.query(`TRUNCATE ${qualifiedPg(schema, plan.targetTable)}`);
    else if (plan.deletes === 'soft')
      await writer.query(
        `UPDATE ${qualifiedPg(schema, plan.targetTable)} SET ${quotePg(DELETED_AT)} = now() WHERE ${quotePg(DELETED_AT)} IS NULL`,
      );
    return { kind: 'same' };
  }
  if (target.verb === 'drop')
    return {
      kind: 'stop',
      reason: `${plan.table.name} was dropped in the source (${ctx.query.slice(0, 120)})`,
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
  // The table's columns and key as the source has them now.
  const probe = await connectMysql(project.source);
  let now: StreamPlan | undefined;
  try {
    const tables = await introspectTables(probe, project.source.database, [plan.table.name]);
    now = planStreams(project.streams, tables, [plan.table.name])[0];
  } finally {
    await probe.end().catch(() => undefined);
  }
  if (!now) return { kind: 'stop', reason: `${plan.table.name} is gone from the source`, hint: resync };
  if (now.table.primaryKey.join(',') !== plan.table.primaryKey.join(','))
    return {
      kind: 'stop',
      reason: `the primary key of ${plan.table.name} changed from (${plan.table.primaryKey.join(', ')}) to (${now.table.primaryKey.join(', ')})`,
      hint: resync,
    };
  const mappings = mappingsFor(now);
  const existing = (await readTargetColumns(writer, schema, plan.targetTable)) ?? [];
  const diff = diffSchema(mappings, existing);
  if (diff.changed.length > 0) {
    const c = diff.changed[0]!;
    return {
      kind: 'stop',
      reason: `${plan.table.name}.${c.mapping.column.name} changed from ${c.was} to ${c.mapping.pgType}`,
      hint: resync,
    };
  }
  const before = plan.table.columns.map((c) => c.name).join(',');
  if (diff.added.length === 0 && now.table.columns.map((c) => c.name).join(',') === before)
    return { kind: 'same' };
  await addColumns(writer, schema, plan.targetTable, diff.added, ctx.logger);
  return {
    kind: 'replan',
    plan: now,
    added: diff.added.map((m) => m.column.name),
    dropped: plan.table.columns
      .map((c) => c.name)
      .filter((n) => !now.table.columns.some((c) => c.name === n)),
  };
}
