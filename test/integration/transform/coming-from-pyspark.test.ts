// docs/coming-from-pyspark.md cannot drift: its ferry snippets (the fenced blocks marked file=...)
// become a fresh project, its command blocks (marked ferry-commands) run line by line against a
// seeded shop and the Spark Connect server, and the tables they build hold what the job promises.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runFerry } from '../../support/cli.js';
import type { TestDatabases } from '../../support/databases.js';
import { requireSpark, SPARK_URL } from '../spark/spark-server.js';
import { seededSource } from './shop-project.js';

interface Block {
  lang: string;
  info: string;
  body: string;
}

const page = readFileSync(join(REPO_ROOT, 'docs', 'coming-from-pyspark.md'), 'utf8');
const blocks: Block[] = [...page.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1]!,
  info: m[2]!.trim(),
  body: m[3]!,
}));
const files = blocks.flatMap((b) => {
  const file = /(?:^|\s)file=(\S+)/.exec(b.info)?.[1];
  return file ? [{ file, body: b.body }] : [];
});
const commandBlocks = blocks
  .filter((b) => b.info.split(/\s+/).includes('ferry-commands'))
  .map((b) =>
    b.body
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#')),
  );

let db: TestDatabases;
let project: string;

/** Runs each line of a command block as ferry would be run in the project's folder. */
async function runBlock(lines: readonly string[]): Promise<void> {
  for (const line of lines) {
    const [command, ...args] = line.split(/\s+/);
    expect(command).toBe('ferry');
    const result = await runFerry(args, {
      cwd: project,
      env: { FERRY_SOURCE_URL: db.mysqlUrl, FERRY_TARGET_URL: db.postgresUrl, SPARK_URL },
      timeoutMs: 300_000,
    });
    expect({ line, code: result.code, stderr: result.code === 0 ? '' : result.stderr.slice(-2000) }).toEqual({
      line,
      code: 0,
      stderr: '',
    });
  }
}

/** daily_revenue as the PySpark job defines it, computed by MySQL itself. */
async function expectedDailyRevenue(): Promise<string[]> {
  const [rows] = await db.source.query(
    `SELECT CAST(DATE(o.placed_at) AS CHAR) AS d, COUNT(*) AS n, CAST(SUM(COALESCE(u.units, 0)) AS CHAR) AS units,
            CAST(SUM(o.total) AS CHAR) AS revenue
       FROM orders o LEFT JOIN (SELECT order_id, SUM(quantity) AS units FROM order_items GROUP BY order_id) u ON u.order_id = o.id
      WHERE o.status IN ('paid', 'shipped', 'delivered') GROUP BY DATE(o.placed_at) ORDER BY 1`,
  );
  return (rows as { d: string; n: number; units: string; revenue: string }[]).map(
    (r) => `${r.d} ${r.n} ${r.units} ${r.revenue}`,
  );
}

async function dailyRevenue(schema: string): Promise<string[]> {
  const { rows } = await db.target.query<{ line: string }>(
    `SELECT concat_ws(' ', order_date, orders, units, revenue) AS line FROM "${schema}".daily_revenue ORDER BY order_date`,
  );
  return rows.map((r) => r.line);
}

beforeAll(async () => {
  await requireSpark();
  db = await seededSource('pyspark');
  project = mkdtempSync(join(tmpdir(), 'ferry-from-pyspark-'));
  // ferry runs from source here (node --import tsx), which Node resolves from the working folder.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'));
  for (const { file, body } of files) {
    mkdirSync(join(project, dirname(file)), { recursive: true });
    writeFileSync(join(project, file), body);
  }
}, 300_000);

afterAll(async () => {
  await db?.drop();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('docs/coming-from-pyspark.md', () => {
  it('has the ferry project the page describes: ferry.yaml, a DataFrame model and a SQL model', () => {
    expect(files.map((f) => f.file).sort()).toEqual([
      'ferry.yaml',
      'models/daily_revenue.sql',
      'models/order_facts.ts',
    ]);
    expect(commandBlocks).toHaveLength(2);
  });

  it('runs the pipeline from MySQL through Spark into PostgreSQL, without raw tables, as the PySpark job computes it', async () => {
    await runBlock(commandBlocks[0]!);
    expect(await dailyRevenue('analytics')).toEqual(await expectedDailyRevenue());
    const [orders] = await db.source.query('SELECT COUNT(*) AS n FROM orders');
    const { rows } = await db.target.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM analytics.order_facts',
    );
    expect(Number(rows[0]!.n)).toBe(Number((orders as { n: number }[])[0]!.n));
    const { rows: raw } = await db.target.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'raw_shop'`);
    expect(raw).toEqual([]);
    const dag = readFileSync(join(project, 'dags', 'ferry_shop_daily.py'), 'utf8');
    expect(dag).toMatch(/ferry.*task.*run/s);
  });

  it('builds the same rows from the replicated tables (the EtLT variant)', async () => {
    await runBlock(commandBlocks[1]!);
    expect(await dailyRevenue('analytics_etlt')).toEqual(await dailyRevenue('analytics'));
    const { rows } = await db.target.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (SELECT * FROM analytics.order_facts EXCEPT SELECT * FROM analytics_etlt.order_facts) d`,
    );
    expect(rows).toEqual([{ n: '0' }]);
  });
});
