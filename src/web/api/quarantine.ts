// The Quarantine page: entries by stream, check and run, one entry's row and failures, and the two
// actions, replay and discard, through the code `ferry quarantine` runs (replication/replay.ts,
// state/quarantine.ts), so they land in the same run history and quarantine log.
import { replayQuarantine } from '../../replication/replay.js';
import type { QuarantineEntry, QuarantineFilter } from '../../state/quarantine.js';
import type {
  QuarantineDetailJson,
  QuarantineEntryJson,
  QuarantineJson,
  QuarantineSelection,
  ReplayJson,
} from '../api-types.js';
import { HttpError, type UiContext } from '../ui-context.js';

const LIST_LIMIT = 200;

const entryJson = (e: QuarantineEntry): QuarantineEntryJson => ({
  id: e.id,
  stream: e.stream,
  runId: e.runId,
  primaryKey: e.primaryKey,
  reason: e.reason,
  failures: e.failures,
  rowForm: e.rowForm,
  replayAttempts: e.replayAttempts,
  quarantinedAt: e.quarantinedAt.toISOString(),
});

const isPositive = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;

/** A filter from the page's query string or an action's body; anything malformed is a 400. */
export function filterOf(selection: QuarantineSelection): Omit<QuarantineFilter, 'schema'> {
  const filter: Omit<QuarantineFilter, 'schema'> = {};
  if (selection.stream !== undefined) {
    if (typeof selection.stream !== 'string' || selection.stream === '')
      throw new HttpError(400, 'stream must be a table name');
    filter.stream = selection.stream;
  }
  if (selection.run !== undefined) {
    if (!isPositive(selection.run)) throw new HttpError(400, 'run must be a positive number');
    filter.runId = selection.run;
  }
  if (selection.reason !== undefined) {
    if (typeof selection.reason !== 'string' || selection.reason === '')
      throw new HttpError(400, 'reason must be a reason code or a check name');
    filter.reason = selection.reason;
  }
  if (selection.ids !== undefined) {
    if (!Array.isArray(selection.ids) || selection.ids.length === 0 || !selection.ids.every(isPositive))
      throw new HttpError(400, 'ids must be a list of entry ids');
    filter.ids = selection.ids;
  }
  return filter;
}

export function selectionFromQuery(query: Record<string, string | undefined>): QuarantineSelection {
  const num = (v: string | undefined, what: string) => {
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new HttpError(400, `${what} must be a number`);
    return Number(v);
  };
  const text = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const selection: QuarantineSelection = {};
  const stream = text(query.stream);
  const reason = text(query.check ?? query.reason);
  const run = num(query.run, 'run');
  if (stream !== undefined) selection.stream = stream;
  if (reason !== undefined) selection.reason = reason;
  if (run !== undefined) selection.run = run;
  return selection;
}

export async function quarantineList(
  ctx: UiContext,
  selection: QuarantineSelection,
): Promise<QuarantineJson> {
  // every schema the streams use (target_schema:), as ferry quarantine list reads them
  const schema = ctx.orch.project.targetSchemas;
  const q = ctx.orch.state.quarantine;
  const filter = { ...filterOf(selection), schema };
  const [entries, counts, choices] = await Promise.all([
    q.list(ctx.target, filter, { limit: LIST_LIMIT }),
    q.count(ctx.target, filter),
    q.filterChoices(ctx.target, schema),
  ]);
  const total = await q.total(ctx.target, filter);
  return { entries: entries.map(entryJson), total, limit: LIST_LIMIT, counts, choices };
}

export async function quarantineEntry(ctx: UiContext, id: string): Promise<QuarantineDetailJson> {
  if (!/^[1-9]\d{0,17}$/.test(id)) throw new HttpError(400, 'an entry id is a positive number');
  const [entry] = await ctx.orch.state.quarantine.list(ctx.target, {
    schema: ctx.orch.project.targetSchemas,
    ids: [Number(id)],
  });
  if (!entry)
    throw new HttpError(
      404,
      `no quarantine entry ${id}`,
      `replayed and discarded entries are in ${ctx.orch.state.quarantine.where.log}`,
    );
  return { ...entryJson(entry), row: entry.row };
}

export async function replay(ctx: UiContext, selection: QuarantineSelection): Promise<ReplayJson> {
  const report = await replayQuarantine({
    project: ctx.orch.project,
    state: ctx.orch.state,
    filter: filterOf(selection),
    logger: ctx.logger,
    signal: ctx.signal,
  });
  return { runId: report.runId, streams: report.streams };
}

export async function discard(
  ctx: UiContext,
  selection: QuarantineSelection,
): Promise<{ discarded: number }> {
  const filter = filterOf(selection);
  if (Object.keys(filter).length === 0 && selection.all !== true)
    throw new HttpError(
      400,
      'discarding needs a filter',
      'name the entries (ids, stream, run or reason), or all: true',
    );
  if (selection.note !== undefined && typeof selection.note !== 'string')
    throw new HttpError(400, 'note must be text');
  const discarded = await ctx.orch.state.quarantine.discard(
    ctx.target,
    { ...filter, schema: ctx.orch.project.targetSchemas },
    selection.note ?? 'discarded in the web UI',
  );
  return { discarded };
}
