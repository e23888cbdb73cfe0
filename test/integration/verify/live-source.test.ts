// verify as a gate on a source that keeps changing, through the real CLI while `ferry simulate`
// writes, for the demo pipeline as shipped (ferry.example.yaml: cdc streams, verified at their
// checkpoint) and for full-refresh and incremental streams (whose sync task verifies inside its own
// snapshot, verify: true): `ferry sync --verify` finds every stream in sync; the demo pipeline
// (shop_replication) passes while the simulator runs and still fails on a difference injected into
// the target; a row that changes while verify runs is in flight, a row that changed before it is a
// difference.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { REPO_ROOT, runFerry, spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

interface Verdict {
  stream: string;
  status: string;
  missing: number;
  extra: number;
  different: number;
  inFlight: number;
  samples: { different: { key: string }[] };
  notes: string[];
}

interface Shop {
  db: TestDatabases;
  dir: string;
  config: string;
  env: NodeJS.ProcessEnv;
  simulator?: ChildProcess | undefined;
}

/**
 * ferry.example.yaml, with other streams when given and the sync task's verify: setting. The
 * simulator changes orders without moving updated_at, which an incremental orders stream cannot see
 * (a real difference verify must report), so the non-cdc variant copies orders in full.
 */
function exampleConfig(dir: string, streams: object[] | undefined, syncVerify: boolean): string {
  const doc = parseDocument(readFileSync(join(REPO_ROOT, 'ferry.example.yaml'), 'utf8'));
  if (streams) doc.set('streams', doc.createNode(streams));
  doc.setIn(['pipelines', 'shop_replication', 'tasks', 'sync', 'verify'], syncVerify);
  const path = join(dir, 'ferry.yaml');
  writeFileSync(path, doc.toString());
  return path;
}

const ferry = (shop: Shop, args: string[]) =>
  runFerry(['-c', shop.config, ...args], { env: shop.env, timeoutMs: 240_000 });

/** Starts the simulator and waits until it has written for a while (its operations are in the source). */
async function startSimulator(shop: Shop): Promise<void> {
  shop.simulator = spawnFerry(
    ['-c', shop.config, 'simulate', '--rate', '150/s', '--duration', '600s', '--seed', '5'],
    { env: shop.env },
  );
  const count = async () =>
    Number(
      (
        (await shop.db.source.query('SELECT COUNT(*) AS n FROM customers')) as [Array<{ n: string }>, unknown]
      )[0][0]!.n,
    );
  const before = await count();
  for (let i = 0; i < 100 && (await count()) === before; i++) await new Promise((r) => setTimeout(r, 100));
}

