// The schema of ferry.yaml: the single source of truth. Types are inferred from it and
// ferry.schema.json is generated from it (npm run schema). Each section lives in sections/.
import { z } from 'zod';
import { identifier } from './sections/common.js';
import { sourceSchema, targetSchema, tlsSchema } from './sections/connections.js';
import {
  orchestrationSchema,
  pipelineName,
  pipelineSchema,
  pipelineTaskSchema,
  triggerRules,
} from './sections/pipelines.js';
import { sparkSchema } from './sections/spark.js';
import { checkSchema, dedupSchema, streamModes, streamSchema } from './sections/streams.js';
import { syncSchema } from './sections/sync.js';
import { sparkSourceModes, transformSchema } from './sections/transform.js';
import { cdcSchema } from './sections/cdc.js';
import { uiSchema } from './sections/ui.js';
import { reservedSchemaIssues } from './reserved-schemas.js';

export { sparkSchema, sparkSourceModes };

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    source: sourceSchema,
    target: targetSchema,
    streams: z
      .array(streamSchema)
      .min(1, 'expected at least one stream')
      .default([{ table: '*' }]),
    defaults: z
      .strictObject({
        mode: z.enum(streamModes).default('full_refresh'),
        cursor: identifier.optional(),
        lookback: streamSchema.shape.lookback,
        deletes: streamSchema.shape.deletes,
        incremental_fallback: streamSchema.shape.incremental_fallback,
      })
      .default({ mode: 'full_refresh' })
      .describe('Stream settings used where a stream sets none'),
    sync: syncSchema.default(syncSchema.parse({})),
    cdc: cdcSchema.default(cdcSchema.parse({})),
    pipelines: z.record(pipelineName, pipelineSchema).default({}).describe('Pipelines, by name'),
    orchestration: orchestrationSchema.default({ queue_schema: '_ferry_queue' }),
    spark: sparkSchema.optional(),
    transform: transformSchema.default(transformSchema.parse({})),
    ui: uiSchema.default(uiSchema.parse({})),
  })
  .superRefine((config, ctx) => {
    for (const issue of reservedSchemaIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
  })
  .describe('ferry configuration (ferry.yaml)');

export type FerryConfig = z.infer<typeof configSchema>;
export type SourceProfile = z.infer<typeof sourceSchema>;
export type TargetProfile = z.infer<typeof targetSchema>;
export type StreamConfig = z.infer<typeof streamSchema>;
export type TlsConfig = z.infer<typeof tlsSchema>;
export type SyncSettings = z.infer<typeof syncSchema>;
export type PipelineConfig = z.infer<typeof pipelineSchema>;
export type PipelineTaskConfig = z.infer<typeof pipelineTaskSchema>;
export type TriggerRule = (typeof triggerRules)[number];
export type SparkSettings = z.infer<typeof sparkSchema>;
export type CheckRule = z.infer<typeof checkSchema>;
export type DedupRule = z.infer<typeof dedupSchema>;
export type TransformSettings = z.infer<typeof transformSchema>;
export type CdcSettings = z.infer<typeof cdcSchema>;
export type SparkSourceMode = (typeof sparkSourceModes)[number];
export type UiSettings = z.infer<typeof uiSchema>;
