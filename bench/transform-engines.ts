// Benchmark: the example models over the seeded shop on each engine (default scale 1, 3 rounds),
// and on Spark reading its sources from PostgreSQL (the replicated tables), from MySQL directly, and
// from one MySQL snapshot staged in PostgreSQL.
// Usage: npx tsx bench/transform-engines.ts [scale] [rounds]; FERRY_BENCH_SPARK=0 leaves Spark out
// (it needs the Connect server of scripts/spark.sh, or FERRY_SPARK_URL). Creates and drops its own
// databases. Prints one JSON line per run and a Markdown table of the medians for docs/benchmarks.md.
import { cpus, loadavg } from 'node:os';
import { seededShop, transform, transformConfig } from '../test/integration/transform/shop-project.js';
import type { EngineName } from '../src/transform/plan/functions.js';
import type { SparkSourceMode } from '../src/config/schema.js';

const scale = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 3);
const sparkUrl = process.env.FERRY_SPARK_URL ?? 'sc://127.0.0.1:15002';

interface Variant {
  label: string;
  engine: EngineName;
  sources?: SparkSourceMode;
}
const VARIANTS: readonly Variant[] = [
  { label: 'postgres', engine: 'postgres' },
  { label: 'duckdb', engine: 'duckdb' },
  ...(process.env.FERRY_BENCH_SPARK === '0'
    ? []
    : (['postgres', 'mysql', 'mysql_snapshot'] as const).map((sources) => ({
        label: `spark, sources: ${sources}`,
        engine: 'spark' as const,
        sources,
      }))),
];

const started = Date.now();
const db = await seededShop('tfbench', scale);
console.log(`seeded and synced scale ${scale} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

interface Run {
  label: string;
  total: number;
  extract: number;
  build: number;
  tests: number;
}
const runs: Run[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const variant of VARIANTS) {
      const extra = variant.sources
        ? `  spark: { sources: ${variant.sources} }\nspark: { url: "${sparkUrl}" }\n`
        : '';
      const schema = `bench_${variant.engine}${variant.sources ? `_${variant.sources}` : ''}`;
      const summary = await transform(transformConfig(db, schema, undefined, extra), {
        engine: variant.engine,
      });
      if (summary.status !== 'succeeded') throw new Error(`${variant.label} run failed`);
      const run: Run = {
        label: variant.label,
        total: summary.seconds,
        extract: summary.extract?.seconds ?? 0,
        build: summary.buildSeconds,
        tests: summary.testSeconds,
      };
      runs.push(run);
      console.log(JSON.stringify({ ...run, extractRows: summary.extract?.rows ?? null, load: loadavg()[0] }));
    }
  }
} finally {
  report();
  await db.drop();
}

function report(): void {
  if (runs.length === 0) return;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(`\n${cpus().length} cores, scale ${scale}, median of ${rounds} runs (seconds)\n`);
  console.log('| engine | read the sources first | build (and load) models | data tests | total |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const variant of VARIANTS) {
    const mine = runs.filter((r) => r.label === variant.label);
    if (mine.length === 0) continue;
    const m = (k: keyof Omit<Run, 'label'>) => median(mine.map((r) => r[k])).toFixed(1);
    const readFirst = variant.engine === 'duckdb' || (variant.sources && variant.sources !== 'postgres');
    console.log(
      `| ${variant.label} | ${readFirst ? m('extract') : '-'} | ${m('build')} | ${m('tests')} | ${m('total')} |`,
    );
  }
}
