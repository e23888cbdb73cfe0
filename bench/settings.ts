// The benchmark's settings, read once from the environment so a quick run needs no code change:
//   FERRY_BENCH_ROWS (1,000,000)   rows of the main table
//   FERRY_BENCH_BIG_ROWS (5,000,000) rows of the table that shows memory stays flat (0 skips it)
//   FERRY_BENCH_SCALE_ROWS (0)     rows of the scale table, e.g. 10000000: full refresh and verify (0 skips it)
//   FERRY_BENCH_RUNS (5)           runs of each tool in the full-refresh comparison
//   FERRY_BENCH_SEED_SCALE (1)     ferry seed --scale (0 skips it)
//   FERRY_BENCH_CDC_CHANGES (1,000,000) row changes of the change-data-capture backlog (0 skips cdc)
//   FERRY_BENCH_CDC_RATE (5,000), FERRY_BENCH_CDC_SECONDS (60)   the steady workload the lag is measured under
//   FERRY_BENCH_CDC_BACKLOG_MB (1,024)   binlog bytes of the backlog the stream's memory is watched on
//   FERRY_BENCH_SOURCE_URL / FERRY_BENCH_TARGET_URL   servers (default: the local dev servers)
//   FERRY_BENCH_SPARK_URL (sc://127.0.0.1:15002)   the Spark Connect server of ferry sync --engine spark
//   FERRY_BENCH_SKIP=pgloader,pipe,sling,dlt,spark,big,scale,incremental,slowdown,seed,verify,cdc   scenarios or tools to leave out
//   FERRY_BENCH_BASELINE (a0ef904)  the commit the slowdown check builds and compares with (slowdown.ts)
//   FERRY_BENCH_NO_BUILD=1         do not rebuild dist/ first
//   FERRY_BENCH_OUTPUT (docs/benchmarks.md)
export interface BenchSettings {
  rows: number;
  bigRows: number;
  scaleRows: number;
  runs: number;
  seedScale: number;
  cdc: { changes: number; rate: number; seconds: number; backlogMb: number };
  sourceUrl: URL;
  targetUrl: URL;
  /** sc://host:port of the Spark Connect server for the Spark copy. */
  sparkUrl: string;
  skip: Set<string>;
  build: boolean;
  output: string;
  /** MariaDB and PostgreSQL database the benchmark creates and owns. */
  database: string;
  seedDatabase: string;
}

function numberFrom(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, got "${text}"`);
  return value;
}

export function readSettings(): BenchSettings {
  return {
    rows: Math.round(numberFrom('FERRY_BENCH_ROWS', 1_000_000)),
    bigRows: Math.round(numberFrom('FERRY_BENCH_BIG_ROWS', 5_000_000)),
    scaleRows: Math.round(numberFrom('FERRY_BENCH_SCALE_ROWS', 0)),
    runs: Math.max(1, Math.round(numberFrom('FERRY_BENCH_RUNS', 5))),
    seedScale: numberFrom('FERRY_BENCH_SEED_SCALE', 1),
    cdc: {
      changes: Math.round(numberFrom('FERRY_BENCH_CDC_CHANGES', 1_000_000)),
      rate: numberFrom('FERRY_BENCH_CDC_RATE', 5_000),
      seconds: numberFrom('FERRY_BENCH_CDC_SECONDS', 60),
      backlogMb: numberFrom('FERRY_BENCH_CDC_BACKLOG_MB', 1024),
    },
    sourceUrl: new URL(process.env.FERRY_BENCH_SOURCE_URL ?? 'mysql://ferry:ferry-dev-pw@127.0.0.1:3306/'),
    targetUrl: new URL(
      process.env.FERRY_BENCH_TARGET_URL ?? 'postgres://ferry:ferry-dev-pw@127.0.0.1:5432/warehouse',
    ),
    sparkUrl: process.env.FERRY_BENCH_SPARK_URL ?? 'sc://127.0.0.1:15002',
    skip: new Set(
      (process.env.FERRY_BENCH_SKIP ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    build: process.env.FERRY_BENCH_NO_BUILD !== '1',
    output: process.env.FERRY_BENCH_OUTPUT ?? 'docs/benchmarks.md',
    database: 'ferry_bench',
    seedDatabase: 'ferry_bench_seed',
  };
}

/** The URL with another database (path). */
export function withDatabase(url: URL, database: string): URL {
  const copy = new URL(url.toString());
  copy.pathname = `/${database}`;
  return copy;
}
