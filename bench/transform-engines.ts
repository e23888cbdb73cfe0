// Benchmark: the example models over the seeded shop on each engine (default scale 1).
// Usage: npx tsx bench/transform-engines.ts [scale]. Creates and drops its own databases.
import { seededShop, transform, transformConfig } from '../test/integration/transform/shop-project.js';

const scale = Number(process.argv[2] ?? 1);
const started = Date.now();
const db = await seededShop('tfbench', scale);
console.log(`seeded and synced scale ${scale} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
try {
  for (const engine of ['postgres', 'duckdb', 'postgres', 'duckdb'] as const) {
    const t0 = Date.now();
    const summary = await transform(transformConfig(db, `bench_${engine}`), { engine });
    const seconds = (Date.now() - t0) / 1000;
    const rows = Object.fromEntries(summary.models.map((m) => [m.model, m.rows]));
    const modelSeconds = summary.models.reduce((a, m) => a + m.seconds, 0);
    console.log(
      JSON.stringify({
        engine,
        status: summary.status,
        seconds,
        extractSeconds: summary.extract?.seconds ?? null,
        extractRows: summary.extract?.rows ?? null,
        modelSeconds,
        tests: summary.tests.length,
        testsPassed: summary.tests.filter((t) => t.status === 'pass').length,
        rows,
      }),
    );
  }
} finally {
  await db.drop();
}
