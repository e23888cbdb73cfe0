// Benchmark: the example models over the seeded shop on each engine (default scale 1, 3 rounds).
// Usage: npx tsx bench/transform-engines.ts [scale] [rounds]. Creates and drops its own databases.
// Prints one JSON line per run and a Markdown table of the medians for docs/benchmarks.md.
import { cpus, loadavg } from 'node:os';
import { seededShop, transform, transformConfig } from '../test/integration/transform/shop-project.js';

const scale = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 3);
const started = Date.now();
const db = await seededShop('tfbench', scale);
console.log(`seeded and synced scale ${scale} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

interface Run {
  engine: 'postgres' | 'duckdb';
  total: number;
  extract: number;
  build: number;
  tests: number;
}
const runs: Run[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const engine of ['postgres', 'duckdb'] as const) {
      const summary = await transform(transformConfig(db, `bench_${engine}`), { engine });
      if (summary.status !== 'succeeded') throw new Error(`${engine} run failed`);
      const run: Run = {
        engine,
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
  console.log('| engine | extract into DuckDB | build (and load) models | data tests | total |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const engine of ['postgres', 'duckdb'] as const) {
    const mine = runs.filter((r) => r.engine === engine);
    const m = (k: keyof Omit<Run, 'engine'>) => median(mine.map((r) => r[k])).toFixed(1);
    console.log(
      `| ${engine} | ${engine === 'duckdb' ? m('extract') : '-'} | ${m('build')} | ${m('tests')} | ${m('total')} |`,
    );
  }
}
