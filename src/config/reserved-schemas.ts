// The PostgreSQL schemas a user may not give ferry: ferry's own (its state in _ferry, and every name
// starting with _ferry: the job queue, staging), PostgreSQL's (pg_*, information_schema), and two
// roles sharing one schema where that breaks things (the target's tables beside the job queue's or
// the models'). Checked with the rest of ferry.yaml, so each comes with its place in the file.
import { FERRY_PREFIX } from '../schema/identifiers.js';

export interface SchemaIssue {
  path: (string | number)[];
  message: string;
}

/** Why `name` cannot hold a user's tables (target.schema, transform.schema), or undefined. */
export function reservedSchemaProblem(name: string): string | undefined {
  if (name === FERRY_PREFIX)
    return `${name} is ferry's own schema (its state: runs, streams, chunks, locks, ...); a source table of the same name would replace one of them. Choose another, such as raw`;
  if (name.startsWith(FERRY_PREFIX))
    return `${name} starts with ${FERRY_PREFIX}, ferry's own prefix (its state, job queue and staging schemas); choose another`;
  if (name.startsWith('pg_') || name === 'information_schema')
    return `${name}: PostgreSQL reserves schema names starting with pg_, and information_schema; choose another`;
  return undefined;
}

/** The part of ferry.yaml these checks read (after defaults). */
export interface SchemaSettings {
  target: { schema: string };
  orchestration: { database?: string | undefined; queue_schema: string };
  transform: { schema: string };
}

export function reservedSchemaIssues(config: SchemaSettings): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const target = config.target.schema;
  const targetProblem = reservedSchemaProblem(target);
  if (targetProblem) issues.push({ path: ['target', 'schema'], message: targetProblem });
  const models = config.transform.schema;
  const modelsProblem = reservedSchemaProblem(models);
  if (modelsProblem) issues.push({ path: ['transform', 'schema'], message: modelsProblem });
  else if (models === target)
    issues.push({ path: ['transform', 'schema'], message: sharedWithTarget(models) });
  const queue = config.orchestration.queue_schema;
  const queuePath = ['orchestration', 'queue_schema'];
  if (queue === FERRY_PREFIX)
    issues.push({
      path: queuePath,
      message: `${queue} is ferry's own schema (its state); the job queue needs one of its own (default ${FERRY_PREFIX}_queue)`,
    });
  else if (queue.startsWith('pg_') || queue === 'information_schema')
    issues.push({ path: queuePath, message: reservedSchemaProblem(queue)! });
  // The queue shares the target database unless orchestration.database moves it elsewhere.
  else if (config.orchestration.database === undefined)
    for (const [other, key] of [
      [target, 'target.schema'],
      [models, 'transform.schema'],
    ] as const)
      if (queue === other)
        issues.push({
          path: queuePath,
          message: `${queue} is also ${key}: the job queue's tables (job, archive, schedule, ...) would sit among ${key === 'target.schema' ? 'the replicated tables' : 'the models'}, and a table of the same name would replace one of them; choose another (default ${FERRY_PREFIX}_queue)`,
        });
  return issues;
}

/** transform.schema (or transform --schema) equal to target.schema. */
export function sharedWithTarget(schema: string): string {
  return `${schema} is also target.schema: the models would sit among the replicated tables, and a model named like one of them would replace it (and the next sync would replace it back); choose another (default analytics)`;
}
