// The snapshot hand-off under fire: four writers commit as fast as they can (money moved between
// accounts, events appended and deleted, items touched, several tables per transaction) while the
// first `ferry sync` of a cdc stream takes its snapshot, three times into three target schemas.
// After the writers stop and a last catch-up, every schema holds what the source holds (verify),
// and its ledger holds exactly the source transactions after its snapshot's position, as the
// binlog itself lists them: a commit lost at the hand-off would be missing from the ledger (and
// the tables), one read twice would be refused by the ledger's key or counted twice here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { runSync, testConfig } from '../../support/sync.js';
import {
  binlogTransactions,
  gtidNow,
  ledgerDifferences,
  ledgerTransactions,
  runGtid,
  startWriters,
  verifyConfig,
  verifyProblems,
} from './support.js';

let db: TestDatabases;
const SCHEMAS = ['h1', 'h2', 'h3'];
const config = (schema: string) =>
  testConfig(
    db,
    'streams:\n  - { table: "*", mode: cdc }\nsync: { parallel_chunks: 3, chunk_rows: 5000 }\n',
    schema,
  );

beforeAll(async () => {
  db = await createTestDatabases('cdc_handoff');
  const s = db.source;
  await s.query('CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)');
  await s.query(
    'CREATE TABLE events (id bigint AUTO_INCREMENT PRIMARY KEY, account_id int NOT NULL, delta int NOT NULL, note varchar(40))',
  );
  await s.query('CREATE TABLE items (id int PRIMARY KEY, touched int NOT NULL, pad varchar(200))');
  await s.query('INSERT INTO accounts SELECT seq, 1000 FROM seq_1_to_200');
  // enough rows that a snapshot takes a while and is read in several ranges
  await s.query("INSERT INTO items SELECT seq, 0, REPEAT('x', 150) FROM seq_1_to_30000");
});

afterAll(async () => {
  await db?.drop();
});

describe('the first sync of a cdc stream while writers commit', () => {
  it('hands over from the snapshot to the binlog without losing or doubling a commit', async () => {
    const writers = await startWriters(db.mysql, 4, async (c, writer, round) => {
      const from = 1 + ((writer * 7919 + round * 31) % 200);
      const to = 1 + ((from + 1 + (round % 198)) % 200);
      await c.query('START TRANSACTION');
      await c.query('UPDATE accounts SET balance = balance - 3 WHERE id = ?', [from]);
      await c.query('UPDATE accounts SET balance = balance + 3 WHERE id = ?', [to]);
      await c.query('INSERT INTO events (account_id, delta, note) VALUES (?, -3, ?)', [from, `w${writer}`]);
      if (round % 5 === 4)
        await c.query('DELETE FROM events WHERE note = ? ORDER BY id LIMIT 1', [`w${writer}`]);
      if (round % 3 === 0)
        await c.query('UPDATE items SET touched = touched + 1 WHERE id = ?', [
          1 + ((round * 97 + writer) % 30000),
        ]);
      await c.query('COMMIT');
    });
    const snapshots: Record<string, string> = {};
    try {
      for (const schema of SCHEMAS) {
        const before = writers.committed;
        const first = await runSync(config(schema));
        expect(first.status, JSON.stringify(first.streams)).toBe('succeeded');
        snapshots[schema] = await runGtid(db.target, first.runId);
        // writers were committing while this snapshot was taken
        expect(writers.committed - before, schema).toBeGreaterThan(20);
      }
    } finally {
      await writers.stop();
    }
    expect(writers.errors).toEqual([]);
    const end = await gtidNow(db.source);
    for (const schema of SCHEMAS) {
      const last = await runSync(config(schema));
      expect(last.status, JSON.stringify(last.streams)).toBe('succeeded');
      expect(verifyProblems(await verifyConfig(config(schema)))).toEqual([]);
      const expected = await binlogTransactions(db.mysql, db.name, snapshots[schema]!, end);
      const ledger = await ledgerTransactions(db.target, schema);
      expect(ledgerDifferences(ledger, expected), schema).toEqual({ missing: [], extra: [], miscounted: [] });
      expect(ledger.size, schema).toBe(expected.size);
      expect(expected.size).toBeGreaterThan(50);
    }
    const { rows } = await db.target.query<{ total: string }>(
      'SELECT sum(balance)::text AS total FROM h1.accounts',
    );
    expect(rows[0]!.total).toBe('200000');
  });
});
