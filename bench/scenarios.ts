// The benchmark's scenarios, each returning plain figures for the report.
import { parseConfig } from '../src/config/load.js';
import { compileProject } from '../src/config/project.js';
import { ferryState } from '../src/state/ferry-state.js';
import { silentLogger } from '../src/observability/logger.js';
import { verify } from '../src/verify/verify.js';
import { sync } from '../src/replication/run.js';
import { sameChecksum, sourceChecksum, targetChecksum, type TableChecksum } from './checksum.js';
import { changeRows, ensureTable, sourceConnection, targetClient } from './data.js';
import { measure, median, type Measurement } from './measure.js';
import { withDatabase, type BenchSettings } from './settings.js';
import { ferryConfigText, ferryRunner, runPgloader, runPipe, type FerrySummary } from './tools.js';
import { runDlt, runSling, type Peer } from './peers.js';
import { cpuBetween, openServerProbe, type ServerCpu } from './server-cpu.js';
import { sourceColumns, targetTable, type SourceColumn, type TargetTable } from './target-types.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Log = (line: string) => void;

export interface ToolFigures {
  tool: string;
  runs: (Measurement & { serverCpu: ServerCpu })[];
  wall: number;
  cpu: number;
  peakMb: number;
  /** Loaded values equal the source's (checksum of canonical text) after every run. */
  checksumsMatch: boolean;
  /** Median CPU seconds of each server during the tool's runs. */
  serverCpu: ServerCpu;
  /** ferry only: the run time ferry reports (without process start), median. */
  runSeconds?: number;
  /** ferry only: the put-in-place of each run's full load (medians): key and index build, swap, the whole transaction. */
  putInPlace?: { keys: number; swap: number; total: number };
  /** ferry spark only: where each run's time went (medians), from the run summary. */
  spark?: { partitions: number; job: number; copy: number; plan: number; recheck: number; publish: number };
  /** The target table's types and key, read after the last run. */
  target?: TargetTable;
  /** Why the tool stopped (its runs before the failure are kept). */
  error?: string;
}

function figures(
  tool: string,
  runs: ToolFigures['runs'],
  checksumsMatch: boolean,
  extra: Partial<ToolFigures> = {},
): ToolFigures {
  const serverMedian = (key: keyof ServerCpu) => {
    const values = runs.map((r) => r.serverCpu[key]).filter((v): v is number => v !== undefined);
    return values.length ? { [key]: median(values) } : {};
  };
  return {
    tool,
    runs,
    wall: median(runs.map((r) => r.wallSeconds)),
    cpu: median(runs.map((r) => r.cpuSeconds)),
    peakMb: runs.length ? Math.max(...runs.map((r) => r.peakMb)) : NaN,
    checksumsMatch: checksumsMatch && runs.length > 0,
    serverCpu: { ...serverMedian('mariadb'), ...serverMedian('postgres'), ...serverMedian('spark') },
    ...(runs.length > 0 && runs.every((r) => 'summary' in r)
      ? { runSeconds: median(runs.map((r) => (r as unknown as { summary: FerrySummary }).summary.seconds)) }
      : {}),
    ...sparkProfile(runs),
    ...putInPlaceOf(runs),
    ...extra,
  };
}

/** The medians of the put-in-place timings, when the runs are ferry sync's full loads. */
function putInPlaceOf(runs: ToolFigures['runs']): Pick<ToolFigures, 'putInPlace'> {
  const timed = runs.map((r) => (r as unknown as { summary?: FerrySummary }).summary?.streams[0]?.putInPlace);
  if (runs.length === 0 || !timed.every((t) => t !== undefined)) return {};
  return {
    putInPlace: {
      keys: median(timed.map((t) => t.keys)),
      swap: median(timed.map((t) => t.swap)),
      total: median(timed.map((t) => t.total)),
    },
  };
}

/** The medians of the Spark copy's own profile, when the runs are ferry sync --engine spark's. */
function sparkProfile(runs: ToolFigures['runs']): Pick<ToolFigures, 'spark'> {
  const tables = runs.map((r) => (r as unknown as { summary?: FerrySummary }).summary?.tables?.[0]);
  if (runs.length === 0 || !tables.every((t) => t !== undefined)) return {};
  const of = (pick: (t: NonNullable<(typeof tables)[number]>) => number) =>
    median(tables.map((t) => pick(t)));
  return {
    spark: {
      partitions: tables[0]!.partitions,
      job: of((t) => t.jobSeconds),
      copy: of((t) => t.profile.copy),
      plan: of((t) => t.profile.plan),
      recheck: of((t) => t.profile.recheck),
      publish: of((t) => t.profile.publish),
    },
  };
}

