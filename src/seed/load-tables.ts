// Loads the shop's tables side by side: each lane is a connection with its own generator thread.
import type { MysqlConnection } from '../connectors/mysql/connect.js';
import type { GeneratorThread } from './generator-thread.js';
import { loadData } from './load-data.js';
import type { SeedOptions } from './seed.js';
import { COLUMNS } from './shop-data.js';
import { SHOP_TABLES, type ShopTable } from './shop-schema.js';

/** Biggest first, so the lanes finish at about the same time. */
export const LOAD_ORDER: readonly ShopTable[] = [
  'order_items',
  'orders',
  'payments',
  'addresses',
  'customers',
  'reviews',
  'inventory',
  'products',
  'categories',
];

/**
 * Loads every table: each lane is a connection with its own generator thread and takes the next
 * table from the queue. The tables are independent of each other (each derives from the seed alone),
 * so the order they load in never changes their contents.
 */
export async function loadTables(
  connections: MysqlConnection[],
  threads: GeneratorThread[],
  options: Pick<SeedOptions, 'signal' | 'logger' | 'onProgress'>,
): Promise<Record<string, number>> {
  const queue = [...LOAD_ORDER];
  const counts: Partial<Record<ShopTable, number>> = {};
  // One failing lane stops the others: closing the threads ends their LOAD DATA streams. The first
  // failure is the one reported; the others follow from it.
  let firstFailure: { error: unknown } | undefined;
  const stop = () => {
    for (const thread of threads) void thread.close();
  };
  options.signal?.addEventListener('abort', stop, { once: true });

  async function lane(conn: MysqlConnection, thread: GeneratorThread): Promise<void> {
    // ferry's rows are consistent by construction (keys unique, references resolved), so the server
    // need not check them row by row; the checks come back on when the load is done
    await conn.query('SET SESSION foreign_key_checks = 0, unique_checks = 0');
    try {
      for (let table = queue.shift(); table; table = queue.shift()) {
        if (options.signal?.aborted) throw options.signal.reason;
        const started = Date.now();
        let loaded = 0;
        const chunks = (async function* () {
          for await (const chunk of thread.rows(table)) {
            loaded += chunk.lines;
            options.onProgress?.(table, loaded);
            yield chunk.bytes;
          }
        })();
        counts[table] = await loadData(conn, table, COLUMNS[table], chunks);
        options.logger.debug(
          { table, rows: counts[table], seconds: (Date.now() - started) / 1000 },
          `${table}: ${counts[table]} rows`,
        );
      }
    } finally {
      await conn.query('SET SESSION foreign_key_checks = 1, unique_checks = 1').catch(() => undefined);
    }
  }

  try {
    await Promise.all(
      connections.map((conn, i) =>
        lane(conn, threads[i]!).catch((error: unknown) => {
          firstFailure ??= { error };
          stop();
        }),
      ),
    );
    // an interruption closes the threads too; say so rather than that a thread was closed
    if (options.signal?.aborted) throw options.signal.reason;
    if (firstFailure) throw firstFailure.error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  return Object.fromEntries(SHOP_TABLES.map((t) => [t, counts[t] ?? 0]));
}
