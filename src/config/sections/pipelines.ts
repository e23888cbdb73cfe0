// ferry.yaml's pipelines and orchestration sections: DAGs of tasks on schedules, and where runs are kept.
import { z } from 'zod';
import { duration, identifier } from './common.js';

export const pipelineName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'expected letters, digits, _ . - (as Airflow ids allow)');

export const triggerRules = ['all_success', 'all_done'] as const;

const taskFields = {
  depends_on: z
    .array(pipelineName)
    .optional()
    .describe('Tasks that must finish first; when omitted, ferry infers them (see docs/orchestration.md)'),
  retries: z.number().int().min(0).max(100).optional().describe('Extra attempts after a failure'),
  retry_delay: duration.optional().describe('Delay before the first retry; doubles on each further one'),
  timeout: duration.optional().describe('An attempt running longer than this is stopped and fails'),
  trigger_rule: z
    .enum(triggerRules)
    .optional()
    .describe(
      'all_success: run when every upstream task succeeded; all_done: run once they all finished, whatever their state (notifications, cleanup)',
    ),
};

export const pipelineTaskSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('sync').describe('Replicate streams (ferry sync)'),
      streams: z.array(identifier).optional().describe('Only these streams; all by default'),
      full_refresh: z.boolean().optional().describe('Copy the selected streams in full'),
      verify: z
        .boolean()
        .optional()
        .describe(
          "Verify the streams inside the sync's own source snapshot, as ferry sync --verify (exact); fails on differences. A later verify task then counts the rows the source changed since as in flight",
        ),
      ...taskFields,
    }),
    z.strictObject({
      kind: z.literal('verify').describe('Compare source and target (ferry verify); fails on differences'),
      streams: z.array(identifier).optional(),
      ...taskFields,
    }),
    z.strictObject({
      kind: z
        .literal('quality')
        .describe('A quality gate: fails while more rows than allowed wait in quarantine (docs/quality.md)'),
      streams: z.array(identifier).optional().describe('Only these streams; all by default'),
      max_quarantined: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe('Rows a stream may have waiting in quarantine before the gate fails'),
      ...taskFields,
    }),
    z.strictObject({
      kind: z.literal('transform').describe('Build SQL models (ferry transform --select ...)'),
      select: z.array(z.string().min(1)).min(1).describe('Model selectors passed to --select'),
      ...taskFields,
    }),
    z.strictObject({
      kind: z.literal('shell').describe('A shell command; the data interval is in FERRY_INTERVAL_START/END'),
      command: z.string().min(1),
      env: z.record(z.string(), z.string()).optional(),
      ...taskFields,
    }),
  ])
  .describe('One task of a pipeline');

export const pipelineSchema = z
  .strictObject({
    schedule: z
      .string()
      .optional()
      .describe('Cron expression (5 fields, or 6 with seconds first); no schedule: run on demand only'),
    timezone: z.string().default('UTC').describe('IANA time zone the schedule is read in'),
    start: z.string().optional().describe('First interval start (ISO 8601), for catchup'),
    catchup: z
      .boolean()
      .default(false)
      .describe('Run every interval missed since `start` (or since the last run)'),
    max_active_runs: z.number().int().min(1).default(1).describe('Runs of this pipeline in progress at once'),
    concurrency: z.number().int().min(1).default(4).describe('Tasks of this pipeline running at once'),
    defaults: z
      .strictObject({
        retries: taskFields.retries,
        retry_delay: taskFields.retry_delay,
        timeout: taskFields.timeout,
      })
      .default({})
      .describe('Task settings used where a task sets none'),
    tasks: z
      .record(pipelineName, pipelineTaskSchema)
      .refine((t) => Object.keys(t).length > 0, 'expected at least one task')
      .describe('The tasks, by name'),
  })
  .describe('A pipeline: a DAG of tasks run on a schedule');

export const orchestrationSchema = z
  .strictObject({
    database: z
      .string()
      .optional()
      .describe('postgres:// URL of the database holding run history and the queue; the target by default'),
    queue_schema: identifier.default('_ferry_queue').describe('Schema of the job queue (pg-boss)'),
  })
  .describe('Where ferry keeps pipeline runs and its job queue');
