// `ferry transform`: build the SQL and DataFrame models (all, or a --select), then run their data tests.
import { Option, type Command } from 'commander';
import { sparkSourceModes, type SparkSourceMode } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { reservedSchemaProblem, sharedWithTarget } from '../config/reserved-schemas.js';
import { compactTable } from '../observability/table.js';
import type { TransformSummary } from '../transform/run.js';
import { ENGINE_NAMES, type EngineName } from '../transform/plan/functions.js';
import type { Register } from './context.js';
import { printJson } from './output.js';
import { commandProgress } from './progress-bars.js';

interface TransformFlags {
  select?: string;
  engine?: EngineName;
  sparkSources?: SparkSourceMode;
  schema?: string;
  fullRefresh?: boolean;
  skipTests?: boolean;
  testsOnly?: boolean;
  json?: boolean;
}

export const registerTransform: Register = (program: Command, context) => {
  program
    .command('transform')
    .description(
      'build the models (SQL and DataFrame) in PostgreSQL, DuckDB or Spark, then run their data tests',
    )
    .option(
      '-s, --select <models>',
      'models to build: name, name+ (and descendants), +name (and ancestors), comma-separated',
    )
    .addOption(
      new Option('--engine <engine>', 'where the models run (default: transform.engine)').choices([
        ...ENGINE_NAMES,
      ]),
    )
    .addOption(
      new Option(
        '--spark-sources <where>',
        'spark engine: read the source tables from the replicated tables (postgres), from MySQL directly (mysql), or from one MySQL snapshot staged in PostgreSQL (mysql_snapshot); default: transform.spark.sources',
      ).choices([...sparkSourceModes]),
    )
    .option('--schema <schema>', 'build the models into this PostgreSQL schema (default: transform.schema)')
    .option('--full-refresh', 'rebuild incremental models in full')
    .option('--skip-tests', 'build the models without running their data tests')
    .option(
      '--tests-only',
      'run the data tests of the selected models without building them (postgres engine)',
    )
    .option('--json', 'print the run summary as JSON')
    .action(async (flags: TransformFlags) => {
      const ctx = context();
      const project = ctx.project();
      const engine = flags.engine ?? project.transform.engine;
      if (flags.sparkSources && engine !== 'spark')
        throw new ConfigError(`--spark-sources applies to the spark engine, not to ${engine}`, [], {
          hint: 'add --engine spark, or leave --spark-sources out',
        });
      if (flags.schema) {
        const problem =
          reservedSchemaProblem(flags.schema) ??
          (flags.schema === project.targetSchema ? sharedWithTarget(flags.schema) : undefined);
        if (problem)
          throw new ConfigError(
            `--schema ${problem.replace(/ is also target\.schema/, ' is target.schema')}`,
            [],
          );
      }
      const transform = {
        ...project.transform,
        ...(flags.schema ? { schema: flags.schema } : {}),
        spark: { ...project.transform.spark, ...(flags.sparkSources ? { sources: flags.sparkSources } : {}) },
      };
      // Loaded on use: the engines bring DuckDB and the Spark client, which other commands need not load.
      const { runTransform } = await import('../transform/run.js');
      const { progress, stop } = commandProgress(ctx, { bars: false, key: 'model' });
      const summary = await runTransform({
        project: { ...project, transform },
        state: ctx.state,
        select: flags.select,
        engine: flags.engine,
        fullRefresh: flags.fullRefresh ?? false,
        skipTests: flags.skipTests ?? false,
        testsOnly: flags.testsOnly ?? false,
        logger: ctx.logger,
        signal: ctx.signal,
        progress,
      }).finally(stop);
      if (flags.json) printJson(summary);
      else process.stdout.write(renderTransform(summary) + '\n');
      process.exitCode = summary.status === 'succeeded' ? 0 : 1;
    });
};

const ENGINE_LABELS: Record<EngineName, string> = {
  postgres: 'PostgreSQL',
  duckdb: 'DuckDB',
  spark: 'Spark',
};

export function renderTransform(summary: TransformSummary): string {
  const out: string[] = [];
  if (summary.extract) {
    const { rows, tables, skipped, seconds } = summary.extract;
    out.push(
      `read ${rows} rows of ${tables} source table(s) ${summary.extract.path ?? 'from MySQL into DuckDB'} in ${seconds.toFixed(1)} s${skipped ? ` (${skipped} left out by the value policies)` : ''}`,
    );
    for (const warning of summary.extract.warnings ?? []) out.push(`warning: ${warning}`);
  }
  if (summary.models.length > 0) {
    const table = compactTable(['model', 'materialized', 'status', 'rows', 'seconds']);
    for (const m of summary.models)
      table.push([
        m.model,
        m.materialized,
        m.status === 'built'
          ? m.merged !== null
            ? `merged ${m.merged}`
            : m.loaded
              ? 'built'
              : `built in ${ENGINE_LABELS[summary.engine]} only`
          : `${m.status.toUpperCase()}: ${m.error ?? ''}`,
        m.rows ?? '',
        m.seconds.toFixed(2),
      ]);
    out.push(table.toString());
    for (const m of summary.models) if (m.hint) out.push(`hint (${m.model}): ${m.hint}`);
  }
  if (summary.tests.length > 0) {
    const table = compactTable(['test', 'model', 'status', 'failing rows']);
    for (const t of summary.tests)
      table.push([
        t.test,
        t.model ?? '',
        t.status === 'error'
          ? `ERROR: ${t.error ?? ''}`
          : t.status === 'skipped'
            ? `skipped: ${t.error ?? ''}`
            : t.status,
        t.failures,
      ]);
    out.push(table.toString());
    for (const t of summary.tests)
      if (t.status === 'fail' && t.sample?.length)
        out.push(
          `${t.test} on ${t.model ?? 'the models'}: ${t.failures} failing row(s), e.g.\n  ${t.sample.join('\n  ')}`,
        );
  }
  const built = summary.models.filter((m) => m.status === 'built').length;
  const passed = summary.tests.filter((t) => t.status === 'pass').length;
  const skipped = summary.tests.filter((t) => t.status === 'skipped').length;
  out.push(
    `transform on ${summary.engine} into schema ${summary.schema} ${summary.status}: ${built}/${summary.models.length} models built, ${passed}/${summary.tests.length} tests passed${skipped ? `, ${skipped} skipped` : ''} in ${summary.seconds.toFixed(1)} s`,
  );
  return out.join('\n');
}
