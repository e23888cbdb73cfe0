// `ferry sync --engine spark`: each selected stream copied in full as a Spark job (partitioned JDBC
// read, JDBC write into a ferry-typed staging table, atomic swap), one table after the other so
// each job has the whole cluster. Holds the same lock as `ferry sync`, so the two never overlap.
import { readFileSync } from 'node:fs';
import { sourceConnection, targetConnection } from '../config/connection.js';
import { ConfigError } from '../errors.js';
import type { FerryConfig } from '../config/schema.js';
import { connectMysql } from '../connectors/mysql/connect.js';
import { introspectTables } from '../connectors/mysql/introspect.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { acquireLock } from '../connectors/postgres/lock.js';
import { ensureStateSchema } from '../connectors/postgres/state-store.js';
import type { Logger } from '../observability/logger.js';
import { planStreams } from './stream-plan.js';
import { copyTableWithSpark, type SparkCopyResult } from './spark-copy.js';
import { connectSpark } from '../spark/session.js';

export interface SparkSyncOptions {
  config: FerryConfig;
  /** Overrides config.spark.url. */
  sparkUrl?: string;
  streams?: readonly string[];
  logger: Logger;
  signal?: AbortSignal;
}

export interface SparkSyncSummary {
  /** host:port of the Spark Connect server. */
  spark: string;
  sparkVersion: string;
  tables: SparkCopyResult[];
  seconds: number;
}

export async function syncWithSpark(options: SparkSyncOptions): Promise<SparkSyncSummary> {
  const { config, logger } = options;
  const started = Date.now();
  const settings = config.spark ?? {
    url: 'sc://127.0.0.1:15002',
    rows_per_partition: 250_000,
    write_connections: 8,
  };
  const sparkUrl = options.sparkUrl ?? settings.url;
  const sourceSpec = sourceConnection(config.source);
  const targetSpec = targetConnection(config.target);
  const schema = config.target.schema;

  const probe = await connectMysql(sourceSpec);
  const plans = await introspectTables(probe, sourceSpec.database)
    .then((tables) => planStreams(config, tables, options.streams))
    .finally(() => probe.end().catch(() => undefined));

  const control = await connectPostgres(targetSpec);
  const spark = connectSpark(sparkUrl, {
    ...(settings.ca ? { rootCertificates: readCa(settings.ca) } : {}),
    onReattach: ({ operationId, reason }) =>
      logger.warn({ operationId, reason }, `Spark stream interrupted; reattaching`),
  });
  try {
    await ensureStateSchema(control);
    const lock = await acquireLock(
      control,
      `${targetSpec.host}:${targetSpec.port}/${targetSpec.database}/${schema}`,
      'ferry sync',
    );
    try {
      const sparkVersion = await spark.sparkVersion(options.signal);
      logger.info(
        { spark: spark.target.host, version: sparkVersion, streams: plans.length },
        `sync with Spark ${sparkVersion}`,
      );
      const tables: SparkCopyResult[] = [];
      for (const plan of plans) {
        if (plan.mode === 'incremental') {
          logger.warn(
            { stream: plan.name },
            `${plan.name}: incremental stream copied in full (--engine spark copies whole tables)`,
          );
        }
        const result = await copyTableWithSpark({
          session: spark,
          source: sourceSpec,
          target: targetSpec,
          table: plan.table.name,
          targetSchema: schema,
          targetTable: plan.targetTable,
          mode: 'overwrite',
          rowsPerPartition: settings.rows_per_partition,
          writeConnections: settings.write_connections,
          ...(plan.columns ? { columns: plan.columns } : {}),
          logger,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        tables.push(result);
        logger.info(
          {
            stream: plan.name,
            rows: result.targetRows,
            partitions: result.partitions,
            seconds: result.seconds,
          },
          `${plan.name}: ${result.targetRows} rows copied by Spark`,
        );
      }
      return {
        spark: `${spark.target.host}:${spark.target.port}`,
        sparkVersion,
        tables,
        seconds: (Date.now() - started) / 1000,
      };
    } finally {
      await lock.release();
    }
  } finally {
    await spark.close().catch(() => undefined);
    await control.end().catch(() => undefined);
  }
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`spark.ca: cannot read ${path}`, [`spark.ca: ${(error as Error).message}`], {
      hint: 'give the path of a PEM file with the CA certificate of the Spark Connect endpoint',
    });
  }
}
