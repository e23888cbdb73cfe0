// ferry's state migrations: a state that ferry 0.1 created (its own DDL, filled with rows) upgrades
// in place with nothing lost and keeps working; concurrent starts apply each migration once; a state
// written by a newer ferry is refused with a message saying what to do.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { ferryState } from '../../../src/state/ferry-state.js';
import { shippedMigrations } from '../../../src/state/migrate.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';

const OLD_DDL = readFileSync(new URL('../../fixtures/state-0.1.sql', import.meta.url), 'utf8');

let db: TestDatabases;

beforeAll(async () => {
  db = await createTestDatabases('migrate');
});

afterAll(async () => {
  await db?.drop();
});

/** Rows of every table as text, to compare before and after. */
async function snapshotOf(client: pg.Client, tables: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const { rows } = await client.query<{ r: string }>(
      `SELECT to_jsonb(t)::text AS r FROM "_ferry"."${table}" t ORDER BY 1`,
    );
    out[table] = rows.map((r) => r.r);
  }
  return out;
}

const OLD_TABLES = [
  'runs',
  'streams',
  'stream_runs',
  'chunks',
  'quarantine',
  'quarantine_log',
  'value_changes',
  'locks',
  'pipeline_runs',
  'task_instances',
  'verify_runs',
  'verify_streams',
];

