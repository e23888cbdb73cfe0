// Turns the benchmark's figures into the markdown sections of docs/benchmarks.md (the comparison's
// sections: describe-peers.ts).
import { ferryShares, fullRefreshSection, scaleSection, typesSection } from './describe-peers.js';
import type { PeerInstall } from './peers.js';
import { megabytes, ratio, seconds, table, verdict, type Section } from './report.js';
import type { IncrementalFigures, SeedFigures, ToolFigures, VerifyFigures } from './scenarios.js';
import type { BenchSettings } from './settings.js';
import type { SourceColumn } from './target-types.js';
import type { SparkReadFigures } from './spark.js';
import { sparkSection, sparkTarget } from './describe-spark.js';
import { slowdownSection, type SlowdownFigures } from './slowdown.js';

/** One ferry full refresh and verify at a table size. */
export interface ScaleRow {
  rows: number;
  refreshWall: number;
  refreshPeakMb: number;
  valuesEqual: boolean;
  verifyWall: number;
  verifyPeakMb: number;
  inSync: boolean;
}

export interface Results {
  settings: BenchSettings;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    freeGb: number;
    node: string;
    mariadb: string;
    postgres: string;
    pgloader: string;
    /** The raw pipe's clients. */
    pipe: string;
    ferry: string;
    date: string;
  };
  loads: number[];
  peers?: PeerInstall;
  sourceColumns?: SourceColumn[];
  full?: ToolFigures[];
  /** The Spark copy's read alone, when Spark took part. */
  sparkRead?: SparkReadFigures;
  scale: ScaleRow[];
  incremental?: IncrementalFigures;
  verify?: VerifyFigures;
  seed?: SeedFigures;
  /** This checkout against an earlier build (slowdown.ts), and the load meanwhile. */
  slowdown?: SlowdownFigures;
  slowdownLoad?: string;
  minutes?: number;
}

const n = (x: number) => x.toLocaleString('en-US');

function installTime(r: Results): string {
  if (!r.peers) return 'not run';
  const took = `${r.peers.seconds.toFixed(1)} s in this run`;
  return `${took}; about 20 s on a first run, from PyPI, and at once when cached`;
}

