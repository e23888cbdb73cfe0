// The change-data-capture benchmark's source side: a 9-column table, a backlog of inserts, updates and
// deletes made in the server (the SEQUENCE engine gives the row numbers), a steady workload at a set
// rate whose rows carry the microsecond time they were written, and where the binlog stands.
import type mysql from 'mysql2/promise';

export const CDC_TABLE = 'changes';

export const CREATE_CDC_TABLE = `CREATE TABLE \`${CDC_TABLE}\` (
  id BIGINT NOT NULL PRIMARY KEY,
  account INT NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  code CHAR(8) NOT NULL,
  active TINYINT(1) NOT NULL,
  note VARCHAR(255) NULL,
  stamp DATETIME(6) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY stamp (stamp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

/** Rows per generated statement (each its own transaction). */
const BLOCK = 1000;

export interface BinlogSpot {
  file: string;
  position: number;
  gtid: string | null;
}

export async function binlogSpot(my: mysql.Connection): Promise<BinlogSpot> {
  const [rows] = await my.query('SHOW MASTER STATUS');
  const row = (rows as { File: string; Position: number | string }[])[0];
  if (!row) throw new Error('the source has no binary log (log_bin is OFF): change data capture needs it');
  const position = Number(row.Position);
  const [gtid] = await my.query('SELECT BINLOG_GTID_POS(?, ?) AS g', [row.File, position]);
  return { file: row.File, position, gtid: (gtid as { g: string | null }[])[0]?.g ?? null };
}

/** The binlog files from `from`'s through `to`'s, and the bytes between the two spots. */
export async function binlogBetween(
  my: mysql.Connection,
  from: BinlogSpot,
  to: BinlogSpot,
): Promise<{ files: string[]; bytes: number }> {
  const [rows] = await my.query('SHOW BINARY LOGS');
  const logs = (rows as { Log_name: string; File_size: number | string }[]).map((r) => ({
    name: r.Log_name,
    size: Number(r.File_size),
  }));
  const first = logs.findIndex((l) => l.name === from.file);
  const last = logs.findIndex((l) => l.name === to.file);
  if (first < 0 || last < first) throw new Error(`binlog ${from.file} .. ${to.file} is not on the source`);
  const files = logs.slice(first, last + 1);
  let bytes = 0;
  for (const [i, f] of files.entries()) {
    const start = i === 0 ? from.position : 4;
    const end = i === files.length - 1 ? to.position : f.size;
    bytes += Math.max(0, end - start);
  }
  return { files: files.map((f) => f.name), bytes };
}

const insertBlock = (
  from: number,
) => `INSERT INTO \`${CDC_TABLE}\` (id, account, status, amount, code, active, note, stamp)
SELECT ${from} + s.seq, (s.seq * 7919) % 100000, ELT(1 + s.seq % 4, 'new', 'paid', 'shipped', 'cancelled'),
  (s.seq * 104729 % 1000000) / 100, LPAD(HEX(${from} + s.seq), 8, '0'), s.seq % 2,
  IF(s.seq % 5 = 0, NULL, CONCAT('note ', ${from} + s.seq)), NOW(6)
FROM seq_1_to_${BLOCK} s`;

/**
 * `changes` row changes in transactions of 1,000 rows: half inserts (ids 1..), then updates of the
 * first 60% of the inserted rows and deletes of the rest: 50% inserts, 30% updates, 20% deletes.
 * Leaves 30% of the inserted rows (ids 1 .. 0.3 x changes). Returns the live ids' upper bound.
 */
export async function makeBacklog(my: mysql.Connection, changes: number): Promise<number> {
  const inserted = Math.round(changes / 2 / BLOCK) * BLOCK;
  const updated = Math.round((changes * 0.3) / BLOCK) * BLOCK;
  for (let from = 0; from < inserted; from += BLOCK) await my.query(insertBlock(from));
  for (let from = 1; from <= updated; from += BLOCK)
    await my.query(
      `UPDATE \`${CDC_TABLE}\` SET amount = amount + 1, status = 'paid', note = CONCAT('updated ', id), stamp = NOW(6)
       WHERE id BETWEEN ? AND ?`,
      [from, from + BLOCK - 1],
    );
  for (let from = updated + 1; from <= inserted; from += BLOCK)
    await my.query(`DELETE FROM \`${CDC_TABLE}\` WHERE id BETWEEN ? AND ?`, [from, from + BLOCK - 1]);
  return updated;
}

