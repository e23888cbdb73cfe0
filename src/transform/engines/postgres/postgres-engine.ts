// The postgres engine (EtLT): models run inside the target, over the tables ferry sync replicated.
import { connectPostgres, type PgClient } from '../../../connectors/postgres/connect.js';
import type { Logger } from '../../../observability/logger.js';
import type { Model, SourceRef } from '../../models/model.js';
import { highWaterMark, mergeDelta, replaceView, swapIn } from '../../load/postgres-target.js';
import { SchemaError } from '../../../errors.js';
import { quoteString } from '../sql/sql-dialect.js';
import {
  modelFailure,
  modelSql,
  relationResolver,
  type ModelBuild,
  type TransformEngine,
} from '../transform-engine.js';
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import { modelDeltaName, modelStagingName, qualifiedPg, quotePg } from '../../../schema/identifiers.js';
import { relationKind } from '../../../connectors/postgres/ddl.js';

export interface PostgresEngineOptions {
  target: ConnectionSpec;
  schema: string;
  sourceSchemas: Record<string, string>;
  connections: number;
  logger: Logger;
}

export async function createPostgresEngine(options: PostgresEngineOptions): Promise<TransformEngine> {
  const { schema } = options;
  const resolve = relationResolver(options.sourceSchemas, schema);
  const idle: PgClient[] = [];
  const all: PgClient[] = [];
  const waiting: ((c: PgClient) => void)[] = [];
  const first = await connectPostgres(options.target);
  all.push(first);
  idle.push(first);
  await first.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);

  async function withClient<T>(fn: (c: PgClient) => Promise<T>): Promise<T> {
    let client = idle.pop();
    if (!client) {
      if (all.length < options.connections) {
        client = await connectPostgres(options.target);
        all.push(client);
      } else client = await new Promise<PgClient>((r) => waiting.push(r));
    }
    try {
      return await fn(client);
    } finally {
      const next = waiting.shift();
      if (next) next(client);
      else idle.push(client);
    }
  }

  return {
    name: 'postgres',
    resolve,
    async prepare(sources: readonly SourceRef[]) {
      // The replicated tables must exist; a missing one is a clear error before any model runs.
      const missing: string[] = [];
      await withClient(async (c) => {
        for (const s of sources) {
          const s2 = options.sourceSchemas[s.source] ?? s.source;
          if (!(await relationKind(c, s2, s.table)))
            missing.push(`${s2}.${s.table} (source('${s.source}', '${s.table}'))`);
        }
      });
      if (missing.length > 0)
        throw new SchemaError(`the models read tables that are not in the target: ${missing.join(', ')}`, {
          hint: 'run `ferry sync` first, or fix transform.sources in ferry.yaml',
        });
      return null;
    },
    async build(model: Model, { fullRefresh }): Promise<ModelBuild> {
      const sql = modelSql(model, 'postgres', resolve);
      return await withClient(async (client) => {
        try {
          return await buildIn(client, schema, model, sql, fullRefresh);
        } catch (error) {
          await client
            .query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, modelStagingName(model.name))}`)
            .catch(() => undefined);
          throw modelFailure(model, 'postgres', error);
        }
      });
    },
    exists(model: string) {
      return withClient(async (c) => (await relationKind(c, schema, model)) !== undefined);
    },
    sampleRows(sql: string, limit: number) {
      return withClient(async (c) => {
        const { rows } = await c.query<{ j: string }>(
          `SELECT row_to_json(f)::text AS j FROM (\n${sql}\n) AS f LIMIT ${Math.trunc(limit)}`,
        );
        return rows.map((r) => r.j);
      });
    },
    countRows(sql: string) {
      return withClient(async (c) => {
        const { rows } = await c.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM (\n${sql}\n) AS failures`,
        );
        return Number(rows[0]?.n ?? 0);
      });
    },
    async close() {
      await Promise.all(all.map((c) => c.end().catch(() => undefined)));
    },
  };
}

async function buildIn(
  client: PgClient,
  schema: string,
  model: Model,
  sql: string,
  fullRefresh: boolean,
): Promise<ModelBuild> {
  const { materialized, cursor, unique_key } = model.config;
  if (materialized === 'view') {
    await replaceView(client, schema, model.name, sql, model.path);
    return { rows: null, merged: null, fullBuild: true, loaded: true };
  }
  const exists = (await relationKind(client, schema, model.name)) === 'r';
  if (materialized === 'incremental' && exists && !fullRefresh && cursor) {
    const hwm = await highWaterMark(client, schema, model.name, cursor);
    const delta = quotePg(modelDeltaName(model.name));
    await client.query(`DROP TABLE IF EXISTS pg_temp.${delta}`);
    await client.query(
      `CREATE TEMP TABLE ${delta} AS SELECT * FROM (\n${sql}\n) AS m${hwm === null ? '' : ` WHERE m.${quotePg(cursor)} > ${quoteString(hwm)}`}`,
    );
    try {
      const merged = await mergeDelta(client, schema, model.name, delta, unique_key, model.path);
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${qualifiedPg(schema, model.name)}`,
      );
      return { rows: Number(rows[0]?.n ?? 0), merged, fullBuild: false, loaded: true };
    } finally {
      await client.query(`DROP TABLE IF EXISTS pg_temp.${delta}`);
    }
  }
  const staging = modelStagingName(model.name);
  await client.query(`DROP TABLE IF EXISTS ${qualifiedPg(schema, staging)}`);
  const created = await client.query(`CREATE TABLE ${qualifiedPg(schema, staging)} AS\n${sql}`);
  await swapIn(client, schema, model.name, staging, model.path);
  return { rows: created.rowCount ?? null, merged: null, fullBuild: true, loaded: true };
}