async function checksumOf(settings: BenchSettings, schema: string, table: string): Promise<TableChecksum> {
  const c = await targetClient(settings, settings.database);
  try {
    return await targetChecksum(c, schema, table);
  } finally {
    await c.end();
  }
}

export async function sourceSum(settings: BenchSettings, table: string): Promise<TableChecksum> {
  const my = await sourceConnection(settings, settings.database);
  try {
    return await sourceChecksum(my, table);
  } finally {
    await my.end();
  }
}

/** The MariaDB column types of a benchmark table. */
export async function sourceTypes(settings: BenchSettings, table: string): Promise<SourceColumn[]> {
  const my = await sourceConnection(settings, settings.database);
  try {
    return await sourceColumns(my, table);
  } finally {
    await my.end();
  }
}

interface Runner {
  name: string;
  schema: string;
  run: () => Promise<Measurement>;
}

// A PostgreSQL backend ends a moment after its client exits; its CPU reaches the postmaster's
// counters once it has been reaped.
const REAP_MS = 200;

/** Every tool loads the same table, several runs each, the order rotated every round. */
export async function compareFullRefresh(
  settings: BenchSettings,
  table: string,
  tools: { pipe: boolean; pgloader: boolean; peers: Peer[]; spark: boolean },
  log: Log,
): Promise<ToolFigures[]> {
  const expected = await sourceSum(settings, table);
  const servers = await openServerProbe(settings);
  const ferry = ferryRunner(settings, 'ferry_full');
  const spark = ferryRunner(settings, 'ferry_spark');
  const runners: Runner[] = [
    { name: 'ferry', schema: 'ferry_full', run: () => ferry.sync(table, { fullRefresh: true }) },
  ];
  if (tools.spark)
    runners.push({
      name: 'ferry spark',
      schema: 'ferry_spark',
      run: () => spark.sync(table, { fullRefresh: true, engine: 'spark' }),
    });
  if (tools.pipe) runners.push({ name: 'raw pipe', schema: 'pipe', run: () => runPipe(settings, table) });
  if (tools.pgloader)
    runners.push({ name: 'pgloader', schema: 'pgloader', run: () => runPgloader(settings, table) });
  for (const peer of tools.peers)
    runners.push({
      name: peer.name,
      schema: peer.name,
      run:
        peer.name === 'sling' ? () => runSling(settings, table, peer) : () => runDlt(settings, table, peer),
    });
  const results = new Map(
    runners.map((r) => [
      r.name,
      { runs: [] as ToolFigures['runs'], match: true, error: undefined as string | undefined },
    ]),
  );
  try {
    for (let round = 0; round < settings.runs; round++) {
      for (let i = 0; i < runners.length; i++) {
        const runner = runners[(i + round) % runners.length]!;
        const entry = results.get(runner.name)!;
        if (entry.error) continue;
        const before = servers.read();
        let m: Measurement;
        try {
          m = await runner.run();
        } catch (error) {
          entry.error = error instanceof Error ? error.message : String(error);
          log(
            `  ${runner.name.padEnd(9)} run ${round + 1}: FAILED, left out of the later rounds: ${entry.error.split('\n')[0]}`,
          );
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, REAP_MS));
        const serverCpu = cpuBetween(before, servers.read());
        const sum = await checksumOf(settings, runner.schema, table).catch(() => ({ rows: -1, sum: '' }));
        const ok = sameChecksum(sum, expected);
        entry.runs.push({ ...m, serverCpu });
        entry.match &&= ok;
        const server = `MariaDB ${serverCpu.mariadb?.toFixed(2) ?? '?'} / PostgreSQL ${serverCpu.postgres?.toFixed(2) ?? '?'}${serverCpu.spark !== undefined ? ` / Spark ${serverCpu.spark.toFixed(2)}` : ''} CPU-s`;
        log(
          `  ${runner.name.padEnd(9)} run ${round + 1}: ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} CPU-s (servers: ${server}), ${Math.round(m.peakMb)} MB peak, values ${ok ? 'equal' : `DIFFER (${sum.rows} rows)`}`,
        );
      }
    }
  } finally {
    ferry.close();
    spark.close();
  }
  const pgc = await targetClient(settings, settings.database);
  try {
    const out: ToolFigures[] = [];
    for (const r of runners) {
      const entry = results.get(r.name)!;
      const target = await targetTable(pgc, r.schema, table);
      out.push(
        figures(r.name, entry.runs, entry.match, {
          ...(target.columns.length ? { target } : {}),
          ...(entry.error ? { error: entry.error } : {}),
        }),
      );
    }
    return out;
  } finally {
    await pgc.end();
  }
}

