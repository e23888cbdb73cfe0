// A Spark failure of a model as a ferry error: the model file, Spark's error class and the first
// line of Spark's own message (not the plan dump that follows it).
import { SparkError } from '../../../spark/spark-errors.js';
import { EngineError, PORTABLE_SQL_HINT } from '../../engine-error.js';
import type { FerryError } from '../../../errors.js';
import { modelFailure } from '../transform-engine.js';

/** "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column ... SQLSTATE: 42703" from a SparkError's message. */
export function sparkErrorSummary(error: SparkError): string {
  const lines = error.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const detailed = lines.find((l) => /^\[[A-Z0-9_.]+\]\s*\S/.test(l));
  if (detailed) return detailed;
  // "Spark Connect host:port: [CLASS] message": the server's address is no news to the user.
  const first = (lines[0] ?? error.message).replace(/^Spark Connect [^ ]+: /, '');
  return error.errorClass && !first.includes(error.errorClass) ? `[${error.errorClass}] ${first}` : first;
}

export function sparkModelFailure(model: { path: string }, error: unknown): FerryError {
  if (!(error instanceof SparkError)) return modelFailure(model, 'spark', error);
  return new EngineError(`${model.path} failed on spark: ${sparkErrorSummary(error)}`, {
    hint: error.hint ? `${error.hint}; ${PORTABLE_SQL_HINT}` : PORTABLE_SQL_HINT,
    cause: error,
  });
}
