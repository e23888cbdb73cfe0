// The slowdown check (issue 12): the checkout's ferry against an earlier commit's build
// (FERRY_BENCH_BASELINE, default a0ef904, the commit before the seams work), both run as a user
// runs them (`ferry sync`), in interleaved pairs in one run: full refresh of the benchmark table,
// then rounds of "change 1% of the rows, incremental sync". Each build loads into a PostgreSQL
// database of its own (their state layouts differ). Part of `npm run bench`; alone:
//   npx tsx bench/slowdown.ts   (writes only its section of docs/benchmarks.md)
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCommit, currentBuild, type FerryBuild } from './baseline.js';
import { sameChecksum, targetChecksum } from './checksum.js';
import { changeRows, ensureDatabases, ensureTable, targetClient, ensureTargetDatabase } from './data.js';
import { median, run, type Measurement } from './measure.js';
import { replaceSection, seconds, table, type Section } from './report.js';
import { sourceSum } from './scenarios.js';
import { readSettings, type BenchSettings } from './settings.js';
import { ferryRunner, type FerryRunner } from './tools.js';

/** The commit before the seams work of issue 12. */
export const DEFAULT_BASELINE = 'a0ef904';
/** "No slowdown": the current build's median within this fraction of the baseline's. */
const LIMIT = 0.05;
const FULL_SCHEMA = 'slowdown_full';
const INC_SCHEMA = 'slowdown_inc';
/** An incremental stream of the bench config (`bench_inc*`), apart from the incremental scenario's table. */
export const PAIRS_TABLE = 'bench_inc_pairs';

export interface VersionRuns {
  runs: Measurement[];
  /** The run time ferry reports (no process start), per run. */
  runSeconds: number[];
  wall: number;
  cpu: number;
  run: number;
  /** The loaded values equalled the source's after every run. */
  valuesEqual: boolean;
}

export interface Comparison {
  baseline: VersionRuns;
  current: VersionRuns;
  /** Median over the pairs of current / baseline wall time (each pair ran back to back). */
  pairedWall: number;
  /** current median / baseline median, wall and CPU seconds of ferry's process. */
  wallRatio: number;
  cpuRatio: number;
  within: boolean;
}

export interface SlowdownFigures {
  baseline: FerryBuild;
  current: FerryBuild;
  pairs: number;
  rows: number;
  changedRows: number;
  full: Comparison;
  incremental: Comparison;
}

type Log = (line: string) => void;

function versionRuns(runs: (Measurement & { runSeconds: number; equal: boolean })[]): VersionRuns {
  return {
    runs,
    runSeconds: runs.map((r) => r.runSeconds),
    wall: median(runs.map((r) => r.wallSeconds)),
    cpu: median(runs.map((r) => r.cpuSeconds)),
    run: median(runs.map((r) => r.runSeconds)),
    valuesEqual: runs.every((r) => r.equal),
  };
}

function compare(
  base: (Measurement & { runSeconds: number; equal: boolean })[],
  cur: (Measurement & { runSeconds: number; equal: boolean })[],
): Comparison {
  const baseline = versionRuns(base);
  const current = versionRuns(cur);
  const wallRatio = current.wall / baseline.wall;
  return {
    baseline,
    current,
    pairedWall: median(cur.map((c, i) => c.wallSeconds / base[i]!.wallSeconds)),
    wallRatio,
    cpuRatio: current.cpu / baseline.cpu,
    within: wallRatio <= 1 + LIMIT,
  };
}

interface Side {
  name: 'baseline' | 'current';
  database: string;
  full: FerryRunner;
  inc: FerryRunner;
}

async function loadedSum(settings: BenchSettings, database: string, schema: string, name: string) {
  const c = await targetClient(settings, database);
  try {
    return await targetChecksum(c, schema, name);
  } finally {
    await c.end();
  }
}

/** Drops what an earlier run left of the incremental stream (its table and, if the layout has it, its state). */
async function resetIncremental(settings: BenchSettings, database: string): Promise<void> {
  const c = await targetClient(settings, database);
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${INC_SCHEMA}" CASCADE`);
    await c.query(`DELETE FROM "_ferry"."streams" WHERE target_schema = $1`, [INC_SCHEMA]).catch(() => {});
  } finally {
    await c.end();
  }
}

