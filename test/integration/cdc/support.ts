// Helpers of the change-data-capture tests: the source transactions the binlog itself holds between
// two positions (what a ledger is checked against), the ledger as a map, verify run in-process,
// writers that keep committing until stopped, and bounded waits.
import type pg from 'pg';
import { connectMysql, type MysqlConnection } from '../../../src/connectors/mysql/connect.js';
import type { ConnectionSpec } from '../../../src/connectors/connection-spec.js';
import { openBinlogReader } from '../../../src/connectors/mysql/binlog/reader.js';
import type { FerryConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { verify, type VerifyReport } from '../../../src/verify/verify.js';
import { testProject } from '../../support/sync.js';
import { reached } from '../binlog/support.js';

/**
 * GTID -> row changes of each source transaction after `from` (a GTID position) up to the one that
 * completes `until`, counting only rows of tables in `schema` (transactions without any are left out).
 */
export async function binlogTransactions(
  spec: ConnectionSpec,
  schema: string,
  from: string,
  until: string,
  timeoutMs = 60_000,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (reached({ gtid: from, file: null, position: null }, until)) return out;
  const reader = await openBinlogReader(
    spec,
    { from: { gtid: from, file: null, position: null } },
    silentLogger(),
  );
  const timer = setTimeout(() => void reader.close(), timeoutMs);
  let done = false;
  try {
    let current: { gtid: string | null; rows: number } | undefined;
    for await (const event of reader.events) {
      if (event.kind === 'begin') current = { gtid: event.gtid, rows: 0 };
      else if (
        (event.kind === 'insert' || event.kind === 'update' || event.kind === 'delete') &&
        event.table.schema === schema &&
        current
      )
        current.rows += event.rows.length;
      else if (event.kind === 'commit' || (event.kind === 'ddl' && event.position)) {
        if (current?.gtid && current.rows > 0) out.set(current.gtid, current.rows);
        current = undefined;
        if (reached(event.position, until)) {
          done = true;
          break;
        }
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.close();
  }
  if (!done) throw new Error(`the binlog did not reach ${until} within ${timeoutMs} ms`);
  return out;
}

/** GTID -> row changes of each source transaction in a target schema's ledger. */
export async function ledgerTransactions(
  target: pg.Client,
  targetSchema: string,
): Promise<Map<string, number>> {
  const { rows } = await target.query<{ gtid: string; rows: string }>(
    'SELECT gtid, rows::text FROM _ferry.cdc_ledger WHERE target_schema = $1',
    [targetSchema],
  );
  return new Map(rows.map((r) => [r.gtid, Number(r.rows)]));
}

/** How a ledger differs from the binlog's transactions: empty lists when it holds each exactly once. */
export function ledgerDifferences(ledger: Map<string, number>, binlog: Map<string, number>) {
  const missing = [...binlog.keys()].filter((g) => !ledger.has(g));
  const extra = [...ledger.keys()].filter((g) => !binlog.has(g));
  const counted = [...binlog].filter(([g, n]) => ledger.has(g) && ledger.get(g) !== n).map(([g]) => g);
  return { missing: missing.slice(0, 5), extra: extra.slice(0, 5), miscounted: counted.slice(0, 5) };
}

export async function gtidNow(connection: MysqlConnection): Promise<string> {
  const [rows] = await connection.query('SELECT @@gtid_binlog_pos AS g');
  return String((rows as { g: string }[])[0]!.g);
}

/** The snapshot position a sync run recorded (its binlog GTID). */
export async function runGtid(target: pg.Client, runId: number): Promise<string> {
  const { rows } = await target.query<{ gtid: string }>('SELECT gtid FROM _ferry.runs WHERE run_id = $1', [
    runId,
  ]);
  return rows[0]!.gtid;
}

export async function verifyConfig(config: FerryConfig, streams?: string[]): Promise<VerifyReport> {
  return verify({
    ...testProject(config),
    ...(streams ? { streams } : {}),
    samples: 5,
    logger: silentLogger(),
    signal: new AbortController().signal,
  });
}

/** A verify report in a line per stream that differs (empty when in sync). */
export function verifyProblems(report: VerifyReport): string[] {
  return report.streams
    .filter((s) => s.status !== 'in_sync')
    .map(
      (s) =>
        `${s.stream}: ${s.status} (missing ${s.missing}, extra ${s.extra}, different ${s.different}; ${JSON.stringify(s.samples).slice(0, 300)})`,
    );
}

export interface Writers {
  /** Transactions committed so far. */
  readonly committed: number;
  /** Errors the writers met (each stops its writer). */
  readonly errors: string[];
  stop(): Promise<void>;
}

/** `count` connections each running `work` in a loop until stop() (a deadlock is rolled back and retried). */
export async function startWriters(
  spec: ConnectionSpec,
  count: number,
  work: (connection: MysqlConnection, writer: number, round: number) => Promise<void>,
): Promise<Writers> {
  const connections = await Promise.all(Array.from({ length: count }, () => connectMysql(spec)));
  let stopped = false;
  let committed = 0;
  const errors: string[] = [];
  const loops = connections.map(async (connection, writer) => {
    for (let round = 0; !stopped; round++) {
      try {
        await work(connection, writer, round);
        committed++;
      } catch (error) {
        // writers of the same rows deadlock now and then, as applications do: they try again
        if (/deadlock|lock wait timeout/i.test(String(error))) {
          await connection.query('ROLLBACK').catch(() => undefined);
          continue;
        }
        errors.push(String(error));
        return;
      }
    }
  });
  return {
    get committed() {
      return committed;
    },
    errors,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
    },
  };
}

/** Waits until `condition` holds, checking every `everyMs`; throws with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
