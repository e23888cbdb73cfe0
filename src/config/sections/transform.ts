// ferry.yaml's transform section: models, engine, schema, and per-engine settings.
import { z } from 'zod';
import { identifier } from './common.js';

export const transformEngines = ['postgres', 'duckdb', 'spark'] as const;
/** Where the spark engine reads the models' source tables (docs/spark.md#etl-on-spark-the-sources-straight-from-mysql). */
export const sparkSourceModes = ['postgres', 'mysql', 'mysql_snapshot'] as const;

export const transformSchema = z
  .strictObject({
    models: z
      .string()
      .default('models')
      .describe('Folder of the models (.sql and .ts files, schema.yml, tests/)'),
    engine: z
      .enum(transformEngines)
      .default('postgres')
      .describe(
        'postgres: run models inside the target (EtLT); duckdb: run them in an embedded DuckDB fed from the source, then load the results (ETL); spark: run them on the Spark Connect server of the spark section (over the replicated tables, or MySQL with spark.sources), then load the results',
      ),
    schema: identifier.default('analytics').describe('PostgreSQL schema that receives the models'),
    sources: z
      .record(identifier, identifier)
      .optional()
      .describe(
        'source name used in models -> schema of its replicated tables; default: { <database>: target.schema }',
      ),
    threads: z.number().int().min(1).max(32).default(4).describe('Models built at the same time'),
    duckdb: z
      .strictObject({
        path: z.string().default(':memory:').describe('DuckDB database file, or :memory:'),
        memory_limit: z.string().optional().describe("DuckDB's memory_limit, e.g. 2GB"),
        threads: z.number().int().min(1).max(256).optional().describe("DuckDB's worker threads"),
        load_views: z
          .boolean()
          .default(false)
          .describe(
            'Also load view models into PostgreSQL (as tables); by default they stay inside DuckDB and feed their descendants',
          ),
      })
      .default({ path: ':memory:', load_views: false })
      .describe('Settings of the embedded DuckDB engine'),
    spark: z
      .strictObject({
        load_views: z
          .boolean()
          .default(false)
          .describe(
            'Also load view models into PostgreSQL (as tables); by default they stay temporary views inside Spark and feed their descendants',
          ),
        sources: z
          .enum(sparkSourceModes)
          .default('postgres')
          .describe(
            'Where Spark reads the source tables: postgres, the replicated tables (EtLT, after ferry sync); mysql, straight from MySQL in partitioned JDBC reads (ETL; not one consistent snapshot); mysql_snapshot, ferry copies them from one consistent MySQL snapshot into a staging schema of the target, and Spark reads that',
          ),
      })
      .default({ load_views: false, sources: 'postgres' })
      .describe('Settings of the spark engine (the server itself is the top-level spark section)'),
  })
  .describe('SQL and DataFrame models (ferry transform)');
