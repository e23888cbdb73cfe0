// The consistent source mode (transform.spark.sources: mysql_snapshot): ferry copies the tables the
// models read from one consistent MySQL snapshot into a staging schema of the target, through its
// own COPY path (the reader, type mapping, value policies and chunked parallel copy of `ferry sync`),
// so Spark then reads tables that all show the same moment, with the replicated tables' types.
import type { Project } from '../../../config/project.js';
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import { connectMysql } from '../../../connectors/mysql/connect.js';
import { openSnapshot } from '../../../connectors/mysql/snapshot.js';
import { connectPostgres, type PgClient } from '../../../connectors/postgres/connect.js';
import { createTableSql } from '../../../connectors/postgres/ddl.js';
import { inTransaction } from '../../../connectors/postgres/transaction.js';
import type { Logger } from '../../../observability/logger.js';
import { chunkWhere, planChunks, type Chunk } from '../../../replication/chunks.js';
import { copyRows } from '../../../replication/copy-rows.js';
import { quotePg } from '../../../schema/identifiers.js';
import type { SourceTable } from '../../../schema/source-table.js';
import { mapColumn } from '../../../schema/type-mapping.js';
import type { SourceRef } from '../../models/model.js';
import { sourceTables } from './source-tables.js';

export interface StageSnapshotOptions {
  source: ConnectionSpec;
  target: ConnectionSpec;
  /** Emptied and filled with one table per source table; dropped by the caller when the run ends. */
  schema: string;
  /** The value policies, chunk and batch sizes, and reader connections (parallel_tables x parallel_chunks) of sync. */
  settings: Project['sync'];
  logger: Logger;
  signal: AbortSignal;
}

export interface StagedSnapshot {
  tables: number;
  rows: number;
  /** Rows the value policies left out (sync would quarantine them). */
  skipped: number;
  nulled: number;
  warnings: string[];
  /** The snapshot's binlog position, for the log. */
  binlog: { file: string | null; position: number | null };
}

export async function stageSnapshot(
  sources: readonly SourceRef[],
  options: StageSnapshotOptions,
): Promise<StagedSnapshot> {
  const tables = await sourceTables(sources, options.source);
  const setup = await connectPostgres(options.target);
  try {
    await setup.query(`DROP SCHEMA IF EXISTS ${quotePg(options.schema)} CASCADE`);
    await setup.query(`CREATE SCHEMA ${quotePg(options.schema)}`);
    for (const table of tables) {
      const columns = table.columns
        .map((c) => mapColumn(c, table.name))
        .map((m) => ({ name: m.column.name, pgType: m.pgType }));
      await setup.query(createTableSql(options.schema, table.name, columns, table.primaryKey));
    }
  } finally {
    await setup.end().catch(() => undefined);
  }

  // Chunks planned outside the snapshot are still exact: the first and last ones are open-ended.
  const queue: { table: SourceTable; chunk: Chunk }[] = [];
  const planner = await connectMysql(options.source);
  try {
    for (const table of tables)
      for (const chunk of await planChunks(planner, table, options.settings.chunk_rows))
        queue.push({ table, chunk });
  } finally {
    await planner.end().catch(() => undefined);
  }
  const readers = options.settings.parallel_tables * options.settings.parallel_chunks;
  const snapshot = await openSnapshot(
    options.source,
    Math.max(1, Math.min(readers, queue.length)),
    options.logger,
  );
  const writers: PgClient[] = [];
  const result: StagedSnapshot = {
    tables: tables.length,
    rows: 0,
    skipped: 0,
    nulled: 0,
    warnings: [],
    binlog: { file: snapshot.binlog.file, position: snapshot.binlog.position },
  };
  try {
    if (!snapshot.consistent)
      result.warnings.push(
        'the reader connections may not share one snapshot (no binary log position proves it, and FLUSH TABLES WITH READ LOCK was refused): set sync.parallel_tables and sync.parallel_chunks to 1 for one reader',
      );
    const perTable = new Map<string, { skipped: number; nulled: number }>();
    let failure: { error: unknown } | undefined;
    await Promise.all(
      snapshot.connections.map(async (mysql) => {
        const pg = await connectPostgres(options.target);
        writers.push(pg);
        try {
          for (let job = queue.shift(); job && !failure; job = queue.shift()) {
            if (options.signal.aborted) throw options.signal.reason;
            const { table, chunk } = job;
            const { where, params } = chunkWhere(table, chunk);
            const copied = await inTransaction(pg, () =>
              copyRows({
                source: mysql,
                target: pg,
                table,
                mappings: table.columns.map((c) => mapColumn(c, table.name)),
                where,
                params,
                targetSchema: options.schema,
                targetTable: table.name,
                stream: table.name,
                policies: options.settings,
                batchRows: options.settings.batch_rows,
                signal: options.signal,
              }),
            );
            result.rows += copied.rowsLoaded;
            const counts = perTable.get(table.name) ?? { skipped: 0, nulled: 0 };
            counts.skipped += copied.quarantined.length;
            counts.nulled += copied.nulled.length;
            perTable.set(table.name, counts);
          }
        } catch (error) {
          failure ??= { error };
        }
      }),
    );
    if (failure) throw failure.error;
    for (const [table, counts] of perTable) {
      result.skipped += counts.skipped;
      result.nulled += counts.nulled;
      if (counts.skipped > 0)
        result.warnings.push(
          `${table}: ${counts.skipped} row(s) left out by the value policies (sync.zero_dates / sync.invalid_values: quarantine); ferry sync would quarantine them, a transform cannot`,
        );
      if (counts.nulled > 0)
        result.warnings.push(`${table}: ${counts.nulled} value(s) set to NULL by the value policies`);
    }
  } finally {
    await snapshot.close();
    await Promise.all(writers.map((w) => w.end().catch(() => undefined)));
  }
  options.logger.info(
    { tables: result.tables, rows: result.rows, binlog: result.binlog },
    `copied ${result.rows} rows of ${result.tables} source table(s) from one MySQL snapshot into ${options.schema}`,
  );
  return result;
}
