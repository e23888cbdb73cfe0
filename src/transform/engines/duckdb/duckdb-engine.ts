// The duckdb engine (ETL): an embedded DuckDB inside the ferry process. Source tables are extracted
// from MySQL into it, the models run there, and published models are loaded into PostgreSQL with COPY
// (tables swapped in atomically; incremental models merged by their unique key).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ValuePolicies } from '../../../schema/row-outcome.js';
import { connectPostgres, type PgClient } from '../../../connectors/postgres/connect.js';
import type { Logger } from '../../../observability/logger.js';
import { highWaterMark, mergeDelta, swapIn } from '../../load/postgres-target.js';
import type { Model, SourceRef } from '../../models/model.js';
import {
  modelFailure,
  modelSql,
  relationResolver,
  type ModelBuild,
  type TransformEngine,
} from '../transform-engine.js';
import { quoteString } from '../sql/sql-dialect.js';
import { copyQueryInto, describeQuery } from './export.js';
import { extractIntoDuckdb } from './extract.js';
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import { modelDeltaName, modelStagingName, qualifiedPg, quotePg } from '../../../schema/identifiers.js';
import { relationKind } from '../../../connectors/postgres/ddl.js';

export interface DuckdbEngineOptions {
  source: ConnectionSpec;
  target: ConnectionSpec;
  schema: string;
  sourceSchemas: Record<string, string>;
  settings: {
    path: string;
    memory_limit?: string | undefined;
    threads?: number | undefined;
    load_views: boolean;
  };
  sync: ValuePolicies & { batch_rows: number };
  connections: number;
  logger: Logger;
  signal: AbortSignal;
}

export async function createDuckdbEngine(options: DuckdbEngineOptions): Promise<TransformEngine> {
  const { schema, logger, signal } = options;
  const resolve = relationResolver(options.sourceSchemas, schema);
  const instance = await DuckDBInstance.create(options.settings.path, {
    // No extension downloads: ferry must run on machines without internet access.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    ...(options.settings.memory_limit ? { memory_limit: options.settings.memory_limit } : {}),
    ...(options.settings.threads ? { threads: String(options.settings.threads) } : {}),
  });
  const connect = async (): Promise<DuckDBConnection> => {
    const c = await instance.connect();
    await c.run("SET TimeZone = 'UTC'");
    return c;
  };
  const duck = await connect();
  // Ctrl-C stops a long DuckDB query at once instead of after it finishes.
  const interrupt = () => duck.interrupt();
  signal.addEventListener('abort', interrupt, { once: true });
  await duck.run(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);
  const pg: PgClient = await connectPostgres(options.target);
  await pg.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);

  async function publish(model: Model, relation: string, fullRefresh: boolean): Promise<ModelBuild> {
    const { materialized, cursor, unique_key } = model.config;
    const staging = modelStagingName(model.name);
    const exists = (await relationKind(pg, schema, model.name)) === 'r';
    if (materialized === 'incremental' && exists && !fullRefresh && cursor) {
      const hwm = await highWaterMark(pg, schema, model.name, cursor);
      const columns = await describeQuery(duck, `SELECT * FROM ${relation}`, model.path);
      const cursorType = (
        await duck.runAndReadAll(`SELECT typeof(${quotePg(cursor)}) AS t FROM ${relation} LIMIT 1`)
      ).getRowObjectsJS()[0]?.t;
      const where =
        hwm === null || cursorType === undefined
          ? ''
          : ` WHERE ${quotePg(cursor)} > CAST(${quoteString(hwm)} AS ${cursorType as string})`;
      const delta = modelDeltaName(model.name);
      await pg.query(`DROP TABLE IF EXISTS pg_temp.${quotePg(delta)}`);
      await copyQueryInto(
        duck,
        `SELECT * FROM ${relation}${where}`,
        columns,
        pg,
        { schema: null, table: delta },
        options.sync.batch_rows,
        signal,
      );
      try {
        const merged = await mergeDelta(pg, schema, model.name, quotePg(delta), unique_key, model.path);
        const { rows } = await pg.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${qualifiedPg(schema, model.name)}`,
        );
        return { rows: Number(rows[0]?.n ?? 0), merged, fullBuild: false, loaded: true };
      } finally {
        await pg.query(`DROP TABLE IF EXISTS pg_temp.${quotePg(delta)}`);
      }
    }
    const columns = await describeQuery(duck, `SELECT * FROM ${relation}`, model.path);
    await pg.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`);
    try {
      const rows = await copyQueryInto(
        duck,
        `SELECT * FROM ${relation}`,
        columns,
        pg,
        { schema, table: staging },
        options.sync.batch_rows,
        signal,
      );
      await swapIn(pg, schema, model.name, staging, model.path);
      return { rows, merged: null, fullBuild: true, loaded: true };
    } catch (error) {
      await pg.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`).catch(() => undefined);
      throw error;
    }
  }

  const built = new Set<string>();

  // DuckDB runs one statement per connection at a time; models run one after another here (DuckDB
  // itself uses every core for each), and loading into PostgreSQL follows each model.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    name: 'duckdb',
    resolve,
    async prepare(sources: readonly SourceRef[]) {
      const started = Date.now();
      const result = await extractIntoDuckdb(sources, {
        source: options.source,
        sourceSchemas: options.sourceSchemas,
        policies: options.sync,
        parallel: options.connections,
        connect,
        logger,
        signal,
      });
      logger.info(
        { tables: result.tables, rows: result.rows, seconds: (Date.now() - started) / 1000 },
        `extracted ${result.rows} rows of ${result.tables} table(s) into DuckDB`,
      );
      return { tables: result.tables, rows: result.rows };
    },
    async build(model: Model, { fullRefresh, publish: load }) {
      const sql = modelSql(model, 'duckdb', resolve);
      return await serial(async () => {
        const relation = `${quotePg(schema)}.${quotePg(model.name)}`;
        try {
          // Inside DuckDB every model is a table: descendants and tests read it, and it is loaded once.
          await duck.run(`CREATE OR REPLACE TABLE ${relation} AS\n${sql}`);
          built.add(model.name);
        } catch (error) {
          throw modelFailure(model, 'duckdb', error);
        }
        if (!load) return { rows: null, merged: null, fullBuild: true, loaded: false };
        if (model.config.materialized === 'view' && !options.settings.load_views) {
          const reader = await duck.runAndReadAll(`SELECT count(*) AS n FROM ${relation}`);
          return {
            rows: Number(reader.getRowObjectsJS()[0]?.n ?? 0),
            merged: null,
            fullBuild: true,
            loaded: false,
          };
        }
        try {
          return await publish(model, relation, fullRefresh);
        } catch (error) {
          throw modelFailure(model, 'duckdb', error);
        }
      });
    },
    exists(model: string) {
      return Promise.resolve(built.has(model));
    },
    sampleRows(sql: string, limit: number) {
      return serial(async () => {
        const reader = await duck.runAndReadAll(
          `SELECT CAST(to_json(f) AS VARCHAR) AS j FROM (\n${sql}\n) AS f LIMIT ${Math.trunc(limit)}`,
        );
        return reader.getRowObjectsJS().map((r) => r.j as string);
      });
    },
    countRows(sql: string) {
      return serial(async () => {
        const reader = await duck.runAndReadAll(`SELECT count(*) AS n FROM (\n${sql}\n) AS failures`);
        return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
      });
    },
    async close() {
      signal.removeEventListener('abort', interrupt);
      duck.closeSync();
      instance.closeSync();
      await pg.end().catch(() => undefined);
    },
  };
}