export interface ScalePoint {
  rows: number;
  refresh: Measurement;
  verify: Measurement;
  valuesEqual: boolean;
  inSync: boolean;
}

/** `ferry verify` (the CLI, as a user runs it) of the table the comparison loaded into ferry_full. */
export async function verifyLoaded(
  settings: BenchSettings,
  table: string,
): Promise<Measurement & { inSync: boolean }> {
  const ferry = ferryRunner(settings, 'ferry_full');
  try {
    return await ferry.verify(table);
  } finally {
    ferry.close();
  }
}

/** One ferry full refresh and one ferry verify of a `rows`-row table: time and peak memory of each. */
export async function scalePoint(
  settings: BenchSettings,
  table: string,
  rows: number,
  log: Log,
): Promise<ScalePoint> {
  const made = await ensureTable(settings, table, rows);
  if (made > 0) log(`  generated ${table} (${rows} rows) in ${made.toFixed(1)} s`);
  const expected = await sourceSum(settings, table);
  const ferry = ferryRunner(settings, 'ferry_scale');
  try {
    const refresh = await ferry.sync(table, { fullRefresh: true });
    const valuesEqual = sameChecksum(await checksumOf(settings, 'ferry_scale', table), expected);
    const verify = await ferry.verify(table);
    log(
      `  ${table}: full refresh ${refresh.wallSeconds.toFixed(2)} s, ${Math.round(refresh.peakMb)} MB peak, values ${valuesEqual ? 'equal' : 'DIFFER'}; ` +
        `verify ${verify.wallSeconds.toFixed(2)} s, ${Math.round(verify.peakMb)} MB peak, ${verify.inSync ? 'in sync' : 'DIFFERENT'}`,
    );
    return { rows, refresh, verify, valuesEqual, inSync: verify.inSync };
  } finally {
    ferry.close();
  }
}

export interface IncrementalFigures {
  rows: number;
  changedRows: number;
  initial: Measurement;
  runs: (Measurement & { runSeconds: number })[];
  wall: number;
  runSeconds: number;
  /** The same rounds run by sync() inside this long-running process: no process start (seconds each). */
  inProcess: number[];
  /** Median of inProcess. */
  inProcessSeconds: number;
  /** Median wall time of `ferry --version`: the process start a CLI run pays on top. */
  processStart: number;
  /**
   * What the snapshot's GTID costs each run: MariaDB's BINLOG_GTID_POS at the current binlog offset
   * reads the file from its start (seconds, median of 3; the offset in MB). Undefined without a binlog.
   */
  gtidLookup?: { seconds: number; offsetMb: number };
  checksumsMatch: boolean;
}

