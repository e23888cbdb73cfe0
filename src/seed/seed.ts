// `ferry seed`: creates the demo shop in MySQL/MariaDB and fills it, refusing to touch tables it did
// not create. A marker table records the arguments, so seeding again with the same ones is a no-op.
import { type MysqlConnection } from '../connectors/mysql/connect.js';
import { ConfigError, SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { GeneratorThread } from './generator-thread.js';
import { LOAD_ORDER, loadTables } from './load-tables.js';
import { buildPools } from './pools.js';
import { shopFacts, sizeOf } from './shop-data.js';
import { MARKER_TABLE, SHOP_DDL, SHOP_TABLES, type ShopTable } from './shop-schema.js';
import { quoteMysql } from '../schema/identifiers.js';

export const SEED_VERSION = 2;

export interface SeedOptions {
  scale: number;
  seed: number;
  /** Seed even though the database has tables ferry did not create (they are left alone). */
  force?: boolean;
  /** Drop and recreate ferry's demo tables (only those). */
  reset?: boolean;
  /**
   * Opens another connection to the same database. Given, tables load side by side on `lanes`
   * connections (default 3); without it everything goes through the one connection.
   */
  connect?: () => Promise<MysqlConnection>;
  lanes?: number;
  logger: Logger;
  signal?: AbortSignal;
  /** Rows loaded so far into a table; tables load side by side, so calls interleave. */
  onProgress?: (table: ShopTable, rows: number) => void;
}

export interface SeedResult {
  skipped: boolean;
  rows: Record<string, number>;
  totalRows: number;
  seconds: number;
}

type Row = Record<string, unknown>;

async function existingTables(connection: MysqlConnection): Promise<string[]> {
  const [rows] = await connection.query(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
  );
  return (rows as Row[]).map((r) => r.name as string);
}

async function readMarker(
  connection: MysqlConnection,
): Promise<
  { scale: number; seed: number; version: number; rows: Record<string, number> | null } | undefined
> {
  try {
    const [rows] = await connection.query(
      `SELECT scale, seed, version, row_counts FROM ${quoteMysql(MARKER_TABLE)} WHERE id = 1`,
    );
    const r = (rows as Row[])[0];
    if (!r) return undefined;
    const counts =
      typeof r.row_counts === 'string'
        ? (JSON.parse(r.row_counts) as Record<string, number>)
        : (r.row_counts as Record<string, number> | null);
    return { scale: Number(r.scale), seed: Number(r.seed), version: Number(r.version), rows: counts };
  } catch {
    return undefined;
  }
}

export async function dropShop(connection: MysqlConnection): Promise<void> {
  await connection.query('SET foreign_key_checks = 0');
  for (const table of [...SHOP_TABLES].reverse())
    await connection.query(`DROP TABLE IF EXISTS ${quoteMysql(table)}`);
  await connection.query(`DROP TABLE IF EXISTS ${quoteMysql(MARKER_TABLE)}`);
  await connection.query('SET foreign_key_checks = 1');
}

export async function seedShop(connection: MysqlConnection, options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  if (!(options.scale > 0) || options.scale > 1000)
    throw new ConfigError(`--scale must be a number above 0 and at most 1000, got ${options.scale}`);
  if (!Number.isInteger(options.seed) || options.seed < 0)
    throw new ConfigError(`--seed must be a whole number of 0 or more, got ${options.seed}`);

  const tables = await existingTables(connection);
  const ours = new Set<string>([...SHOP_TABLES, MARKER_TABLE]);
  const marker = await readMarker(connection);
  const foreign = tables.filter((t) => !ours.has(t));
  const unmarkedShop = marker ? [] : tables.filter((t) => (SHOP_TABLES as readonly string[]).includes(t));
  if (unmarkedShop.length > 0) {
    throw new SchemaError(
      `the database already has tables named like the demo shop that ferry did not create: ${unmarkedShop.join(', ')}`,
      {
        hint: 'seed into another (empty) database; ferry never overwrites tables it did not create',
      },
    );
  }
  if (foreign.length > 0 && !options.force) {
    throw new SchemaError(
      `the database has tables ferry did not create: ${foreign.slice(0, 8).join(', ')}${foreign.length > 8 ? ', ...' : ''}`,
      {
        hint: 'seed into an empty database, or pass --force to add the shop beside them (they are left untouched)',
      },
    );
  }
  const interrupted = marker !== undefined && marker.rows === null;
  if (interrupted) options.logger.warn('an earlier seed did not finish; seeding again');
  if (marker?.rows && !options.reset) {
    if (marker.scale === options.scale && marker.seed === options.seed && marker.version === SEED_VERSION) {
      options.logger.info(
        `the shop is already seeded with scale ${marker.scale} and seed ${marker.seed}; nothing to do (--reset to seed again)`,
      );
      const rows = marker.rows;
      return {
        skipped: true,
        rows,
        totalRows: Object.values(rows).reduce((a, b) => a + b, 0),
        seconds: (Date.now() - started) / 1000,
      };
    }
    throw new SchemaError(`the shop was seeded with scale ${marker.scale} and seed ${marker.seed}`, {
      hint: "pass --reset to drop ferry's demo tables and seed them again with the new arguments",
    });
  }
  // The generator threads and the extra connections start while the tables are being created.
  const laneCount = options.connect ? Math.max(1, Math.min(options.lanes ?? 3, LOAD_ORDER.length)) : 1;
  const threads = Array.from({ length: laneCount }, () => new GeneratorThread());
  const opening = Array.from({ length: laneCount - 1 }, () => options.connect!());
  // handled below (Promise.all, allSettled); this keeps a failure during the DDL from going unnoticed
  for (const o of opening) o.catch(() => undefined);
  let rows: Record<string, number>;
  try {
    const model = {
      seed: options.seed,
      scale: options.scale,
      pools: buildPools(options.seed),
      facts: shopFacts(options.seed, options.scale),
    };
    for (const thread of threads) thread.start(model);

    if (options.reset || interrupted) await dropShop(connection);
    for (const table of SHOP_TABLES) await connection.query(SHOP_DDL[table]);
    await connection.query(
      `CREATE TABLE ${quoteMysql(MARKER_TABLE)} (id TINYINT PRIMARY KEY, scale DOUBLE NOT NULL, seed INT UNSIGNED NOT NULL, version INT NOT NULL, row_counts JSON NULL, seeded_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`,
    );
    await connection.query(
      `INSERT INTO ${quoteMysql(MARKER_TABLE)} (id, scale, seed, version) VALUES (1, ?, ?, ?)`,
      [options.scale, options.seed, SEED_VERSION],
    );

    options.logger.debug(
      { size: sizeOf(options.scale), lanes: laneCount, preparedSeconds: (Date.now() - started) / 1000 },
      'seeding',
    );
    const connections = [connection, ...(await Promise.all(opening))];
    rows = await loadTables(connections, threads, options);
  } finally {
    await Promise.all(threads.map((t) => t.close()));
    const opened = await Promise.allSettled(opening);
    for (const o of opened) if (o.status === 'fulfilled') await o.value.end().catch(() => undefined);
  }
  await connection.query(`UPDATE ${quoteMysql(MARKER_TABLE)} SET row_counts = ? WHERE id = 1`, [
    JSON.stringify(rows),
  ]);
  const totalRows = Object.values(rows).reduce((a, b) => a + b, 0);
  return { skipped: false, rows, totalRows, seconds: (Date.now() - started) / 1000 };
}