async function stopSimulator(shop: Shop | undefined): Promise<void> {
  const child = shop?.simulator;
  if (!shop || !child) return;
  shop.simulator = undefined;
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

const variants = [
  { name: 'the demo as shipped (cdc streams)', label: 'live_cdc', streams: undefined, syncVerify: false },
  {
    name: 'full-refresh and incremental streams (sync task verify: true)',
    label: 'live_verify',
    streams: [
      { table: 'order_items', mode: 'incremental', cursor: 'updated_at', deletes: 'soft' },
      { table: '*', mode: 'full_refresh' },
    ],
    syncVerify: true,
  },
];

describe.each(variants)('$name', ({ label, streams, syncVerify }) => {
  let shop: Shop;

  beforeAll(async () => {
    const db = await createTestDatabases(label);
    const dir = mkdtempSync(join(tmpdir(), `ferry-${label}-`));
    shop = {
      db,
      dir,
      config: exampleConfig(dir, streams, syncVerify),
      env: { FERRY_SOURCE_URL: db.mysqlUrl, FERRY_TARGET_URL: db.postgresUrl },
    };
    const seeded = await ferry(shop, ['seed', '--scale', '0.01']);
    expect(seeded.code, seeded.stderr).toBe(0);
  });

  afterAll(async () => {
    await stopSimulator(shop);
    if (shop) rmSync(shop.dir, { recursive: true, force: true });
    await shop?.db.drop();
  });

  it('ferry sync --verify: every stream in sync while the simulator runs', async () => {
    await startSimulator(shop);
    for (let round = 0; round < 2; round++) {
      const result = await ferry(shop, ['sync', '--verify', '--json']);
      expect(result.stderr).not.toMatch(/bug in ferry/);
      const { verify } = JSON.parse(result.stdout) as { verify: { inSync: boolean; streams: Verdict[] } };
      const off = verify.streams.filter((s) => s.status !== 'in_sync');
      expect(off, JSON.stringify(off)).toEqual([]);
      // Inside the sync's own snapshot nothing is in flight (cdc streams: what the binlog changed).
      if (streams) expect(verify.streams.filter((s) => s.inFlight > 0)).toEqual([]);
      expect(verify.streams.map((s) => s.stream)).toEqual(
        expect.arrayContaining(['customers', 'orders', 'order_items']),
      );
      expect(result.code).toBe(0);
    }
  });

  it('ferry sync --verify --streams: reports only those streams', async () => {
    const result = await ferry(shop, ['sync', '--verify', '--streams', 'customers', '--json']);
    const { verify } = JSON.parse(result.stdout) as { verify: { streams: Verdict[] } };
    expect(verify.streams.map((s) => [s.stream, s.status])).toEqual([['customers', 'in_sync']]);
    expect(result.code).toBe(0);
  });

  it("the demo pipeline's verify task passes while the simulator runs", async () => {
    const result = await ferry(shop, ['trigger', 'shop_replication', '--wait']);
    expect(result.stderr).not.toMatch(/bug in ferry/);
    expect(result.stdout).toMatch(/verify\s+│ ok/);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('and still fails on a difference injected into the target', async () => {
    const synced = await ferry(shop, ['task', 'run', 'shop_replication', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    // categories: a table the simulator never writes, so nothing can make the change in flight.
    const { rows } = await shop.db.target.query<{ id: number }>(
      "UPDATE raw_shop.categories SET name = 'tampered' WHERE id = (SELECT min(id) FROM raw_shop.categories) RETURNING id",
    );
    await new Promise((r) => setTimeout(r, 1000)); // the simulator goes on meanwhile
    const task = await ferry(shop, ['task', 'run', 'shop_replication', 'verify']);
    expect(task.stderr).toMatch(/categories different/);
    expect(task.code).toBe(1);

    const report = await ferry(shop, ['verify', '--at-snapshot', '--json']);
    const verdicts = (JSON.parse(report.stdout) as { streams: Verdict[] }).streams;
    const categories = verdicts.find((s) => s.stream === 'categories')!;
    expect(categories).toMatchObject({ status: 'different', different: 1, missing: 0, extra: 0 });
    expect(categories.samples.different.map((d) => d.key)).toEqual([String(rows[0]!.id)]);
    const others = verdicts.filter((s) => s.stream !== 'categories' && s.status !== 'in_sync');
    expect(others, JSON.stringify(others)).toEqual([]);
    expect(report.code).toBe(1);
    await stopSimulator(shop);
  });
});

let db: TestDatabases;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabases('live_hot');
  dir = mkdtempSync(join(tmpdir(), 'ferry-live-hot-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

describe('a live verify without the proof of a verified sync', () => {
  it('calls a row in flight only if it changed between its two reads of the source', async () => {
    await db.source.query('CREATE TABLE hot (id int PRIMARY KEY, v int NOT NULL)');
    await db.source.query('INSERT INTO hot VALUES (1, 0), (2, 0), (3, 0)');
    const plain = join(dir, 'hot.yaml');
    writeFileSync(
      plain,
      'source: { url: "x" }\ntarget: { url: "x", schema: hot }\nstreams:\n  - { table: hot }\n',
    );
    const env = { FERRY_SOURCE_URL: db.mysqlUrl, FERRY_TARGET_URL: db.postgresUrl };
    const run = (args: string[]) => runFerry(['-c', plain, ...args], { env });
    expect((await run(['sync'])).code).toBe(0);
    // Row 2 changed after the sync and then stays: a real difference. Row 1 keeps changing.
    await db.source.query('UPDATE hot SET v = 1 WHERE id = 2');
    let writing = true;
    const writer = (async () => {
      for (let v = 1; writing; v++) {
        await db.source.query('UPDATE hot SET v = ? WHERE id = 1', [v]);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      for (const flags of [[], ['--at-snapshot']]) {
        const result = await run(['verify', '--json', ...flags]);
        const hot = (JSON.parse(result.stdout) as { streams: Verdict[] }).streams[0]!;
        expect(hot).toMatchObject({ different: 1, inFlight: 1 });
        expect(hot.samples.different.map((d) => d.key)).toEqual(['2']);
        expect(hot.notes.join()).toMatch(/1 differing row\(s\) changed in the source while verify ran/);
        expect(result.code).toBe(1);
      }
    } finally {
      writing = false;
      await writer;
    }
  });
});