export function describeResults(r: Results): { preamble: string; sections: Section[] } {
  const ferry = r.full?.find((t) => t.tool === 'ferry');
  const pipe = r.full?.find((t) => t.tool === 'raw pipe');
  const pgloader = r.full?.find((t) => t.tool === 'pgloader');
  const vsPipe = ferry && pipe ? ferry.wall / pipe.wall : NaN;
  const vsPgloader = ferry && pgloader ? ferry.wall / pgloader.wall : NaN;
  const incRatio = ferry && r.incremental ? r.incremental.wall / ferry.wall : NaN;
  const incRunRatio = ferry?.runSeconds && r.incremental ? r.incremental.runSeconds / ferry.runSeconds : NaN;
  // inside a long-running process (sync() in the bench's own): what a `ferry server` pays per run
  const incInProcess = ferry && r.incremental ? r.incremental.inProcessSeconds / ferry.wall : NaN;
  const maxLoad = Math.max(...r.loads);
  const shares = ferryShares(ferry, pipe);

  const targets = table(
    ['target', 'measured', 'verdict'],
    [
      [
        'full refresh ≤ 1.25x the raw pipe',
        ratio(vsPipe),
        verdict(Number.isFinite(vsPipe) ? vsPipe <= 1.25 : undefined),
      ],
      [
        'the same without the key build and swap (the pipe has neither) ≤ 1.25x',
        shares ? ratio(shares.transferVsPipe) : 'n/a',
        verdict(shares ? shares.transferVsPipe <= 1.25 : undefined),
      ],
      [
        "ferry's CPU-s ≤ 1.3x the two clients' (mariadb + psql; servers apart)",
        shares ? ratio(shares.cpuVsPipe) : 'n/a',
        verdict(shares ? shares.cpuVsPipe <= 1.3 : undefined),
      ],
      [
        'full refresh ≤ 0.5x pgloader',
        ratio(vsPgloader),
        verdict(Number.isFinite(vsPgloader) ? vsPgloader <= 0.5 : undefined),
      ],
      ...sparkTarget(r),
      [
        `peak memory < 256 MB at ${n(r.settings.rows)} rows`,
        megabytes(ferry?.peakMb ?? NaN),
        verdict(ferry ? ferry.peakMb < 256 : undefined),
      ],
      ...r.scale
        .filter((p) => p.rows !== r.settings.rows)
        .map((p) => [
          `peak memory < 256 MB at ${n(p.rows)} rows`,
          megabytes(p.refreshPeakMb),
          verdict(p.refreshPeakMb < 256),
        ]),
      [
        'incremental (1% changed) ≤ 5% of the full refresh, in a long-running process',
        `${(incInProcess * 100).toFixed(1)}% in process (its parts: "Incremental sync")` +
          `; CLI ${(incRatio * 100).toFixed(1)}% (process start ${seconds(r.incremental?.processStart ?? NaN)} s of it)`,
        verdict(Number.isFinite(incInProcess) ? incInProcess <= 0.05 : undefined),
      ],
      [
        `verify ≤ one full refresh`,
        r.verify && ferry ? `${seconds(r.verify.seconds)} s vs ${seconds(ferry.wall)} s` : 'n/a',
        verdict(r.verify && ferry ? !r.verify.error && r.verify.seconds <= ferry.wall : undefined),
      ],
      [
        'ferry seed ≥ 100,000 rows/s',
        r.seed ? `${n(Math.round(r.seed.rowsPerSecond))} rows/s` : 'n/a',
        verdict(r.seed ? r.seed.rowsPerSecond >= 100_000 : undefined),
      ],
    ],
  );

  const preamble = [
    `Written by \`npm run bench\` (bench/run.ts) on ${r.machine.date}; ${r.settings.runs} run(s) per tool, medians. ` +
      `Whole benchmark: ${r.minutes ? r.minutes.toFixed(1) : '?'} minutes.`,
    '',
    `Machine: ${r.machine.cpus} CPU (${r.machine.cpuModel}), ${r.machine.memoryGb.toFixed(0)} GB memory; ` +
      `Node ${r.machine.node}, MariaDB ${r.machine.mariadb}, PostgreSQL ${r.machine.postgres}, pgloader ${r.machine.pgloader}. ` +
      `Both servers run on the same machine as the tools.`,
    '',
    maxLoad > r.machine.cpus * 0.5
      ? `**Conditions were shared**: the 1-minute load average reached ${maxLoad.toFixed(1)} on ${r.machine.cpus} CPUs during the run ` +
        `(other work was running), so absolute times are noisy; the tools ran interleaved in the same run, so their ratios are the fairer figure.`
      : `The machine was otherwise quiet (1-minute load average at most ${maxLoad.toFixed(1)}).`,
    '',
    '### Targets',
    '',
    targets,
  ].join('\n');

  const sections: Section[] = [];
  if (r.full) sections.push(fullRefreshSection(r));
  const spark = sparkSection(r);
  if (spark) sections.push(spark);
  const types = typesSection(r);
  if (types) sections.push(types);
  const scale = scaleSection(r);
  if (scale) sections.push(scale);
  if (r.incremental) {
    const inc = r.incremental;
    sections.push({
      title: 'Incremental sync',
      body: [
        `bench_inc: the same ${n(inc.rows)} rows with an index on updated_at, stream \`mode: incremental, cursor: updated_at\`. ` +
          `Each round changes ${n(inc.changedRows)} rows (1%: amount, note and updated_at) and runs \`ferry sync\`; the target is checked against the source after each.`,
        '',
        table(
          ['', 'wall (median)', 'sync run (median)', 'of the full refresh', 'runs (wall s)', 'rows match'],
          [
            ['first load (full)', `${seconds(inc.initial.wallSeconds)} s`, '', '', '', ''],
            [
              'incremental, 1% changed: `ferry sync`',
              `${seconds(inc.wall)} s`,
              `${seconds(inc.runSeconds)} s`,
              `${(incRatio * 100).toFixed(1)}% (sync run: ${(incRunRatio * 100).toFixed(1)}%)`,
              inc.runs.map((m) => m.wallSeconds.toFixed(2)).join(', '),
              inc.checksumsMatch ? 'yes' : 'NO',
            ],
            [
              'incremental, 1% changed: in a long-running process',
              `${seconds(inc.inProcessSeconds)} s`,
              '',
              `${(incInProcess * 100).toFixed(1)}%`,
              inc.inProcess.map((v) => v.toFixed(2)).join(', '),
              inc.checksumsMatch ? 'yes' : 'NO',
            ],
          ],
        ),
        '',
        `"wall" is the whole process (Node start, connections, introspection); "sync run" is the run time ferry reports ` +
          `(the full refresh's sync run took ${seconds(ferry?.runSeconds ?? NaN)} s). ` +
          `"In a long-running process": each round's change synced by \`sync()\` inside the benchmark's own process, ` +
          `as \`ferry server\` runs a pipeline's sync (connections, introspection and the plan included; no process start), ` +
          `interleaved with the CLI rounds. Process start apart: \`ferry --version\` takes ${seconds(inc.processStart)} s (median of 3).` +
          (inc.gtidLookup
            ? ` A sync without cdc streams leaves the snapshot's GTID out: MariaDB's \`BINLOG_GTID_POS\` reads the binlog file from its ` +
              `start to the snapshot's offset, and at the offset after these rounds (${inc.gtidLookup.offsetMb.toFixed(0)} MB into the file) it took ` +
              `${seconds(inc.gtidLookup.seconds)} s, ${((inc.gtidLookup.seconds / inc.inProcessSeconds) * 100).toFixed(0)}% of the in-process run; ` +
              'a sync that starts a cdc stream pays it once.'
            : '') +
          "\n\nWhat an in-process run holds: a whole run's fixed work (connections to both servers, introspection, the consistent " +
          "snapshot of its reader sessions, the plan, the state's transaction) plus reading and merging the changed rows; with the " +
          "default `lookback: 5s` of a date/time cursor a round that follows the previous one within 5 s reads that round's rows again.",
      ].join('\n'),
    });
  }
  if (r.verify) {
    sections.push({
      title: 'Verify',
      body: [
        `\`verify()\` (src/verify/verify.ts, called as a library) on the ${n(r.settings.rows)}-row table ferry loaded: ` +
          `${seconds(r.verify.seconds)} s, ${r.verify.error ? `failed: ${r.verify.error}` : r.verify.inSync ? 'in sync' : 'reported differences'}` +
          (ferry ? `; one full refresh takes ${seconds(ferry.wall)} s.` : '.'),
        '',
        'Where the time goes: each side computes its bucket checksums in its own database at the same time ' +
          '(MariaDB: the canonical text of every row, the first 64 bits of its MD5 (CONV), summed per bucket modulo 2^64; PostgreSQL: the same ' +
          "text and hash over the target), so the wall time is the slower side plus the drill-down, and ferry's process only " +
          'compares sums. On this machine both servers share the 2 cores with each other: measured apart, the MariaDB side took ' +
          '1.2-1.3 s for the row text and 2.0-2.4 s for the whole bucket query, the PostgreSQL side 1.6-2.7 s ' +
          '(docs/decisions/0016-verify-row-hash.md: cheaper hashes, CRC32 pairs and bucket sizes measured; the text, not the hash, is the cost). ' +
          'A full refresh moves the same rows once through both servers too, so the two stay within noise of each other here.',
      ].join('\n'),
    });
  }
  if (r.slowdown) sections.push(slowdownSection(r.slowdown, r.slowdownLoad ?? 'not sampled'));
  if (r.seed) {
    sections.push({
      title: 'Seed',
      body: [
        `\`ferry seed --scale ${r.seed.scale} --reset\` into an empty MariaDB database: ${n(r.seed.rows)} rows in ${seconds(r.seed.seconds)} s, ` +
          `**${n(Math.round(r.seed.rowsPerSecond))} rows/s** (process wall time ${seconds(r.seed.wall)} s).`,
      ].join('\n'),
    });
  }
  sections.push({
    title: 'Running the benchmark',
    body: [
      '`npm run bench` (or `make bench`, which also builds and starts the servers). It builds dist/, creates the databases `ferry_bench` ' +
        '(MariaDB and PostgreSQL) and `ferry_bench_seed` (MariaDB) and nothing else, generates the tables once (kept for later runs), ' +
        'installs pgloader (and GNU time, the database clients) with apt-get when missing and the bench runs as root, ' +
        'installs Sling and dlt with `bench/peers/install.sh` into `~/.cache/ferry/peers/<tool>-<version>` (`FERRY_CACHE_DIR` moves it; ' +
        `${installTime(r)}), and rewrites its sections of this file; other sections stay. ` +
        'A tool that cannot be installed or fails is left out and named above the comparison. ' +
        'To free the space (about 2 GB, 5 GB more with the 10M-row table), drop those databases.',
      '',
      'Environment: `FERRY_BENCH_ROWS` (1000000), `FERRY_BENCH_BIG_ROWS` (5000000, 0 skips), ' +
        '`FERRY_BENCH_SCALE_ROWS` (0; 10000000 adds the 10M-row scale point), `FERRY_BENCH_RUNS` (5), ' +
        '`FERRY_BENCH_SEED_SCALE` (1, 0 skips), `FERRY_BENCH_SKIP` (comma list of pgloader, pipe, sling, dlt, spark, verify, incremental, slowdown, big, scale, seed), ' +
        '`FERRY_BENCH_BASELINE` (a0ef904: the build the slowdown check compares with), ' +
        '`FERRY_BENCH_SOURCE_URL` / `FERRY_BENCH_TARGET_URL` (the local dev servers), `FERRY_BENCH_SPARK_URL` (sc://127.0.0.1:15002; Spark is left out, with a line saying so, when nothing answers there), `FERRY_BENCH_NO_BUILD=1`, `FERRY_BENCH_OUTPUT`.',
    ].join('\n'),
  });
  return { preamble, sections };
}