export async function compareWithBaseline(
  settings: BenchSettings,
  table: string,
  baseline: FerryBuild,
  current: FerryBuild,
  log: Log,
): Promise<SlowdownFigures> {
  const baseDatabase = `${settings.database}_baseline`;
  await ensureTargetDatabase(settings, baseDatabase);
  const side = (name: Side['name'], build: FerryBuild, database: string): Side => ({
    name,
    database,
    full: ferryRunner(settings, FULL_SCHEMA, {}, { root: build.root, targetDatabase: database }),
    inc: ferryRunner(settings, INC_SCHEMA, {}, { root: build.root, targetDatabase: database }),
  });
  const sides = [side('baseline', baseline, baseDatabase), side('current', current, settings.database)];
  type Run = Measurement & { runSeconds: number; equal: boolean };
  const full: Record<Side['name'], Run[]> = { baseline: [], current: [] };
  const inc: Record<Side['name'], Run[]> = { baseline: [], current: [] };
  const order = (round: number) => (round % 2 === 0 ? sides : [...sides].reverse());
  try {
    const expected = await sourceSum(settings, table);
    log(`  full refresh of ${table}: ${settings.runs} pair(s), the order alternating`);
    for (let round = 0; round < settings.runs; round++) {
      for (const s of order(round)) {
        const m = await s.full.sync(table, { fullRefresh: true });
        const equal = sameChecksum(await loadedSum(settings, s.database, FULL_SCHEMA, table), expected);
        full[s.name].push({ ...m, runSeconds: m.summary.seconds, equal });
        log(
          `    ${s.name.padEnd(8)} ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} CPU-s, run ${m.summary.seconds.toFixed(2)} s, values ${equal ? 'equal' : 'DIFFER'}`,
        );
      }
    }

    await ensureTable(settings, PAIRS_TABLE, settings.rows, { cursorIndex: true, fresh: true });
    for (const s of sides) {
      await resetIncremental(settings, s.database);
      await s.inc.sync(PAIRS_TABLE, { fullRefresh: false });
    }
    log(`  incremental of ${PAIRS_TABLE}: ${settings.runs} round(s) of 1% changed, each build in turn`);
    let changedRows = 0;
    for (let round = 1; round <= settings.runs; round++) {
      changedRows = await changeRows(settings, PAIRS_TABLE, round);
      const expectedNow = await sourceSum(settings, PAIRS_TABLE);
      for (const s of order(round)) {
        const m = await s.inc.sync(PAIRS_TABLE, { fullRefresh: false });
        const equal = sameChecksum(
          await loadedSum(settings, s.database, INC_SCHEMA, PAIRS_TABLE),
          expectedNow,
        );
        inc[s.name].push({ ...m, runSeconds: m.summary.seconds, equal });
        log(
          `    ${s.name.padEnd(8)} ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} CPU-s, run ${m.summary.seconds.toFixed(2)} s, ${m.summary.streams[0]?.rowsLoaded ?? 0} rows, values ${equal ? 'equal' : 'DIFFER'}`,
        );
      }
    }
    return {
      baseline,
      current,
      pairs: settings.runs,
      rows: settings.rows,
      changedRows,
      full: compare(full.baseline, full.current),
      incremental: compare(inc.baseline, inc.current),
    };
  } finally {
    for (const s of sides) {
      s.full.close();
      s.inc.close();
    }
  }
}

const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

export function slowdownSection(f: SlowdownFigures, load: string): Section {
  const row = (what: string, c: Comparison) => [
    what,
    `${seconds(c.baseline.wall)} s / ${seconds(c.baseline.cpu)}`,
    `${seconds(c.current.wall)} s / ${seconds(c.current.cpu)}`,
    percent(c.wallRatio),
    percent(c.pairedWall),
    percent(c.cpuRatio),
    `${seconds(c.baseline.run)} s / ${seconds(c.current.run)} s`,
    c.baseline.valuesEqual && c.current.valuesEqual ? 'yes' : '**NO**',
    c.within ? 'yes' : '**no**',
  ];
  return {
    title: 'Slowdown check',
    body: [
      `\`ferry sync\` of this checkout (${f.current.label}) against the build of ${f.baseline.label} ` +
        '(`FERRY_BENCH_BASELINE`; by default a0ef904, the commit before the seams work of issue 12), ' +
        `in ${f.pairs} interleaved pair(s) in one run (the order alternates), each build loading into a database of its own: ` +
        `the full refresh of the ${f.rows.toLocaleString('en-US')}-row table, and incremental runs after ${f.changedRows.toLocaleString('en-US')} rows (1%) changed. ` +
        `Medians; "no slowdown" means the current median wall time is within ${LIMIT * 100}% of the baseline's.`,
      '',
      table(
        [
          '',
          'baseline (wall / CPU-s)',
          'current (wall / CPU-s)',
          'wall',
          'wall, paired',
          'CPU-s',
          'sync run (baseline / current)',
          'values equal',
          `within ${LIMIT * 100}%`,
        ],
        [row('full refresh', f.full), row('incremental, 1% changed', f.incremental)],
      ),
      '',
      '"wall, paired" is the median of the per-pair ratios (each pair ran back to back, under about the same load); ' +
        "CPU-s are ferry's process (user + system), steadier than wall time on a shared machine. " +
        `Load during the check: ${load}.`,
      '',
      '`npx tsx bench/slowdown.ts` runs this check alone (it builds the baseline once into `~/.cache/ferry/bench-builds/<commit>` with `git archive`, `npm ci` and `npm run build`; `FERRY_BENCH_RUNS` pairs, default 5).',
    ].join('\n'),
  };
}

/** Builds the baseline (once) and the checkout, runs the pairs, writes the section. */
async function main(): Promise<void> {
  const settings = readSettings();
  const began = Date.now();
  const log: Log = (line) =>
    process.stderr.write(`[slowdown ${((Date.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  const loads = [loadavg()[0]!];
  if (settings.build) {
    log('building dist/ (npm run build)');
    const b = await run('npm', ['run', '--silent', 'build']);
    if (b.code !== 0) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
  }
  const baseline = await buildCommit(process.env.FERRY_BENCH_BASELINE ?? DEFAULT_BASELINE, log);
  const current = await currentBuild();
  await ensureDatabases(settings);
  const made = await ensureTable(settings, 'bench_rows', settings.rows);
  if (made > 0) log(`generated bench_rows (${settings.rows} rows) in ${made.toFixed(1)} s`);
  log(`${current.label} against ${baseline.label}`);
  const figures = await compareWithBaseline(settings, 'bench_rows', baseline, current, log);
  loads.push(loadavg()[0]!);
  const section = slowdownSection(
    figures,
    `1-minute load average ${loads.map((l) => l.toFixed(1)).join(' before, ')} after, on ${cpus().length} CPUs`,
  );
  replaceSection(settings.output, section);
  process.stdout.write(`${section.body}\n\nwritten to ${settings.output} (## ${section.title})\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
