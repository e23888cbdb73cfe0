// `ferry sync --engine spark`: the sync lifecycle with the Spark copier. Each selected stream is a
// Spark job (partitioned JDBC read, JDBC write into a ferry-typed staging table) put in place like
// ferry's own full refresh (publish.ts: set checks, swap with dependent views kept, stream state,
// run record); one table after the other, so each job has the whole cluster. The stream locks are
// the same as ferry sync's, so the two never write one stream at once.
import { connectMysql } from '../connectors/mysql/connect.js';
import { createTableSql } from '../connectors/postgres/ddl.js';
import type { Logger } from '../observability/logger.js';
import { progressInterval, type Progress } from '../observability/progress.js';
import { compileQuality } from '../quality/stream-quality.js';
import { qualifiedPg, sparkStagingName } from '../schema/identifiers.js';
import { connectSpark, type SparkSession } from '../spark/session.js';
import type { FerryState } from '../state/ferry-state.js';
import type { Project } from '../config/project.js';
import { originalRowsFromSource } from './original-rows.js';
import { publishFullLoad } from './publish.js';
import { watchStagingRows } from './staging-progress.js';
import { runCopies, type Copier, type CopyProject, type RunSummary } from './run-lifecycle.js';
import { emptyResult } from './stream-context.js';
import { fillWithSpark, type SparkFillResult } from './spark-copy.js';

export interface SparkSyncOptions {
  project: CopyProject & Pick<Project, 'spark'>;
  state: FerryState;
  /** Overrides spark.url. */
  sparkUrl?: string | undefined;
  streams?: readonly string[] | undefined;
  /** Patterns that match nothing and an empty source are errors, not warnings. */
  strict?: boolean | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Each stream's rows (as PostgreSQL counts the job's commits) and put-in-place steps. */
  progress?: Progress | undefined;
}

export interface SparkTableResult extends SparkFillResult {
  table: string;
  target: string;
  targetRows: number;
  seconds: number;
}

export interface SparkSyncSummary extends RunSummary {
  /** host:port of the Spark Connect server. */
  spark: string;
  sparkVersion: string;
  tables: SparkTableResult[];
}

export async function syncWithSpark(options: SparkSyncOptions): Promise<SparkSyncSummary> {
  const { project, logger } = options;
  const settings = project.spark;
  const session: SparkSession = connectSpark(options.sparkUrl ?? settings.url, {
    ...(settings.caPem ? { rootCertificates: settings.caPem } : {}),
    onReattach: ({ operationId, reason }) =>
      logger.warn({ operationId, reason }, `Spark stream interrupted; reattaching`),
  });
  try {
    const sparkVersion = await session.sparkVersion(options.signal);
    logger.info({ spark: session.target.host, version: sparkVersion }, `sync with Spark ${sparkVersion}`);
    const tables: SparkTableResult[] = [];
    const copier: Copier = {
      kind: 'sync',
      engine: 'spark',
      what: 'ferry sync',
      readers: () => 0,
      concurrency: () => 1,
      prepare: (work) => {
        for (const { plan, mappings } of work)
          compileQuality(plan, mappings, project.targetSchema, options.state.quarantine);
      },
      async copy(ctx, _pair, { plan, mappings }) {
        const started = Date.now();
        const startedAt = new Date();
        const schema = ctx.targetSchema;
        const staging = sparkStagingName(plan.targetTable);
        const result = emptyResult(plan.name, 'full_refresh');
        if (plan.mode === 'incremental')
          result.warnings.push('incremental stream copied in full (--engine spark copies whole tables)');
        const quality = compileQuality(plan, mappings, schema, ctx.state.quarantine);
        await ctx.control.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`);
        await ctx.control.query(
          createTableSql(
            schema,
            staging,
            mappings.map((m) => ({ name: m.targetName, pgType: m.pgType })),
            [],
          ),
        );
        const source = await connectMysql(project.source);
        ctx.progress?.update(plan.name, {
          phase: 'copying with Spark',
          rows: 0,
          rowsTotal: plan.table.estimatedRows,
        });
        const unwatch = watchStagingRows(
          ctx.control,
          { schema, staging, target: plan.targetTable },
          progressInterval(),
          (rows) => ctx.progress?.update(plan.name, { rows: Math.min(rows, plan.table.estimatedRows) }),
        );
        try {
          const filled = await fillWithSpark({
            session,
            source: project.source,
            target: project.target,
            table: plan.table,
            mappings,
            into: { schema, table: staging },
            rowsPerPartition: settings.rows_per_partition,
            writeConnections: settings.write_connections,
            logger,
            signal: ctx.signal,
          }).finally(unwatch);
          const { rows } = await ctx.control.query<{ n: string }>(
            `SELECT count(*) AS n FROM ${qualifiedPg(schema, staging)}`,
          );
          result.rowsRead = filled.sourceRows;
          result.rowsLoaded = Number(rows[0]!.n);
          await publishFullLoad(
            ctx,
            ctx.control,
            {
              plan,
              mappings,
              staging,
              quality,
              settle: { original: originalRowsFromSource(source, plan.table, mappings) },
              mode: 'full_refresh',
              cursor: null,
              highWater: null,
              startedAt,
              started,
            },
            result,
          );
          tables.push({
            ...filled,
            table: plan.table.name,
            target: `${schema}.${plan.targetTable}`,
            targetRows: result.rowsLoaded,
            seconds: (Date.now() - started) / 1000,
          });
          return result;
        } catch (error) {
          await ctx.control
            .query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`)
            .catch(() => undefined);
          throw error;
        } finally {
          await source.end().catch(() => undefined);
        }
      },
    };
    const summary = await runCopies(options, copier);
    return {
      ...summary,
      spark: `${session.target.host}:${session.target.port}`,
      sparkVersion,
      tables,
    };
  } finally {
    await session.close().catch(() => undefined);
  }
}
