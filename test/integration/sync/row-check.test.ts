// A per-row check (the seam for data-quality checks) sees every row's values as read, in full and
// incremental loads and across parallel key ranges, and the rows it rejects are quarantined.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import type { SourceRow } from '../../../src/connectors/mysql/read-rows.js';
import { sync } from '../../../src/replication/run.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';
import { targetRows, testConfig } from '../../support/sync.js';

let db: TestDatabases;
const ROWS = 5000;

beforeAll(async () => {
  db = await createTestDatabases('rowcheck');
  await db.source.query(
    'CREATE TABLE items (id int PRIMARY KEY, price decimal(8,2), label varchar(20), blob_col varbinary(4), updated_at datetime)',
  );
  await db.source.query(
    `INSERT INTO items SELECT seq, IF(seq % 1000 = 500, -1, seq / 10), CONCAT('item ', seq), UNHEX('00FF'), '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_${ROWS}`,
  );
  await db.source.query('ANALYZE TABLE items');
});

afterAll(async () => {
  await db?.drop();
});

const config = () =>
  testConfig(
    db,
    'streams:\n  - { table: items, mode: incremental, cursor: updated_at }\nsync: { chunk_rows: 1000, parallel_chunks: 3 }\n',
  );

describe('a per-row check', () => {
  it('quarantines the rows it rejects and loads the others, with values as read', async () => {
    const seen: SourceRow[] = [];
    const summary = await sync({
      config: config(),
      logger: silentLogger(),
      signal: new AbortController().signal,
      rowCheck: (plan, mappings) => {
        expect(plan.name).toBe('items');
        const price = mappings.findIndex((m) => m.column.name === 'price');
        return (row) => {
          if (seen.length < 3) seen.push(row);
          return String(row[price]).startsWith('-') ? 'price: must not be negative' : undefined;
        };
      },
    });
    expect(summary.status).toBe('succeeded');
    expect(summary.streams[0]!.rowsQuarantined).toBe(5);
    expect(summary.streams[0]!.rowsLoaded).toBe(ROWS - 5);
    expect(Buffer.isBuffer(seen[0]![3])).toBe(true);
    expect(typeof seen[0]![1]).toBe('string');
    const { rows } = await db.target.query(
      `SELECT primary_key->>'id' AS id, reason FROM _ferry.quarantine WHERE stream = 'items' ORDER BY 1::int`,
    );
    expect(rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b))).toEqual([
      '500',
      '1500',
      '2500',
      '3500',
      '4500',
    ]);
    expect(rows[0].reason).toBe('price: must not be negative');
    const loaded = await targetRows(db, 'raw', 'items');
    expect(loaded).toHaveLength(ROWS - 5);
    expect(loaded[0]).toMatchObject({ id: '1', price: '0.10', label: 'item 1', blob_col: '\\x00ff' });
  });

  it('checks the rows of an incremental run too', async () => {
    await db.source.query("UPDATE items SET price = -2, updated_at = '2024-02-01' WHERE id IN (1, 2)");
    await db.source.query("UPDATE items SET label = 'changed', updated_at = '2024-02-01' WHERE id = 3");
    const summary = await sync({
      config: config(),
      logger: silentLogger(),
      signal: new AbortController().signal,
      rowCheck: (_plan, mappings) => {
        const price = mappings.findIndex((m) => m.column.name === 'price');
        return (row) => (String(row[price]).startsWith('-') ? 'negative' : undefined);
      },
    });
    expect(summary.streams[0]!.mode).toBe('incremental');
    expect(summary.streams[0]!.rowsQuarantined).toBe(2);
    expect(summary.streams[0]!.rowsLoaded).toBe(2); // row 3, and row 5000 at the high-water mark
    const { rows } = await db.target.query(`SELECT label FROM raw.items WHERE id = 3`);
    expect(rows[0].label).toBe('changed');
  });
});
