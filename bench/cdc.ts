// Change data capture, measured: `ferry stream` (the built CLI, as a user runs it) catching up a
// backlog of 1,000,000 row changes against mariadb-binlog decoding the same binlog, the end-to-end
// lag under a steady workload (the workload's microsecond stamps against the moment a poller of the
// target sees them), and the stream's memory while it catches up a 1 GB backlog. Each phase ends
// with `ferry verify`. Run by `npm run bench` (FERRY_BENCH_SKIP=cdc leaves it out), or alone:
//   npx tsx bench/cdc.ts   (FERRY_BENCH_CDC_* in settings.ts change the sizes)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { BinlogPosition } from '../src/connectors/mysql/binlog/events.js';
import { hasReached } from '../src/replication/cdc/positions.js';
import { ferryState } from '../src/state/ferry-state.js';
import {
  binlogBetween,
  binlogSpot,
  CDC_TABLE,
  CREATE_CDC_TABLE,
  growBacklog,
  makeBacklog,
  steadyWorkload,
  type BinlogSpot,
} from './cdc-workload.js';
import { sourceConnection, targetClient } from './data.js';
import { measure, type Measurement } from './measure.js';
import { descendants, treeResidentMb } from './proc.js';
import { megabytes, ratio, replaceSection, table, verdict } from './report.js';
import { readSettings, withDatabase, type BenchSettings } from './settings.js';
import { childEnv } from './tools.js';

type Log = (line: string) => void;

export const CDC_SECTION = 'Change data capture';
const DATABASE = 'ferry_bench_cdc';
const SCHEMA = 'bench_cdc';
/** A bound on every wait of the benchmark: a stream that stops applying fails it rather than hanging. */
const CATCH_UP_LIMIT_MS = 30 * 60_000;

export interface StreamProfile {
  seconds: number;
  read: number;
  stage: number;
  apply: number;
  commit: number;
}

export interface StreamRun {
  changes: number;
  /** From `ferry stream`'s start to the checkpoint at the goal. */
  catchUpSeconds: number;
  measurement: Measurement;
  profile: StreamProfile | undefined;
  /** Resident memory of the stream's process, sampled every 250 ms while it ran, MB. */
  memory: number[];
}

export interface CdcFigures {
  changes: number;
  binlogMb: number;
  backlog: StreamRun;
  reference: { seconds: number; version: string } | { error: string };
  lag: {
    rate: number;
    achievedRate: number;
    seconds: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    samples: number;
    run: StreamRun;
  };
  big: { changes: number; binlogMb: number; run: StreamRun };
  inSync: boolean[];
}