describe('a state made by ferry 0.1', () => {
  it('upgrades in place: every row kept, the new layout in place, and an incremental sync goes on from its mark', async () => {
    await db.source.query('CREATE TABLE events (id INT PRIMARY KEY, note VARCHAR(20), seen INT NOT NULL)');
    await db.source.query("INSERT INTO events VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30)");
    const client = db.target;
    await client.query(OLD_DDL);
    await client.query(OLD_DDL); // 0.1 ran its DDL at every start: twice must be harmless
    await client.query(`CREATE SCHEMA raw`);
    await client.query(
      `CREATE TABLE raw.events (id integer PRIMARY KEY, note varchar(20), seen integer, _ferry_synced_at timestamptz NOT NULL DEFAULT now(), _ferry_deleted_at timestamptz)`,
    );
    await client.query(`INSERT INTO raw.events (id, note, seen) VALUES (1, 'one', 10), (2, 'two', 20)`);
    await client.query(`
      INSERT INTO "_ferry".runs (target_schema, status, binlog_file, binlog_position, gtid, host, pid, summary)
        VALUES ('raw', 'succeeded', 'mariadb-bin.000001', 4567, '0-1-99', 'old-host', 42, '{"streams": 1}');
      INSERT INTO "_ferry".streams (target_schema, target_table, source_table, mode, cursor_column, high_water, last_run_id, rows_total)
        VALUES ('raw', 'events', 'events', 'incremental', 'seen', '20', 1, 2);
      INSERT INTO "_ferry".stream_runs (run_id, target_schema, target_table, mode, status, rows_read, rows_loaded, started_at)
        VALUES (1, 'raw', 'events', 'incremental', 'succeeded', 2, 2, '2026-11-30T10:00:00Z');
      INSERT INTO "_ferry".chunks (target_schema, target_table, staging_table, chunk, lower_bound, upper_bound, rows, run_id, cursor_mark)
        VALUES ('raw', 'big', '_ferry_stage_big', 0, NULL, '1024', 1000, 1, '5');
      INSERT INTO "_ferry".quarantine (stream, target_schema, run_id, primary_key, "row", reason, failures)
        VALUES ('events', 'raw', 1, '{"id": "9"}', '{"id": "9", "note": null}', 'note: is null', '[{"check": "note.not_null", "code": "not_null"}]');
      INSERT INTO "_ferry".quarantine_log (id, stream, target_schema, run_id, "row", reason, failures, row_form, quarantined_at, resolution)
        VALUES (7, 'events', 'raw', 1, '{}', 'old', '[]', 'source', '2026-11-29T00:00:00Z', 'discarded');
      INSERT INTO "_ferry".value_changes (stream, target_schema, run_id, primary_key, "column", original, action, reason)
        VALUES ('events', 'raw', 1, '{"id": "2"}', 'note', '0000-00-00', 'set_null', 'zero date');
      INSERT INTO "_ferry".pipeline_runs (pipeline, run_key, trigger, interval_start, interval_end)
        VALUES ('nightly', 'scheduled__2026-11-30T00:00:00.000Z', 'schedule', '2026-11-29T00:00:00Z', '2026-11-30T00:00:00Z');
      INSERT INTO "_ferry".task_instances (run_id, task, state, attempts, max_attempts, log)
        VALUES (1, 'sync', 'succeeded', 1, 3, 'a log line');
      INSERT INTO "_ferry".verify_runs (target_schema, in_sync, seconds) VALUES ('raw', true, 1.5);
      INSERT INTO "_ferry".verify_streams (run_id, stream, status, source_rows, target_rows, missing, extra, different, expected, in_flight, samples, notes)
        VALUES (1, 'events', 'in_sync', 2, 2, 0, 0, 0, 0, 0, '{}', '[]');
    `);
    const before = await snapshotOf(client, OLD_TABLES);

    const state = ferryState();
    await state.migrate(client, 'replication');
    await state.migrate(client, 'history');

    const after = await snapshotOf(client, OLD_TABLES);
    for (const table of OLD_TABLES) {
      // Every column 0.1 had keeps its value; the migrations' new columns are left out here.
      const oldColumns = new Set(before[table]!.flatMap((r) => Object.keys(JSON.parse(r) as object)));
      const strip = (rows: string[]) =>
        rows.map((r) =>
          JSON.stringify(
            Object.fromEntries(
              Object.entries(JSON.parse(r) as Record<string, unknown>).filter(([k]) => oldColumns.has(k)),
            ),
          ),
        );
      expect(strip(after[table]!).sort(), table).toEqual(strip(before[table]!).sort());
    }
    const { rows: engine } = await client.query<{ engine: string }>(`SELECT engine FROM "_ferry".runs`);
    expect(engine).toEqual([{ engine: 'ferry' }]);
    const { rows: recorded } = await client.query<{ track: string; version: number }>(
      `SELECT track, version FROM "_ferry".migrations ORDER BY track, version`,
    );
    expect(recorded).toEqual([
      ...shippedMigrations('history').map((m) => ({ track: 'history', version: m.version })),
      ...shippedMigrations('replication').map((m) => ({ track: 'replication', version: m.version })),
    ]);

    // The stream state of 0.1 goes on: the incremental sync reads from its mark (seen >= 20).
    const summary = await runSync(
      testConfig(db, 'streams:\n  - { table: events, mode: incremental, cursor: seen }\n', 'raw'),
    );
    expect(summary.status, JSON.stringify(summary.streams)).toBe('succeeded');
    expect(summary.streams[0]).toMatchObject({ mode: 'incremental', rowsRead: 2, rowsLoaded: 2 });
    const { rows } = await client.query<{ id: number }>(`SELECT id FROM raw.events ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    const mark = await state.streams.read(client, { targetSchema: 'raw', table: 'events' });
    expect(mark?.highWater).toBe('30');
    // The old run left running by a killed 0.1 process would be closed; this one finished.
    const { rows: runs } = await client.query<{ status: string }>(
      `SELECT status FROM "_ferry".runs ORDER BY run_id`,
    );
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('is refused by this ferry once a newer ferry has migrated it, with what to do', async () => {
    const client = db.target;
    await client.query(
      `INSERT INTO "_ferry".migrations (track, version, name, ferry_version) VALUES ('replication', 9999, 'from-the-future', '9.9.9')`,
    );
    try {
      const error = await ferryState()
        .migrate(client)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(
        /upgraded by a newer ferry \(replication migration 9999/,
      );
      expect((error as ConfigError).hint).toMatch(/upgrade ferry on this machine/);
    } finally {
      await client.query(`DELETE FROM "_ferry".migrations WHERE version = 9999`);
    }
  });
});

describe('an empty database', () => {
  it('gets the state once when several processes start at the same moment', async () => {
    const clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const c = new pg.Client({ connectionString: db.postgresUrl });
        await c.connect();
        return c;
      }),
    );
    try {
      const state = ferryState('_ferry_race');
      await Promise.all(clients.map((c) => state.migrate(c)));
      const { rows } = await clients[0]!.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "_ferry_race".migrations WHERE track = 'replication'`,
      );
      expect(rows[0]!.n).toBe(String(shippedMigrations('replication').length));
      // Current: a second migrate is a no-op that reads the catalog only.
      await state.migrate(clients[1]!);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});
