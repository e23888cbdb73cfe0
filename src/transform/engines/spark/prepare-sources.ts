// The models' source tables as Spark views, from where transform.spark.sources says: the replicated
// tables in PostgreSQL (postgres), MySQL itself (mysql), or a staging copy of one consistent MySQL
// snapshot in PostgreSQL (mysql_snapshot). Every mode gives the views the same columns and types.
import type { Project } from '../../../config/project.js';
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import type { PgClient } from '../../../connectors/postgres/connect.js';
import { SchemaError } from '../../../errors.js';
import type { Logger } from '../../../observability/logger.js';
import { quoteMysql, quotePg, sourceSnapshotSchema } from '../../../schema/identifiers.js';
import { sqlCommand } from '../../../spark/plan/commands.js';
import type { SparkSession } from '../../../spark/session.js';
import { relationKind } from '../../../connectors/postgres/ddl.js';
import type { SourceRef } from '../../models/model.js';
import type { SourcesRead } from '../transform-engine.js';
import { registerMysqlSources } from './mysql-sources.js';
import { sourceView } from './relations.js';
import { registerPostgresSource } from './sources.js';
import { stageSnapshot } from './stage-snapshot.js';

export interface SourceContext {
  mode: Project['transform']['spark']['sources'];
  session: SparkSession;
  /** The target, on the engine's own connection. */
  pg: PgClient;
  target: ConnectionSpec;
  source: ConnectionSpec;
  /** source name -> schema of its replicated tables (postgres mode). */
  sourceSchemas: Record<string, string>;
  /** The models' schema; mysql_snapshot stages next to it. */
  modelSchema: string;
  sync: Project['sync'];
  rowsPerPartition: number;
  /** Every view ferry caches is added here at once, so the engine frees it even when a later step fails. */
  cached: string[];
  logger: Logger;
  signal: AbortSignal;
}

export interface PreparedSources {
  /** What was read, for the run output; null when the views read the replicated tables lazily. */
  read: SourcesRead | null;
  /** Drops what the mode staged (after the data tests, which may read the sources too). */
  release(): Promise<void>;
}

const nothing = () => Promise.resolve();

export async function prepareSources(
  sources: readonly SourceRef[],
  ctx: SourceContext,
): Promise<PreparedSources> {
  if (ctx.mode === 'mysql') {
    const read = await registerMysqlSources(sources, {
      session: ctx.session,
      source: ctx.source,
      policies: ctx.sync,
      rowsPerPartition: ctx.rowsPerPartition,
      cached: ctx.cached,
      logger: ctx.logger,
      signal: ctx.signal,
    });
    return { read: { ...read, path: 'from MySQL into Spark' }, release: nothing };
  }
  if (ctx.mode === 'mysql_snapshot') {
    const schema = sourceSnapshotSchema(ctx.modelSchema);
    const release = async () => {
      await ctx.pg.query(`DROP SCHEMA IF EXISTS ${quotePg(schema)} CASCADE`);
    };
    try {
      const staged = await stageSnapshot(sources, {
        source: ctx.source,
        target: ctx.target,
        schema,
        settings: ctx.sync,
        logger: ctx.logger,
        signal: ctx.signal,
      });
      const tables = [...new Set(sources.map((s) => s.table))];
      await registerFromPostgres(sources, ctx, Object.fromEntries(sources.map((s) => [s.source, schema])));
      return {
        read: {
          tables: tables.length,
          rows: staged.rows,
          skipped: staged.skipped,
          warnings: staged.warnings,
          path: `from one MySQL snapshot into ${schema}, then Spark`,
        },
        release,
      };
    } catch (error) {
      await release().catch(() => undefined);
      throw error;
    }
  }
  const missing: string[] = [];
  for (const s of sources) {
    const pgSchema = ctx.sourceSchemas[s.source] ?? s.source;
    if (!(await relationKind(ctx.pg, pgSchema, s.table)))
      missing.push(`${pgSchema}.${s.table} (source('${s.source}', '${s.table}'))`);
  }
  if (missing.length > 0)
    throw new SchemaError(`the models read tables that are not in the target: ${missing.join(', ')}`, {
      hint: 'run `ferry sync` first, fix transform.sources in ferry.yaml, or read MySQL directly with transform.spark.sources: mysql',
    });
  await registerFromPostgres(sources, ctx, ctx.sourceSchemas);
  return { read: null, release: nothing };
}

/**
 * Each source table as a view over its PostgreSQL table, cached lazily: read once over JDBC at first
 * use, then served from Spark's cache (memory, spilling to disk) to every model and test that reads
 * it, as DuckDB holds its extracted copy.
 */
async function registerFromPostgres(
  sources: readonly SourceRef[],
  ctx: SourceContext,
  schemas: Record<string, string>,
): Promise<void> {
  const started = Date.now();
  for (const s of sources) {
    const schema = schemas[s.source] ?? s.source;
    const view = sourceView(s.source, s.table);
    const partitions = await registerPostgresSource(
      ctx.session,
      ctx.pg,
      ctx.target,
      { view, schema, table: s.table, rowsPerPartition: ctx.rowsPerPartition },
      ctx.signal,
    );
    ctx.cached.push(view);
    await ctx.session.run(sqlCommand(`CACHE LAZY TABLE ${quoteMysql(view)}`), { signal: ctx.signal });
    ctx.logger.debug(
      { table: `${schema}.${s.table}`, partitions },
      `registered ${schema}.${s.table} in Spark`,
    );
  }
  ctx.logger.info(
    { tables: sources.length, seconds: (Date.now() - started) / 1000 },
    `registered ${sources.length} source table(s) in Spark`,
  );
}
