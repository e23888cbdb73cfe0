// A stream whose source table is gone (dropped, or renamed) since ferry synced it: the run goes on
// with the other streams, and this one is reported as source_missing, in the summary and in
// the run history (state/runs.ts), on every run. sync.missing_tables says what happens to its
// target table: kept as it was, marked (a comment says since when its source is gone), or dropped. A dropped
// table's state is forgotten when a glob covered it; a stream that names the table keeps it, so the
// stream is still reported (not refused as a table ferry never knew) until it leaves ferry.yaml.
import { hasDependentViews, relationKind } from '../connectors/postgres/ddl.js';
import { FerryError, SchemaError } from '../errors.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { qualifiedPg } from '../schema/identifiers.js';
import { NOTHING_COPIED } from '../state/runs.js';
import { emptyResult, type RunContext, type StreamResult } from './stream-context.js';
import type { MissingStream } from './stream-plan.js';

export async function settleMissingStream(ctx: RunContext, missing: MissingStream): Promise<StreamResult> {
  const schema = missing.targetSchema;
  const target = qualifiedPg(schema, missing.name);
  const mode = missing.mode === 'incremental' ? 'incremental' : 'full_refresh';
  const result: StreamResult = { ...emptyResult(missing.name, mode), status: 'source_missing' };
  const startedAt = new Date();
  const gone = `the source table ${missing.sourceTable} is gone (dropped or renamed)`;
  const policy = ctx.settings.missing_tables;
  try {
    await settle();
  } catch (error) {
    if (!(error instanceof FerryError) || error.kind !== 'schema') throw error;
    ctx.logger.error({ stream: missing.name }, `${missing.name}: ${error.message}`);
    return {
      ...result,
      status: 'failed',
      error: `${gone}, and ${error.message}`,
      ...(error.hint ? { hint: error.hint } : {}),
    };
  }
  ctx.logger.warn({ stream: missing.name }, `${missing.name}: ${result.warnings[0]!}`);
  return result;

  async function settle() {
    await inTransaction(ctx.control, async () => {
      const exists = (await relationKind(ctx.control, schema, missing.name)) === 'r';
      if (!exists)
        result.warnings.push(`${gone}; the target table ${schema}.${missing.name} does not exist either`);
      else if (policy === 'drop') {
        if (await hasDependentViews(ctx.control, schema, missing.name))
          throw new SchemaError(`views depend on ${schema}.${missing.name}, so it was not dropped`, {
            hint: `drop those views, or set sync.missing_tables: keep`,
          });
        await ctx.control.query(`DROP TABLE ${target}`);
        result.warnings.push(
          `${gone}; the target table ${schema}.${missing.name} was dropped (sync.missing_tables: drop)`,
        );
      } else {
        if (policy === 'mark') {
          const since = new Date().toISOString();
          await ctx.control.query(
            `COMMENT ON TABLE ${target} IS ${literal(`ferry: the source table ${missing.sourceTable} is gone since ${since} (run ${ctx.runId}); these are its rows as last synced`)}`,
          );
        }
        result.warnings.push(
          `${gone}; the target table ${schema}.${missing.name} is kept as last synced${policy === 'mark' ? ' and marked with a comment' : ''}. Remove the stream, or set sync.missing_tables: drop to drop it`,
        );
      }
      if (policy === 'drop' && !missing.named) {
        await ctx.state.streams.forget(ctx.control, { targetSchema: schema, table: missing.name });
        await ctx.state.chunks.forget(ctx.control, { targetSchema: schema, table: missing.name });
      }
      await ctx.state.runs.recordStream(ctx.control, {
        runId: ctx.runId,
        targetSchema: schema,
        table: missing.name,
        mode,
        status: 'source_missing',
        ...NOTHING_COPIED,
        startedAt,
        error: result.warnings[0],
      });
    });
  }
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