/** One incremental sync() in this process, as a long-running `ferry server` runs it: seconds. */
async function syncInProcess(settings: BenchSettings, schema: string, table: string): Promise<number> {
  const config = parseConfig(ferryConfigText(settings, schema), 'bench.yaml', { env: {} });
  const started = process.hrtime.bigint();
  const summary = await sync({
    project: compileProject(config, 'bench.yaml'),
    state: ferryState(),
    streams: [table],
    logger: silentLogger(),
    signal: new AbortController().signal,
  });
  if (summary.status !== 'succeeded') throw new Error(`sync() failed: ${JSON.stringify(summary.streams)}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Times BINLOG_GTID_POS at the server's current binlog position, as ferry's snapshot runs it. */
async function gtidLookupSeconds(settings: BenchSettings): Promise<IncrementalFigures['gtidLookup']> {
  const my = await sourceConnection(settings);
  try {
    const [status] = await my.query('SHOW MASTER STATUS');
    const row = (status as { File?: string; Position?: number }[])[0];
    if (!row?.File) return undefined;
    const walls: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await my.query('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [row.File, row.Position]);
      walls.push((performance.now() - started) / 1000);
    }
    return { seconds: median(walls), offsetMb: Number(row.Position) / 2 ** 20 };
  } catch {
    return undefined; // MySQL: no BINLOG_GTID_POS
  } finally {
    await my.end();
  }
}

/** Median wall seconds of `ferry --version` (Node start and ferry's CLI, no work). */
async function processStartSeconds(): Promise<number> {
  const walls: number[] = [];
  for (let i = 0; i < 3; i++)
    walls.push((await measure(process.execPath, ['dist/cli/main.js', '--version'])).wallSeconds);
  return median(walls);
}

/** A first load of an incremental stream, then rounds of "change 1% of the rows, sync". */
export async function incrementalRuns(
  settings: BenchSettings,
  table: string,
  log: Log,
): Promise<IncrementalFigures> {
  await ensureTable(settings, table, settings.rows, { cursorIndex: true, fresh: true });
  const ferry = ferryRunner(settings, 'ferry_inc');
  try {
    const c = await targetClient(settings, settings.database);
    await c.query('DROP SCHEMA IF EXISTS ferry_inc CASCADE');
    await c.query(`DELETE FROM "_ferry"."streams" WHERE target_schema = 'ferry_inc'`).catch(() => undefined);
    await c.end();
    const initial = await ferry.sync(table, { fullRefresh: false });
    log(`  first load: ${initial.wallSeconds.toFixed(2)} s`);
    const runs: (Measurement & { runSeconds: number })[] = [];
    const inProcess: number[] = [];
    let match = true;
    let changedRows = 0;
    for (let round = 1; round <= settings.runs; round++) {
      changedRows = await changeRows(settings, table, 2 * round - 1);
      const m = await ferry.sync(table, { fullRefresh: false });
      const loaded = m.summary.streams[0]?.rowsLoaded ?? 0;
      const ok = sameChecksum(
        await checksumOf(settings, 'ferry_inc', table),
        await sourceSum(settings, table),
      );
      match &&= ok;
      runs.push({ ...m, runSeconds: m.summary.seconds });
      log(
        `  incremental ${round}: ${changedRows} rows changed, ${loaded} copied, ${m.wallSeconds.toFixed(2)} s wall (run ${m.summary.seconds.toFixed(2)} s), rows ${ok ? 'match' : 'DIFFER'}`,
      );
      // the same change again, synced by sync() in this process (a warm, long-running one)
      await changeRows(settings, table, 2 * round);
      const seconds = await syncInProcess(settings, 'ferry_inc', table);
      const same = sameChecksum(
        await checksumOf(settings, 'ferry_inc', table),
        await sourceSum(settings, table),
      );
      match &&= same;
      inProcess.push(seconds);
      log(`  in process ${round}: ${seconds.toFixed(2)} s, rows ${same ? 'match' : 'DIFFER'}`);
    }
    const processStart = await processStartSeconds();
    const gtidLookup = await gtidLookupSeconds(settings);
    return {
      rows: settings.rows,
      changedRows,
      initial,
      runs,
      wall: median(runs.map((r) => r.wallSeconds)),
      runSeconds: median(runs.map((r) => r.runSeconds)),
      inProcess,
      inProcessSeconds: median(inProcess),
      processStart,
      ...(gtidLookup ? { gtidLookup } : {}),
      checksumsMatch: match,
    };
  } finally {
    ferry.close();
  }
}

export interface VerifyFigures {
  seconds: number;
  inSync: boolean;
  error?: string;
}

/** ferry's verifier (the library call) on the table ferry loaded in the full-refresh comparison. */
export async function verifyTable(settings: BenchSettings, table: string): Promise<VerifyFigures> {
  const config = parseConfig(ferryConfigText(settings, 'ferry_full'), 'bench.yaml', { env: {} });
  const started = process.hrtime.bigint();
  try {
    const report = await verify({
      project: compileProject(config, 'bench.yaml'),
      state: ferryState(),
      streams: [table],
      logger: silentLogger(),
      signal: new AbortController().signal,
    });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, inSync: report.inSync };
  } catch (error) {
    return {
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      inSync: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

export interface SeedFigures {
  scale: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  wall: number;
}

/** `ferry seed --scale N --reset` into the benchmark's own MariaDB database. */
export async function seedSpeed(settings: BenchSettings): Promise<SeedFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-seed-'));
  try {
    const configPath = join(dir, 'ferry.yaml');
    writeFileSync(
      configPath,
      `source: { url: ${JSON.stringify(withDatabase(settings.sourceUrl, settings.seedDatabase).toString())} }\ntarget: { url: ${JSON.stringify(withDatabase(settings.targetUrl, settings.database).toString())} }\n`,
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FERRY_')) env[k] = v;
    const m = await measure(
      process.execPath,
      [
        'dist/cli/main.js',
        '-c',
        configPath,
        '--log-level',
        'warn',
        'seed',
        '--scale',
        String(settings.seedScale),
        '--reset',
        '--force',
        '--json',
      ],
      { env },
    );
    const result = JSON.parse(m.stdout) as { totalRows: number; seconds: number };
    return {
      scale: settings.seedScale,
      rows: result.totalRows,
      seconds: result.seconds,
      rowsPerSecond: result.totalRows / result.seconds,
      wall: m.wallSeconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
