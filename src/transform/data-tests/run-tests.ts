// Runs the data tests of the selected models (schema.yml tests and tests/*.sql) after they are built,
// skipping those whose models were not built.
import { messageOf } from '../../errors.js';
import type { TransformEngine } from '../engines/transform-engine.js';
import type { ModelGraph } from '../models/graph.js';
import type { Project } from '../models/model.js';
import type { ModelRun } from '../build-models.js';
import { DIALECTS } from '../engines/engine-dialects.js';
import { testName, testSql } from './data-tests.js';

export interface TestRun {
  model: string | null;
  test: string;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  failures: number;
  /** Up to three failing rows as JSON, for a failed test. */
  sample?: string[];
  error?: string;
}

export async function runTests(
  engine: TransformEngine,
  project: Project,
  graph: ModelGraph,
  selected: readonly string[],
  builds: readonly ModelRun[],
): Promise<TestRun[]> {
  const results: TestRun[] = [];
  const textType = DIALECTS[engine.name].type('text');
  const unusable = new Set(builds.filter((b) => b.status !== 'built').map((b) => b.model));
  const jobs: { model: string | null; name: string; sql: () => string; needs: string[] }[] = [];
  for (const name of selected) {
    const model = graph.models.get(name)!;
    for (const test of model.tests)
      jobs.push({
        model: name,
        name: testName(test),
        sql: () => testSql(name, test, engine.resolve, textType),
        needs: [name, ...(test.kind === 'relationships' ? [test.to] : [])],
      });
  }
  const selectedSet = new Set(selected);
  for (const t of project.sqlTests)
    if (t.refs.length > 0 && t.refs.every((r) => selectedSet.has(r)))
      jobs.push({
        model: t.refs.length === 1 ? t.refs[0]! : null,
        name: t.name,
        sql: () =>
          testSql(
            t.refs[0]!,
            { kind: 'sql', name: t.name, sql: t.sql, path: t.path },
            engine.resolve,
            textType,
          ),
        needs: t.refs,
      });
  for (const job of jobs) {
    if (job.needs.some((n) => unusable.has(n))) {
      results.push({
        model: job.model,
        test: job.name,
        status: 'skipped',
        failures: 0,
        error: 'its model was not built',
      });
      continue;
    }
    const absent: string[] = [];
    for (const n of job.needs) if (!(await engine.exists(n))) absent.push(n);
    if (absent.length > 0) {
      results.push({
        model: job.model,
        test: job.name,
        status: 'skipped',
        failures: 0,
        error: `needs ${absent.join(', ')}, which is not built (add it to --select)`,
      });
      continue;
    }
    try {
      const failures = await engine.countRows(job.sql());
      if (failures === 0) results.push({ model: job.model, test: job.name, status: 'pass', failures });
      else
        results.push({
          model: job.model,
          test: job.name,
          status: 'fail',
          failures,
          sample: await engine.sampleRows(job.sql(), 3),
        });
    } catch (error) {
      results.push({
        model: job.model,
        test: job.name,
        status: 'error',
        failures: 0,
        error: messageOf(error).split('\n')[0],
      });
    }
  }
  return results;
}
