// The spark engine: the source tables (the replicated ones in PostgreSQL, or MySQL itself; see
// prepare-sources.ts) are read over JDBC as temporary views of one Spark Connect session, the models
// run there as Spark SQL (view models stay temporary views; the others are cached so they run once),
// and table and incremental models are written into PostgreSQL through a staging table swapped in
// atomically, or merged.
import { readFileSync } from 'node:fs';
import type { Project } from '../../../config/project.js';
import { connectPostgres, type PgClient } from '../../../connectors/postgres/connect.js';
import type { Logger } from '../../../observability/logger.js';
import { sqlCommand } from '../../../spark/plan/commands.js';
import { connectSpark } from '../../../spark/session.js';
import { highWaterMark, mergeDelta, swapIn } from '../../load/postgres-target.js';
import type { Model, SourceRef } from '../../models/model.js';
import { modelSql, type ModelBuild, type TransformEngine } from '../transform-engine.js';
import { sparkModelFailure } from './failure.js';
import { describeSpark, writeQueryInto } from './load.js';
import { prepareSources, type PreparedSources } from './prepare-sources.js';
import { sparkResolver } from './relations.js';
import { sparkString } from './spark-dialect.js';
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import {
  modelDeltaName,
  modelStagingName,
  qualifiedPg,
  quoteMysql,
  quotePg,
} from '../../../schema/identifiers.js';
import { relationKind } from '../../../connectors/postgres/ddl.js';

export interface SparkEngineOptions {
  spark: Project['spark'];
  target: ConnectionSpec;
  schema: string;
  sourceSchemas: Record<string, string>;
  /** The source database (read by transform.spark.sources: mysql and mysql_snapshot). */
  source: ConnectionSpec;
  settings: Project['transform']['spark'];
  /** The value policies (zero_dates, invalid_values) and copy settings of sync, which direct reads follow. */
  sync: Project['sync'];
  logger: Logger;
  signal: AbortSignal;
}

/** Session settings every run uses: UTC like ferry's PostgreSQL sessions, and ANSI SQL semantics. */
export const SESSION_CONFIG: Readonly<Record<string, string>> = {
  'spark.sql.session.timeZone': 'UTC',
  // Overflows and invalid casts fail as in PostgreSQL instead of becoming NULL.
  'spark.sql.ansi.enabled': 'true',
  // "name" is an identifier, as in PostgreSQL and DuckDB, so SQL models and data tests read the same.
  'spark.sql.ansi.doubleQuotedIdentifiers': 'true',
};