/**
 * Updates the rows of the id ranges, 1,000 ids to a transaction, with a 250-character note, pass
 * after pass until the binlog has grown by `bytes` since `from`. Returns the row changes made.
 */
export async function growBacklog(
  my: mysql.Connection,
  ranges: readonly [number, number][],
  from: BinlogSpot,
  bytes: number,
): Promise<number> {
  let changes = 0;
  let statements = 0;
  for (let pass = 0; ; pass++) {
    for (const [low, high] of ranges)
      for (let id = low; id <= high; id += BLOCK) {
        const [result] = await my.query(
          `UPDATE \`${CDC_TABLE}\` SET note = REPEAT(CHAR(65 + ? % 26), 250), amount = amount + 1, stamp = NOW(6)
         WHERE id BETWEEN ? AND ?`,
          [pass, id, id + BLOCK - 1],
        );
        changes += (result as { affectedRows: number }).affectedRows;
        if (++statements % 50 === 0) {
          const grown = await binlogBetween(my, from, await binlogSpot(my));
          if (grown.bytes >= bytes) return changes;
        }
      }
  }
}

export interface SteadyWorkload {
  /** Stops after the transaction in hand; the changes made, the seconds they took, the last id written. */
  stop(): Promise<{ changes: number; seconds: number; transactions: number; lastId: number }>;
}

/**
 * Writes `rate` row changes a second, a transaction every 20 ms: 60% inserts of new rows, 30% updates
 * and 10% deletes of live ones, every written row stamped with NOW(6). A transaction that runs late
 * is followed at once by the next, so the rate holds while the server keeps up.
 */
export function steadyWorkload(
  my: mysql.Connection,
  rate: number,
  firstId: number,
  live: number[],
): SteadyWorkload {
  const tickMs = 20;
  const perTick = Math.max(10, Math.round((rate * tickMs) / 1000));
  const inserts = Math.round(perTick * 0.6);
  const updates = Math.round(perTick * 0.3);
  const deletes = perTick - inserts - updates;
  let nextId = firstId;
  let changes = 0;
  let transactions = 0;
  let running = true;
  const started = performance.now();
  const pick = () => {
    const i = Math.floor(Math.random() * live.length);
    const id = live[i]!;
    live[i] = live[live.length - 1]!;
    live.pop();
    return id;
  };
  const loop = (async () => {
    for (let tick = 0; running; tick++) {
      const wait = started + tick * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const rows: string[] = [];
      for (let k = 0; k < inserts; k++, nextId++)
        rows.push(
          `(${nextId}, ${nextId % 100000}, 'new', ${(nextId % 100000) / 100}, '${nextId.toString(16).padStart(8, '0').slice(-8)}', 1, 'live ${nextId}', NOW(6))`,
        );
      const updated = Array.from({ length: Math.min(updates, live.length) }, pick);
      const deleted = Array.from({ length: Math.min(deletes, live.length) }, pick);
      await my.query('BEGIN');
      await my.query(
        `INSERT INTO \`${CDC_TABLE}\` (id, account, status, amount, code, active, note, stamp) VALUES ${rows.join(',')}`,
      );
      if (updated.length > 0)
        await my.query(
          `UPDATE \`${CDC_TABLE}\` SET amount = amount + 1, status = 'shipped', stamp = NOW(6) WHERE id IN (${updated.join(',')})`,
        );
      if (deleted.length > 0)
        await my.query(`DELETE FROM \`${CDC_TABLE}\` WHERE id IN (${deleted.join(',')})`);
      await my.query('COMMIT');
      for (let id = nextId - inserts; id < nextId; id++) live.push(id);
      live.push(...updated);
      changes += inserts + updated.length + deleted.length;
      transactions++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { changes, seconds: (performance.now() - started) / 1000, transactions, lastId: nextId - 1 };
    },
  };
}