class Bench {
  readonly dir = mkdtempSync(join(tmpdir(), 'ferry-bench-cdc-'));
  readonly configPath = join(this.dir, 'ferry.yaml');
  constructor(
    readonly settings: BenchSettings,
    readonly log: Log,
  ) {
    const source = withDatabase(settings.sourceUrl, DATABASE).toString();
    const target = withDatabase(settings.targetUrl, DATABASE).toString();
    writeFileSync(
      this.configPath,
      [
        `source: { url: ${JSON.stringify(source)} }`,
        `target: { url: ${JSON.stringify(target)}, schema: ${SCHEMA} }`,
        'streams:',
        `  - { table: ${CDC_TABLE}, mode: cdc }`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }

  private cli(...args: string[]): string[] {
    return ['dist/cli/main.js', '-c', this.configPath, '--log-level', 'info', ...args];
  }

  async ferry(args: string[], exitCodes = [0]): Promise<Measurement> {
    return measure(process.execPath, this.cli(...args), { env: childEnv(), exitCodes });
  }

  async verify(): Promise<boolean> {
    const m = await this.ferry(['verify', '--samples', '0', '--json'], [0, 1]);
    return m.exitCode === 0;
  }

  /** Runs `ferry stream` until its checkpoint reaches `goal` (or, with `during`, until that ends and then the goal). */
  async stream(
    target: pg.Client,
    goal: () => BinlogPosition | Promise<BinlogPosition>,
    changes: number,
    during?: () => Promise<void>,
  ): Promise<StreamRun> {
    let timePid: number | undefined;
    const memory: number[] = [];
    const started = performance.now();
    const running = measure(process.execPath, this.cli('stream'), {
      env: childEnv(),
      onSpawn: (pid) => (timePid = pid),
    });
    const sampler = setInterval(() => {
      if (timePid !== undefined) memory.push(treeResidentMb(timePid));
    }, 250);
    let failed: Error | undefined;
    running.catch((error: unknown) => (failed = error instanceof Error ? error : new Error(String(error))));
    let caughtUp = NaN;
    try {
      if (during) await during();
      const at = await goal();
      const state = ferryState();
      while (performance.now() - started < CATCH_UP_LIMIT_MS) {
        if (failed) throw failed;
        const saved = await state.streams.read(target, { targetSchema: SCHEMA, table: CDC_TABLE });
        if (saved && hasReached(saved.binlog, at)) {
          caughtUp = (performance.now() - started) / 1000;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      if (Number.isNaN(caughtUp)) throw new Error('ferry stream did not catch up within 30 minutes');
    } finally {
      clearInterval(sampler);
      // GNU time is the root; ferry is its child. SIGTERM finishes the batch in hand and exits 0.
      for (const pid of timePid === undefined ? [] : descendants(timePid)) process.kill(pid, 'SIGTERM');
    }
    const measurement = await running;
    return { changes, catchUpSeconds: caughtUp, measurement, profile: profileOf(measurement.stderr), memory };
  }
}

/** The profile `ferry stream` logs when it stops (a JSON log line). */
function profileOf(stderr: string): StreamProfile | undefined {
  for (const line of stderr.split('\n').reverse()) {
    if (!line.includes('"profile"')) continue;
    try {
      const entry = JSON.parse(line) as { seconds: number; profile: Omit<StreamProfile, 'seconds'> };
      return { seconds: entry.seconds, ...entry.profile };
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

const asPosition = (spot: BinlogSpot): BinlogPosition => ({
  file: spot.file,
  position: spot.position,
  gtid: spot.gtid,
});

async function freshDatabases(settings: BenchSettings): Promise<void> {
  const my = await sourceConnection(settings);
  try {
    await my.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await my.query(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await my.end();
  }
  const admin = await targetClient(settings);
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${DATABASE}"`);
  } finally {
    await admin.end();
  }
}

/** mariadb-binlog reading the binlog between two spots from the server, rows decoded, to /dev/null. */
async function referenceRead(
  settings: BenchSettings,
  files: string[],
  from: BinlogSpot,
  to: BinlogSpot,
): Promise<{ seconds: number; version: string } | { error: string }> {
  const url = settings.sourceUrl;
  try {
    const version = await measure('mariadb-binlog', ['--version']);
    const m = await measure(
      'mariadb-binlog',
      [
        '--read-from-remote-server',
        `--host=${url.hostname}`,
        `--port=${url.port || '3306'}`,
        `--user=${decodeURIComponent(url.username)}`,
        '-v',
        '--base64-output=DECODE-ROWS',
        `--start-position=${from.position}`,
        `--stop-position=${to.position}`,
        '--result-file=/dev/null',
        ...files,
      ],
      // The password by the environment, not the command line other users can read.
      { env: childEnv({ MYSQL_PWD: decodeURIComponent(url.password) }) },
    );
    return {
      seconds: m.wallSeconds,
      version: `mariadb-binlog ${/Ver ([\d.]+)/.exec(version.stdout)?.[1] ?? '?'}`,
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function cdcBench(settings: BenchSettings, log: Log): Promise<CdcFigures> {
  const { cdc } = settings;
  await freshDatabases(settings);
  const bench = new Bench(settings, log);
  const my = await sourceConnection(settings, DATABASE);
  const target = await targetClient(settings, DATABASE);
  const inSync: boolean[] = [];
  try {
    await my.query(CREATE_CDC_TABLE);
    await bench.ferry(['sync', '--json']); // the snapshot of the empty table: the checkpoint
    // 1. A backlog, then ferry stream catching it up; mariadb-binlog decodes the same binlog.
    const before = await binlogSpot(my);
    log(`cdc: making a backlog of ${cdc.changes} row changes (50% inserts, 30% updates, 20% deletes)`);
    const liveUpTo = await makeBacklog(my, cdc.changes);
    const after = await binlogSpot(my);
    const span = await binlogBetween(my, before, after);
    log(`  ${(span.bytes / 2 ** 20).toFixed(0)} MB of binlog in ${span.files.length} file(s)`);
    const reference = await referenceRead(settings, span.files, before, after);
    log(
      `  mariadb-binlog: ${'seconds' in reference ? `${reference.seconds.toFixed(2)} s` : reference.error}`,
    );
    const backlog = await bench.stream(target, () => asPosition(after), cdc.changes);
    log(
      `  ferry stream: caught up in ${backlog.catchUpSeconds.toFixed(2)} s (${Math.round(cdc.changes / backlog.catchUpSeconds)} changes/s), ${Math.round(backlog.measurement.peakMb)} MB peak`,
    );
    inSync.push(await bench.verify());

    // 2. The lag under a steady workload, seen by a poller of the target.
    log(`cdc: lag at ${cdc.rate} changes/s for ${cdc.seconds} s`);
    const live = Array.from({ length: liveUpTo }, (_, i) => i + 1);
    const lags: number[] = [];
    let workload: Awaited<ReturnType<ReturnType<typeof steadyWorkload>['stop']>> | undefined;
    const lagRun = await bench.stream(
      target,
      async () => asPosition(await binlogSpot(my)),
      0,
      async () => {
        // The stream's session is up once its run is live; then write and poll.
        const state = ferryState();
        const up = performance.now() + 120_000;
        while ((await state.runs.liveRuns(target, SCHEMA, 'cdc')).length === 0) {
          if (performance.now() > up) throw new Error('ferry stream did not start within 2 minutes');
          await new Promise((r) => setTimeout(r, 100));
        }
        const load = steadyWorkload(my, cdc.rate, 10_000_000, live);
        const until = performance.now() + cdc.seconds * 1000;
        const warmUp = performance.now() + 3000;
        while (performance.now() < until) {
          const { rows } = await target.query<{ s: number | null }>(
            `SELECT extract(epoch FROM max(stamp))::float8 AS s FROM "${SCHEMA}"."${CDC_TABLE}"`,
          );
          const now = Date.now() / 1000;
          if (performance.now() > warmUp && rows[0]?.s != null) lags.push((now - rows[0].s) * 1000);
          await new Promise((r) => setTimeout(r, 50));
        }
        workload = await load.stop();
      },
    );
    lagRun.changes = workload!.changes;
    const lag = {
      rate: cdc.rate,
      achievedRate: workload!.changes / workload!.seconds,
      seconds: workload!.seconds,
      p50Ms: percentile(lags, 50),
      p99Ms: percentile(lags, 99),
      maxMs: Math.max(...lags),
      samples: lags.length,
      run: lagRun,
    };
    log(
      `  ${Math.round(lag.achievedRate)} changes/s written; lag p50 ${lag.p50Ms.toFixed(0)} ms, p99 ${lag.p99Ms.toFixed(0)} ms, max ${lag.maxMs.toFixed(0)} ms (${lag.samples} polls)`,
    );
    inSync.push(await bench.verify());

    // 3. Memory while catching up a large backlog.
    log(`cdc: growing a ${cdc.backlogMb} MB backlog`);
    const bigFrom = await binlogSpot(my);
    const ranges: [number, number][] = [
      [1, liveUpTo],
      [10_000_000, workload!.lastId],
    ];
    const bigChanges = await growBacklog(my, ranges, bigFrom, cdc.backlogMb * 2 ** 20);
    const bigTo = await binlogSpot(my);
    const bigSpan = await binlogBetween(my, bigFrom, bigTo);
    const bigRun = await bench.stream(target, () => asPosition(bigTo), bigChanges);
    log(
      `  ${bigChanges} changes, ${(bigSpan.bytes / 2 ** 20).toFixed(0)} MB: caught up in ${bigRun.catchUpSeconds.toFixed(1)} s, ${Math.round(bigRun.measurement.peakMb)} MB peak`,
    );
    inSync.push(await bench.verify());
    return {
      changes: cdc.changes,
      binlogMb: span.bytes / 2 ** 20,
      backlog,
      reference,
      lag,
      big: { changes: bigChanges, binlogMb: bigSpan.bytes / 2 ** 20, run: bigRun },
      inSync,
    };
  } finally {
    await my.end().catch(() => undefined);
    await target.end().catch(() => undefined);
    rmSync(bench.dir, { recursive: true, force: true });
  }
}

/** The first and second half of a run's memory samples: flat when the second's peak is within 15% of the first's. */
function halves(memory: number[]): { first: number; second: number; flat: boolean } {
  const mid = Math.floor(memory.length / 2);
  const first = Math.max(0, ...memory.slice(0, mid));
  const second = Math.max(0, ...memory.slice(mid));
  return { first, second, flat: second <= first * 1.15 };
}

const s2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)} s`);

function profileRow(name: string, run: StreamRun): (string | number)[] {
  const p = run.profile;
  return [
    name,
    s2(run.catchUpSeconds),
    s2(p?.read),
    s2(p?.stage),
    s2(p?.apply),
    s2(p?.commit),
    s2(run.measurement.cpuSeconds),
    megabytes(run.measurement.peakMb),
  ];
}

export function describeCdc(f: CdcFigures): string {
  const rate = f.changes / f.backlog.catchUpSeconds;
  const ref = 'seconds' in f.reference ? f.reference : undefined;
  const mem = halves(f.big.run.memory);
  const bigPeak = f.big.run.measurement.peakMb;
  const lines = [
    `\`ferry stream\` (the built CLI) following a 9-column table (bigint key, int, enum, decimal, char, tinyint(1), varchar, datetime(6), timestamp(6)); every phase ends with \`ferry verify\`: ${f.inSync.every(Boolean) ? 'in sync each time' : `NOT in sync (${f.inSync.map((x) => (x ? 'in sync' : 'different')).join(', ')})`}. Measured by \`bench/cdc.ts\` in the same run as the sections above.`,
    '',
    table(
      ['figure', 'goal', 'measured', 'verdict'],
      [
        [
          `backlog of ${f.changes.toLocaleString('en-US')} row changes (${f.binlogMb.toFixed(0)} MB of binlog), from start to caught up`,
          '>= 50,000 changes/s',
          `${Math.round(rate).toLocaleString('en-US')} changes/s (${s2(f.backlog.catchUpSeconds)})`,
          verdict(rate >= 50_000),
        ],
        [
          'the same binlog decoded by mariadb-binlog to /dev/null',
          'the ratio, reported',
          ref
            ? `${s2(ref.seconds)}: ferry takes ${ratio(f.backlog.catchUpSeconds / ref.seconds)} its time (${ref.version})`
            : `not measured: ${(f.reference as { error: string }).error}`,
          '',
        ],
        [
          `lag at ${f.lag.rate.toLocaleString('en-US')} changes/s for ${f.lag.seconds.toFixed(0)} s (${Math.round(f.lag.achievedRate).toLocaleString('en-US')}/s written), p50 / p99 / max`,
          'p99 < 1 s',
          `${f.lag.p50Ms.toFixed(0)} / ${f.lag.p99Ms.toFixed(0)} / ${f.lag.maxMs.toFixed(0)} ms (${f.lag.samples} polls)`,
          verdict(f.lag.p99Ms < 1000),
        ],
        [
          `peak memory catching up ${f.big.changes.toLocaleString('en-US')} changes (${f.big.binlogMb.toFixed(0)} MB of binlog)`,
          '< 256 MB, flat',
          `${megabytes(bigPeak)}; first half ${megabytes(mem.first)}, second half ${megabytes(mem.second)}`,
          verdict(bigPeak < 256 && mem.flat),
        ],
      ],
    ),
    '',
    "Where each run's time went (`ferry stream` logs it when it stops): reading is waiting for the next binlog event (the network, the source and decoding), staging is encoding the changes and copying them into the session's temporary change tables, applying is the delete-then-insert into the target tables with the checkpoint, the ledger and the counters, committing is PostgreSQL's COMMIT. CPU is the process's, peak memory its resident set.",
    '',
    table(
      ['run', 'wall (to caught up)', 'reading', 'staging', 'applying', 'committing', 'CPU', 'peak memory'],
      [
        profileRow('backlog', f.backlog),
        profileRow('steady workload', f.lag.run),
        profileRow('large backlog', f.big.run),
      ],
    ),
    '',
    `The lag is end to end: the workload stamps every row it writes with NOW(6) (microseconds), and a poller of the target reads the newest stamp it can see every 50 ms; a sample is the poller's clock minus that stamp (both on this machine's clock), so it holds the source's commit, the binlog's delivery, ferry's batch and PostgreSQL's commit, and up to 20 ms of the workload's own spacing. The first 3 s are left out.`,
  ];
  return lines.join('\n');
}

// Alone: npx tsx bench/cdc.ts (after npm run build): writes its section of docs/benchmarks.md.
if (process.argv[1]?.endsWith('bench/cdc.ts')) {
  const settings = readSettings();
  const began = Date.now();
  const log = (line: string) =>
    process.stderr.write(`[cdc ${((Date.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  cdcBench(settings, log)
    .then((figures) => {
      replaceSection(settings.output, { title: CDC_SECTION, body: describeCdc(figures) });
      log(`wrote ${settings.output}`);
    })
    .catch((error: unknown) => {
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    });
}
