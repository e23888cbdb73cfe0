// What a user watching a long sync sees: outside a terminal, a JSON progress line per stream every
// few seconds, also while the put-in-place step waits (the old table locked by a reader) and while an
// incremental merge waits on a row lock; in a terminal (a real pseudo-terminal from `script`), bars
// that stay below 100% through those steps and end at 100% with "done". Also `ferry stream` catching
// up a backlog, and the rows of a Spark copy read from its staging table.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres } from '../../../src/connectors/postgres/connect.js';
import { watchStagingRows } from '../../../src/replication/staging-progress.js';
import { REPO_ROOT, runFerry, spawnFerry } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { startThrowawayMariadb } from '../../support/throwaway-mariadb.js';
import { BINLOG_SERVER_ARGS } from '../binlog/support.js';

let db: TestDatabases;
let config: string;
let reader: pg.Client;

interface ProgressLine {
  stream?: string;
  msg: string;
  progress?: {
    phase: string;
    rows: number;
    rowsTotal: number | null;
    chunks: number | null;
    chunksTotal: number | null;
    seconds: number;
  };
}

/** Collects a child's output; `until` resolves once the text matches (bounded). */
function watch(child: ChildProcess, from: 'stdout' | 'stderr') {
  let text = '';
  child[from]!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return {
    text: () => text,
    exited,
    async until(pattern: RegExp, ms = 60_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pattern.test(text)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${String(pattern)} in the output:\n${text.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

const progressLines = (stderr: string): ProgressLine[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ProgressLine)
    .filter((l) => l.progress);

beforeAll(async () => {
  db = await createTestDatabases('progress');
  await db.source.query(
    'CREATE TABLE big (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(40), updated_at DATETIME(6) NOT NULL, KEY idx_k (k))',
  );
  await db.source.query('SET SESSION max_recursive_iterations = 100000');
  await db.source.query(
    `INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
     SELECT i, i % 97, CONCAT('row ', i), TIMESTAMPADD(SECOND, i, '2026-01-01') FROM n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'ferry-progress-'));
  config = join(dir, 'ferry.yaml');
  writeFileSync(
    config,
    `source: { url: "${db.mysqlUrl}" }
target: { url: "${db.postgresUrl}", schema: raw }
streams:
  - { table: big, mode: incremental, cursor: updated_at }
sync: { chunk_rows: 10000 }
`,
  );
  reader = new pg.Client({ connectionString: db.postgresUrl });
  await reader.connect();
}, 120_000);

afterAll(async () => {
  await reader?.end();
  await db?.drop();
});

describe('progress outside a terminal', () => {
  it('logs a line per stream every interval, through the copy and a swap that waits for a lock', async () => {
    const first = watch(
      spawnFerry(['--config', config, 'sync'], { env: { FERRY_PROGRESS_INTERVAL: '0.2' } }),
      'stderr',
    );
    expect(await first.exited).toBe(0);

    // a reader holds the old table: the next full load copies, then waits to replace it
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM raw.big');
    const child = spawnFerry(['--config', config, 'sync', '--full-refresh'], {
      env: { FERRY_PROGRESS_INTERVAL: '0.2' },
    });
    const second = watch(child, 'stderr');
    try {
      await second.until(
        /"phase":"replacing raw\.big by the new copy".*\n(.*\n)*.*"phase":"replacing raw\.big/,
      );
    } finally {
      await reader.query('COMMIT');
    }
    expect(await second.exited).toBe(0);
    const waiting = progressLines(second.text()).filter((l) => l.progress!.phase.startsWith('replacing'));
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(waiting.at(-1)).toMatchObject({
      stream: 'big',
      progress: { rows: 30000, chunksTotal: waiting.at(-1)!.progress!.chunks },
      msg: expect.stringMatching(
        /^big: replacing raw\.big by the new copy \(step \d\/\d\), 30,000 rows, \d+ s so far$/,
      ) as unknown,
    });
    // the lines come every interval, not once per event
    const times = waiting.map((l) => l.progress!.seconds);
    expect(times[1]! - times[0]!).toBeGreaterThan(0.1);
  });

  it('logs what ferry verify compares, per stream', async () => {
    const run = await runFerry(['--config', config, 'verify'], { env: { FERRY_PROGRESS_INTERVAL: '0.05' } });
    expect(run.code, run.stderr).toBe(0);
    expect(progressLines(run.stderr)[0]).toMatchObject({
      stream: 'big',
      msg: expect.stringMatching(/^big: comparing checksums of about \d+ rows, \d+ s so far$/) as unknown,
    });
  });

  it('logs the merge of an incremental run while it waits on a row lock', async () => {
    await db.source.query("UPDATE big SET v = 'changed', updated_at = NOW(6) WHERE id = 7");
    await reader.query('BEGIN');
    await reader.query('SELECT * FROM raw.big WHERE id = 7 FOR UPDATE');
    const run = watch(
      spawnFerry(['--config', config, 'sync'], { env: { FERRY_PROGRESS_INTERVAL: '0.2' } }),
      'stderr',
    );
    try {
      await run.until(/"phase":"merging \d rows"/);
    } finally {
      await reader.query('COMMIT');
    }
    expect(await run.exited).toBe(0);
    // the changed row, and the rows at the end of the mark that every run reads again
    expect(progressLines(run.text()).find((l) => l.progress!.phase.startsWith('merging'))?.msg).toMatch(
      /^big: merging \d+ rows \(step 1\/1\), \d+ rows, \d+ s so far$/,
    );
  });
});

describe('progress of ferry stream', () => {
  it('logs its catch-up of a backlog every interval, and nothing once it keeps up', async () => {
    // a server of its own: the shared one's binlog holds other tests' writes, which the reader would
    // read past first (a large transaction of another test can take it longer than any bound here)
    const server = await startThrowawayMariadb(BINLOG_SERVER_ARGS);
    const source = await mysql.createConnection({ uri: server.url });
    try {
      await catchUp(server.url, source);
    } finally {
      await source.end().catch(() => undefined);
      await server.stop();
    }
  }, 200_000);
});

/** A cdc stream's snapshot, a backlog of 60,000 row changes, then `ferry stream` catching it up. */
async function catchUp(sourceUrl: string, source: mysql.Connection): Promise<void> {
  await source.query('CREATE TABLE backlog (id INT PRIMARY KEY, v INT NOT NULL)');
  const file = join(dirname(config), 'cdc.yaml');
  writeFileSync(
    file,
    `source: { url: "${sourceUrl}" }
target: { url: "${db.postgresUrl}", schema: raw }
streams:
  - { table: backlog, mode: cdc }
cdc: { batch_wait: 100ms, heartbeat: 500ms }
`,
  );
  const snapshot = await runFerry(['--config', file, 'sync']);
  expect(snapshot.code, snapshot.stderr).toBe(0);
  // 600 transactions of 100 rows, older than the few seconds that count as keeping up
  for (let t = 0; t < 600; t++)
    await source.query(`INSERT INTO backlog SELECT seq, seq % 7 FROM seq_${t * 100 + 1}_to_${t * 100 + 100}`);
  await new Promise((r) => setTimeout(r, 6500));
  // debug: each batch is logged too, which says what happened if no progress line comes
  const child = spawnFerry(['--config', file, '--log-level', 'debug', 'stream'], {
    env: { FERRY_PROGRESS_INTERVAL: '0.05' },
  });
  const run = watch(child, 'stderr');
  try {
    await run.until(/"cdc":"catch-up"/);
    // caught up: the target has the backlog, and no catch-up line comes any more
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const { rows } = await reader.query<{ n: string }>('SELECT count(*) AS n FROM raw.backlog');
      if (Number(rows[0]!.n) === 60_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const before = run.text().length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(run.text().slice(before)).not.toMatch(/"cdc":"catch-up"/);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await run.exited).toBe(0);
  const lines = run
    .text()
    .split('\n')
    .filter((l) => l.includes('"cdc":"catch-up"'))
    .map((l) => JSON.parse(l) as ProgressLine);
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines[0]!.msg).toMatch(
    /^catch-up: catching up the binlog, \d+ s behind the source \(applied up to .+\), [\d,]+ rows, /,
  );
  const rows = lines.map((l) => l.progress!.rows);
  expect(rows).toEqual([...rows].sort((a, b) => a - b));
  expect(rows.at(-1)).toBeLessThanOrEqual(60_000);
}

describe("the Spark copy's rows, read from its staging table", () => {
  it('reports the rows the staging table holds, estimated from the size of a row of the table it replaces', async () => {
    const control = await connectPostgres(db.postgres);
    try {
      await control.query('CREATE SCHEMA IF NOT EXISTS spark_watch');
      await control.query(
        'CREATE TABLE spark_watch.t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g',
      );
      await control.query('ANALYZE spark_watch.t');
      await control.query('CREATE TABLE spark_watch.t_staging (id int, v text)');
      const seen: number[] = [];
      const unwatch = watchStagingRows(
        control,
        { schema: 'spark_watch', staging: 't_staging', target: 't' },
        0.1,
        (rows) => seen.push(rows),
      );
      // another session writes, as the Spark job's connections do
      await reader.query(
        'INSERT INTO spark_watch.t_staging SELECT g, md5(g::text) FROM generate_series(1, 12000) g',
      );
      const deadline = Date.now() + 10_000;
      while (!seen.some((n) => n >= 11_000) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      unwatch();
      expect(
        seen.some((n) => n >= 11_000 && n <= 13_000),
        `reported ${seen.join(', ')}`,
      ).toBe(true);
    } finally {
      await control.end();
    }
  });
});

describe('progress in a terminal', () => {
  it('keeps the bar below 100% while the table is put in place, and ends it at 100% with done', async () => {
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM raw.big');
    const command = [
      process.execPath,
      '--import',
      'tsx',
      'src/cli/main.ts',
      '--config',
      config,
      'sync',
      '--full-refresh',
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    // a terminal wide enough for the bar and its status (cli-progress cuts lines at its width)
    const inTerminal = `stty cols 200 rows 40; exec ${command}`;
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FERRY_LOG_FORMAT;
    const child = spawn('script', ['-qfec', inTerminal, '/dev/null'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const terminal = watch(child, 'stdout');
    try {
      await terminal.until(
        /big +\[[^\]]+\] 9\d% \| replacing raw\.big by the new copy \(step \d\/\d\), 30,000 rows, \d+ s so far/,
      );
    } finally {
      await reader.query('COMMIT');
    }
    expect(await terminal.exited).toBe(0);
    const screen = terminal.text();
    expect(screen).toMatch(/big +\[[^\]]+\] 100% \| done: 30,000 rows in [\d.]+ s/);
    expect(screen).not.toMatch(/100% \| (copying|replacing|building)/);
    // log lines print above the bars, one event per line
    expect(screen).toMatch(/INFO: big: 30000 rows loaded \{"stream":"big",[^\n]*\}\r?\n/);
    expect(screen).toMatch(/run \d+ succeeded: 30000 rows read/);
  });
});
