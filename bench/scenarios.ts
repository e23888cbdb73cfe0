// The benchmark's scenarios, each returning plain figures for the report.
import { parseConfig } from '../src/config/load.js';
import { compileProject } from '../src/config/project.js';
import { ferryState } from '../src/state/ferry-state.js';
import { silentLogger } from '../src/observability/logger.js';
import { verify } from '../src/verify/verify.js';
import { sameChecksum, sourceChecksum, targetChecksum, type TableChecksum } from './checksum.js';
import { changeRows, ensureTable, sourceConnection, targetClient } from './data.js';
import { measure, median, type Measurement } from './measure.js';
import { withDatabase, type BenchSettings } from './settings.js';
import { ferryConfigText, ferryRunner, runPgloader, runPipe, type FerrySummary } from './tools.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Log = (line: string) => void;

export interface ToolFigures {
  tool: string;
  runs: Measurement[];
  wall: number;
  cpu: number;
  peakMb: number;
  checksumsMatch: boolean;
  /** ferry only: the run time ferry reports (without process start), median. */
  runSeconds?: number;
}

function figures(tool: string, runs: Measurement[], checksumsMatch: boolean): ToolFigures {
  return {
    tool,
    runs,
    wall: median(runs.map((r) => r.wallSeconds)),
    cpu: median(runs.map((r) => r.cpuSeconds)),
    peakMb: Math.max(...runs.map((r) => r.peakMb)),
    checksumsMatch,
    ...(runs.every((r) => 'summary' in r)
      ? { runSeconds: median(runs.map((r) => (r as { summary: FerrySummary }).summary.seconds)) }
      : {}),
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

/** ferry, the raw pipe and pgloader load the same table, several runs each in rotating order. */
export async function compareFullRefresh(
  settings: BenchSettings,
  table: string,
  tools: { pipe: boolean; pgloader: boolean },
  log: Log,
): Promise<ToolFigures[]> {
  const expected = await sourceSum(settings, table);
  const ferry = ferryRunner(settings, 'ferry_full');
  const runners: { name: string; schema: string; run: () => Promise<Measurement> }[] = [
    { name: 'ferry', schema: 'ferry_full', run: () => ferry.sync(table, { fullRefresh: true }) },
  ];
  if (tools.pipe) runners.push({ name: 'raw pipe', schema: 'pipe', run: () => runPipe(settings, table) });
  if (tools.pgloader)
    runners.push({ name: 'pgloader', schema: 'pgloader', run: () => runPgloader(settings, table) });
  const results = new Map(runners.map((r) => [r.name, { runs: [] as Measurement[], match: true }]));
  try {
    for (let round = 0; round < settings.runs; round++) {
      for (let i = 0; i < runners.length; i++) {
        const runner = runners[(i + round) % runners.length]!;
        const m = await runner.run();
        const sum = await checksumOf(settings, runner.schema, table);
        const ok = sameChecksum(sum, expected);
        const entry = results.get(runner.name)!;
        entry.runs.push(m);
        entry.match &&= ok;
        log(
          `  ${runner.name.padEnd(9)} run ${round + 1}: ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} CPU-s, ${Math.round(m.peakMb)} MB peak, rows ${ok ? 'match' : `DIFFER (${sum.rows} rows)`}`,
        );
      }
    }
  } finally {
    ferry.close();
  }
  return runners.map((r) => figures(r.name, results.get(r.name)!.runs, results.get(r.name)!.match));
}

/** One ferry full refresh of a big table: its peak memory. */
export async function bigTable(settings: BenchSettings, table: string, log: Log): Promise<ToolFigures> {
  const expected = await sourceSum(settings, table);
  const ferry = ferryRunner(settings, 'ferry_big');
  try {
    const m = await ferry.sync(table, { fullRefresh: true });
    const ok = sameChecksum(await checksumOf(settings, 'ferry_big', table), expected);
    log(
      `  ferry ${table}: ${m.wallSeconds.toFixed(2)} s, ${Math.round(m.peakMb)} MB peak, rows ${ok ? 'match' : 'DIFFER'}`,
    );
    return figures('ferry', [m], ok);
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
  checksumsMatch: boolean;
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
    let match = true;
    let changedRows = 0;
    for (let round = 1; round <= settings.runs; round++) {
      changedRows = await changeRows(settings, table, round);
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
    }
    return {
      rows: settings.rows,
      changedRows,
      initial,
      runs,
      wall: median(runs.map((r) => r.wallSeconds)),
      runSeconds: median(runs.map((r) => r.runSeconds)),
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
