// Everything quality does for one stream run, compiled once: the row gate used while encoding, the
// set checks and deduplication on the loaded rows before they are published, resolving earlier
// quarantine entries after, and the counts for the run summary.
import type { PgClient } from '../connectors/postgres/connect.js';
import { ConfigError } from '../errors.js';
import { targetNameOf, type ColumnMapping } from '../schema/type-mapping.js';
import { planChecks, type CheckPlan } from './check-plan.js';
import { duplicateFailure, removeDuplicates } from './dedup.js';
import { CheckFailedError, CheckTally, type CheckCount } from './failure.js';
import { recordMaker } from './quarantine-record.js';
import { compileRowChecks } from './row-checks.js';
import { createRowGate } from './row-gate.js';
import { deleteRows, findViolations, type LoadedRows, type SetCheckScope } from './set-checks.js';
import {
  type Failure,
  type RowGate,
  type SetAsideRow,
  type SourceRow,
  describeFailures,
} from '../schema/row-outcome.js';
import type { QuarantineTables } from '../state/quarantine.js';
import type { CheckRule, DedupRule } from './check-rules.js';

/** What quality needs to know of a stream (a StreamPlan has it). */
export interface QualityStream {
  name: string;
  targetTable: string;
  table: { primaryKey: string[] };
  cursor: string | undefined;
  checks: readonly CheckRule[];
  dedup: DedupRule | undefined;
}

export interface Settled {
  /** Rows taken out of the loaded table and quarantined (set checks and duplicates). */
  quarantined: number;
  warnings: string[];
}

/** Where the rows found by set checks go: new quarantine entries (a sync) or back to their entries (a replay). */
export type SettleHow =
  | { original: OriginalRows }
  | { setAside: (rows: { key: string[]; failures: Failure[] }[]) => Promise<void>; dedup: false };

export interface StreamQuality {
  gate: RowGate;
  /** Before publishing, in the same transaction: deduplication and set checks on the loaded rows. */
  settle(client: PgClient, loaded: LoadedRows, runId: number, how: SettleHow): Promise<Settled>;
  /**
   * After publishing, same transaction: earlier entries of rows loaded or quarantined again are
   * resolved. `loadRuns`: the runs whose chunks a resumed full load holds (their entries stay).
   */
  resolveEarlier(
    client: PgClient,
    published: LoadedRows,
    runId: number,
    loadRuns: readonly number[],
  ): Promise<number>;
  /** Rows loaded with warnings, and rows per check. */
  counts(): { rowsWarned: number; checks: CheckCount[] };
}

/** Original rows by primary key (the key's values as text, JSON-encoded array). */
export type OriginalRows = (keys: readonly string[][]) => Promise<Map<string, SourceRow>>;

export function compileQuality(
  stream: QualityStream,
  mappings: readonly ColumnMapping[],
  targetSchema: string,
  quarantine: QuarantineTables,
): StreamQuality {
  const names = mappings.map((m) => m.column.name);
  const primaryKey = stream.table.primaryKey.filter((k) => names.includes(k));
  const plan: CheckPlan = planChecks(stream.name, stream.checks, names);
  const dedup = stream.dedup ? { ...stream.dedup, cursor: stream.dedup.cursor ?? stream.cursor } : undefined;
  validate(stream, plan, names, primaryKey, dedup);
  const tally = new CheckTally();
  const records = recordMaker({ names, primaryKey });
  const checker = compileRowChecks(plan.row, { names, encoders: mappings.map((m) => m.rule.encoder) });
  const gate = createRowGate(
    stream.name,
    checker,
    tally,
    records.keyOf,
    primaryKey.map((k) => names.indexOf(k)),
  );
  const columnOf = (name: string) => targetNameOf(mappings, name);
  const scopeOf = (client: PgClient): SetCheckScope => ({
    client,
    targetSchema,
    stream: stream.name,
    targetTable: stream.targetTable,
    primaryKey,
    columnOf,
  });

  return {
    gate,
    async settle(client, loaded, runId, how) {
      const scope = scopeOf(client);
      let quarantined = 0;
      if (dedup?.cursor && !('dedup' in how)) {
        const removed = await removeDuplicates(
          scope,
          quarantine,
          loaded,
          { ...dedup, cursor: dedup.cursor },
          runId,
        );
        if (removed > 0) {
          tally.add(duplicateFailure(dedup), removed);
        }
        quarantined += removed;
      }
      const { violations, warnings } = await findViolations(scope, loaded, plan.set);
      const aside: { key: string[]; failures: Failure[] }[] = [];
      for (const v of violations.values()) {
        const fatal = v.failures.find((f) => f.severity === 'fail');
        if (fatal)
          throw new CheckFailedError(
            stream.name,
            fatal,
            Object.fromEntries(primaryKey.map((k, i) => [k, v.key[i]])),
          );
        for (const f of v.failures) tally.add(f);
        if (v.failures.some((f) => f.severity === 'quarantine')) aside.push(v);
        else tally.warnedRows++;
      }
      if (aside.length > 0 && 'setAside' in how) {
        await deleteRows(
          scope,
          loaded,
          aside.map((v) => v.key),
        );
        await how.setAside(aside);
        quarantined += aside.length;
      } else if (aside.length > 0 && 'original' in how) {
        const keys = aside.map((v) => v.key);
        const rows = await how.original(keys);
        const deleted = await deleteRows(scope, loaded, keys);
        const set: SetAsideRow[] = aside.map((v) => {
          const id = JSON.stringify(v.key);
          const row = rows.get(id);
          if (row) return records.setAside(row, v.failures);
          // Not found again (a binary key whose text differs): keep the loaded row as it was.
          return {
            primaryKey: Object.fromEntries(primaryKey.map((k, i) => [k, v.key[i]])),
            row: deleted.get(id) ?? {},
            reason: describeFailures(v.failures),
            failures: v.failures,
          };
        });
        await quarantine.add(client, { targetSchema, stream: stream.name, runId }, set);
        quarantined += set.length;
      }
      return { quarantined, warnings };
    },
    resolveEarlier(client, published, runId, loadRuns) {
      return quarantine.resolveEarlier(client, {
        targetSchema,
        stream: stream.name,
        runId,
        relation: published.relation,
        whole: published.whole,
        primaryKey,
        keyColumns: primaryKey.map(columnOf),
        loadRuns,
      });
    },
    counts() {
      return { rowsWarned: tally.warnedRows, checks: tally.list() };
    },
  };
}

function validate(
  stream: QualityStream,
  plan: CheckPlan,
  names: readonly string[],
  primaryKey: readonly string[],
  dedup: (DedupRule & { cursor: string | undefined }) | undefined,
): void {
  const problems: string[] = [];
  if (plan.set.length > 0 && primaryKey.length === 0)
    problems.push(
      `streams (${stream.name}): checks ${plan.set.map((s) => s.name).join(', ')} need a primary key, and ${stream.name} has none`,
    );
  if (dedup) {
    for (const k of dedup.key)
      if (!names.includes(k))
        problems.push(`streams (${stream.name}): dedup.key: ${k} is not a column of ${stream.name}`);
    if (!dedup.cursor)
      problems.push(`streams (${stream.name}): dedup needs a cursor (dedup.cursor or the stream's cursor)`);
    else if (!names.includes(dedup.cursor))
      problems.push(
        `streams (${stream.name}): dedup.cursor: ${dedup.cursor} is not a column of ${stream.name}`,
      );
  }
  if (problems.length > 0)
    throw new ConfigError(`the checks of stream ${stream.name} cannot run`, problems, {
      hint: `columns of ${stream.name}: ${names.join(', ')}`,
    });
}