export async function createSparkEngine(options: SparkEngineOptions): Promise<TransformEngine> {
  const { schema, logger, signal } = options;
  const resolve = sparkResolver;
  const session = connectSpark(
    options.spark.url,
    options.spark.ca ? { rootCertificates: readFileSync(options.spark.ca) } : {},
  );
  let pg: PgClient | undefined;
  try {
    await session.setConfig(SESSION_CONFIG, signal);
    pg = await connectPostgres(options.target);
    await pg.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);
  } catch (error) {
    await pg?.end().catch(() => undefined);
    await session.close().catch(() => undefined);
    throw error;
  }
  const client = pg;
  const built = new Set<string>();
  const cached: string[] = [];
  let prepared: PreparedSources | undefined;
  const write = { connections: options.spark.write_connections, signal };

  // One model at a time: Spark spreads each query over the cluster, and the PostgreSQL side (swap,
  // merge) runs on one connection whose transactions must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  async function publish(model: Model, fullRefresh: boolean): Promise<ModelBuild> {
    const { materialized, cursor, unique_key } = model.config;
    const relation = quoteMysql(model.name);
    const target = { pg: client, spec: options.target, schema };
    const exists = (await relationKind(client, schema, model.name)) === 'r';
    if (materialized === 'incremental' && exists && !fullRefresh && cursor) {
      const hwm = await highWaterMark(client, schema, model.name, cursor);
      const cursorType = (await describeSpark(session, `SELECT * FROM ${relation}`, signal)).find(
        (f) => f.name === cursor,
      )?.type;
      const where =
        hwm === null || cursorType === undefined
          ? ''
          : ` WHERE ${quoteMysql(cursor)} > CAST(${sparkString(hwm)} AS ${cursorType})`;
      // A real table, not a temporary one: Spark's JDBC writer uses connections of its own.
      const delta = modelDeltaName(model.name);
      await client.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, delta)}`);
      try {
        await writeQueryInto(
          session,
          `SELECT * FROM ${relation}${where}`,
          { ...target, table: delta },
          {
            ...write,
            model: model.path,
          },
        );
        const merged = await mergeDelta(
          client,
          schema,
          model.name,
          qualifiedPg(schema, delta),
          unique_key,
          model.path,
        );
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${qualifiedPg(schema, model.name)}`,
        );
        return { rows: Number(rows[0]?.n ?? 0), merged, fullBuild: false, loaded: true };
      } finally {
        await client.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, delta)}`).catch(() => undefined);
      }
    }
    const staging = modelStagingName(model.name);
    await client.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`);
    try {
      const rows = await writeQueryInto(
        session,
        `SELECT * FROM ${relation}`,
        { ...target, table: staging },
        {
          ...write,
          model: model.path,
        },
      );
      await swapIn(client, schema, model.name, staging, model.path);
      return { rows, merged: null, fullBuild: true, loaded: true };
    } catch (error) {
      await client.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`).catch(() => undefined);
      throw error;
    }
  }

  return {
    name: 'spark',
    resolve,
    async prepare(sources: readonly SourceRef[]) {
      prepared = await prepareSources(sources, {
        mode: options.settings.sources,
        session,
        pg: client,
        target: options.target,
        source: options.source,
        sourceSchemas: options.sourceSchemas,
        modelSchema: schema,
        sync: options.sync,
        rowsPerPartition: options.spark.rows_per_partition,
        cached,
        logger,
        signal,
      });
      for (const warning of prepared.read?.warnings ?? []) logger.warn(warning);
      return prepared.read;
    },
    async build(model: Model, { fullRefresh, publish: load }) {
      const sql = modelSql(model, 'spark', resolve);
      return await serial(async () => {
        const relation = quoteMysql(model.name);
        const keptInSpark = model.config.materialized === 'view';
        try {
          await session.run(sqlCommand(`CREATE OR REPLACE TEMPORARY VIEW ${relation} AS\n${sql}`), {
            signal,
          });
          // Tables are computed once: their descendants, the load and the tests read the cache.
          if (!keptInSpark) {
            await session.run(sqlCommand(`CACHE TABLE ${relation}`), { signal });
            cached.push(model.name);
          }
          built.add(model.name);
        } catch (error) {
          throw sparkModelFailure(model, error);
        }
        if (!load || (keptInSpark && !options.settings.load_views))
          return { rows: null, merged: null, fullBuild: true, loaded: false };
        try {
          return await publish(model, fullRefresh);
        } catch (error) {
          throw sparkModelFailure(model, error);
        }
      });
    },
    exists(model: string) {
      return Promise.resolve(built.has(model));
    },
    sampleRows(sql: string, limit: number) {
      return serial(async () => {
        const result = await session.sql(
          `SELECT to_json(struct(*)) AS j FROM (\n${sql}\n) AS f LIMIT ${Math.trunc(limit)}`,
          { signal },
        );
        return result.rows.map((r) => (typeof r.j === 'string' ? r.j : JSON.stringify(r.j)));
      });
    },
    countRows(sql: string) {
      return serial(async () => {
        const result = await session.sql(`SELECT count(*) AS n FROM (\n${sql}\n) AS failures`, { signal });
        return Number(result.rows[0]?.n ?? 0);
      });
    },
    async close() {
      // The cache is shared by every session of the server: free what this run cached.
      await serial(async () => {
        for (const name of cached)
          await session.run(sqlCommand(`UNCACHE TABLE IF EXISTS ${quoteMysql(name)}`)).catch(() => undefined);
      });
      await session.close().catch(() => undefined);
      await prepared?.release().catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
