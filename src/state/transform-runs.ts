// Transform history (table family transform_runs + model_builds + model_tests): one row per
// `ferry transform` run, with each model it built, failed or skipped and each data test it ran, for
// the web UI's Models page (a model's last build state and its tests' last results).
import type { PgSession, Queryable } from '../connectors/postgres/connect.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { qualifiedPg } from '../schema/identifiers.js';

export interface ModelBuildRecord {
  model: string;
  materialized: string;
  status: 'built' | 'failed' | 'skipped';
  rows: number | null;
  seconds: number;
  error?: string | undefined;
}

export interface ModelTestRecord {
  model: string | null;
  test: string;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  failures: number;
  error?: string | undefined;
  sample?: readonly string[] | undefined;
}

export interface TransformRunRecord {
  modelsSchema: string;
  engine: string;
  selection: string | null;
  status: 'succeeded' | 'failed';
  startedAt: Date;
  error?: string | undefined;
  models: readonly ModelBuildRecord[];
  tests: readonly ModelTestRecord[];
}

/** A model's latest build, with the run it was part of. */
export interface LastModelBuild extends ModelBuildRecord {
  runId: number;
  finishedAt: Date;
  engine: string;
}

export interface LastModelTest extends ModelTestRecord {
  runId: number;
  finishedAt: Date;
}

export interface TransformRunRow {
  runId: number;
  engine: string;
  selection: string | null;
  status: string;
  startedAt: Date;
  finishedAt: Date;
  error: string | null;
}

export type TransformRunsTables = ReturnType<typeof transformRunsTables>;

export function transformRunsTables(schema: string) {
  const runs = qualifiedPg(schema, 'transform_runs');
  const builds = qualifiedPg(schema, 'model_builds');
  const tests = qualifiedPg(schema, 'model_tests');

  return {
    /** Records a finished transform run with its builds and tests, in one transaction; returns its id. */
    async record(db: PgSession, run: TransformRunRecord): Promise<number> {
      return inTransaction(db, async () => {
        const { rows } = await db.query<{ run_id: string }>(
          `INSERT INTO ${runs} (models_schema, engine, selection, status, started_at, error)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING run_id`,
          [run.modelsSchema, run.engine, run.selection, run.status, run.startedAt, run.error ?? null],
        );
        const runId = Number(rows[0]!.run_id);
        await db.query(
          `INSERT INTO ${builds} (run_id, model, materialized, status, rows, seconds, error)
           SELECT $1, b.model, b.materialized, b.status, b.rows, b.seconds, b.error
             FROM jsonb_to_recordset($2::jsonb) AS b(model text, materialized text, status text, rows bigint, seconds double precision, error text)`,
          [runId, JSON.stringify(run.models)],
        );
        await db.query(
          `INSERT INTO ${tests} (run_id, model, test, status, failures, error, sample)
           SELECT $1, t.model, t.test, t.status, t.failures, t.error, t.sample
             FROM jsonb_to_recordset($2::jsonb) AS t(model text, test text, status text, failures bigint, error text, sample jsonb)`,
          [runId, JSON.stringify(run.tests)],
        );
        return runId;
      });
    },

    /** The latest build of every model built into a schema. */
    async lastBuilds(db: Queryable, modelsSchema: string): Promise<LastModelBuild[]> {
      const { rows } = await db.query<{
        run_id: string;
        model: string;
        materialized: string;
        status: ModelBuildRecord['status'];
        rows: string | null;
        seconds: number;
        error: string | null;
        finished_at: Date;
        engine: string;
      }>(
        `SELECT DISTINCT ON (b.model) b.*, r.finished_at, r.engine
           FROM ${builds} b JOIN ${runs} r USING (run_id)
          WHERE r.models_schema = $1 ORDER BY b.model, b.run_id DESC`,
        [modelsSchema],
      );
      return rows.map((r) => ({
        runId: Number(r.run_id),
        model: r.model,
        materialized: r.materialized,
        status: r.status,
        rows: r.rows === null ? null : Number(r.rows),
        seconds: r.seconds,
        ...(r.error === null ? {} : { error: r.error }),
        finishedAt: r.finished_at,
        engine: r.engine,
      }));
    },

    /** The latest result of every data test run against a schema's models. */
    async lastTests(db: Queryable, modelsSchema: string): Promise<LastModelTest[]> {
      const { rows } = await db.query<{
        run_id: string;
        model: string | null;
        test: string;
        status: ModelTestRecord['status'];
        failures: string;
        error: string | null;
        sample: string[] | null;
        finished_at: Date;
      }>(
        `SELECT DISTINCT ON (coalesce(t.model, ''), t.test) t.*, r.finished_at
           FROM ${tests} t JOIN ${runs} r USING (run_id)
          WHERE r.models_schema = $1 ORDER BY coalesce(t.model, ''), t.test, t.run_id DESC`,
        [modelsSchema],
      );
      return rows.map((r) => ({
        runId: Number(r.run_id),
        model: r.model,
        test: r.test,
        status: r.status,
        failures: Number(r.failures),
        ...(r.error === null ? {} : { error: r.error }),
        ...(r.sample === null ? {} : { sample: r.sample }),
        finishedAt: r.finished_at,
      }));
    },

    async recent(db: Queryable, modelsSchema: string, limit: number): Promise<TransformRunRow[]> {
      const { rows } = await db.query<{
        run_id: string;
        engine: string;
        selection: string | null;
        status: string;
        started_at: Date;
        finished_at: Date;
        error: string | null;
      }>(`SELECT * FROM ${runs} WHERE models_schema = $1 ORDER BY run_id DESC LIMIT $2`, [
        modelsSchema,
        limit,
      ]);
      return rows.map((r) => ({
        runId: Number(r.run_id),
        engine: r.engine,
        selection: r.selection,
        status: r.status,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        error: r.error,
      }));
    },
  };
}
