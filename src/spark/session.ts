// A Spark Connect session: runs plans and commands, decodes results, analyzes plans, reads and
// sets configuration, and releases itself. Errors become SparkErrors with the Spark error class,
// using FetchErrorDetails for the full message when the server offers it.
import { randomUUID } from 'node:crypto';
import { FerryError } from '../errors.js';
import { decodeArrowBatch, type SparkRow } from './arrow-rows.js';
import { parseSparkConnectUrl, type SparkConnectTarget } from './connection-string.js';
import { fieldsOf, type SparkField } from './data-type.js';
import { isGrpcError, sparkError, sparkErrorInfo, SparkError } from './spark-errors.js';
import { DEFAULT_RETRY, executeReattachable, type ExecuteOptions, type RetryPolicy } from './execute.js';
import type { CommandNode, RelationNode } from './plan/nodes.js';
import type { PlanMessage, RequestHeader } from './protocol.js';
import { callUnary, openTransport, type UnaryMethod } from './transport.js';

export const CLIENT_TYPE = `ferry/0.1 node/${process.versions.node}`;

export interface SparkSessionOptions {
  retry?: RetryPolicy;
  /** PEM certificates of the CAs to trust when use_ssl=true; the system's roots by default. */
  rootCertificates?: Buffer;
  /** Timeout of unary calls (analyze, config, release), in milliseconds. */
  callTimeoutMs?: number;
  onReattach?: (info: { operationId: string; attempt: number; reason: string }) => void;
}

/** A batch of decoded rows, with the result's schema. */
export interface RowBatch {
  fields: SparkField[];
  rows: SparkRow[];
}

export interface QueryResult {
  fields: SparkField[];
  rows: SparkRow[];
}

export type ExplainMode = 'simple' | 'extended' | 'codegen' | 'cost' | 'formatted';

export interface SparkSession {
  readonly sessionId: string;
  readonly target: SparkConnectTarget;
  /** Streams a relation's rows in batches as Spark sends them (memory stays at one batch). */
  stream(relation: RelationNode, options?: ExecuteOptions): AsyncGenerator<RowBatch>;
  /** All rows of a relation. */
  collect(relation: RelationNode, options?: ExecuteOptions): Promise<QueryResult>;
  /** Runs a SQL text; commands (DDL, SET) run eagerly, queries return their rows. */
  sql(query: string, options?: ExecuteOptions): Promise<QueryResult>;
  /** Runs a command (a write, eager SQL). */
  run(command: CommandNode, options?: ExecuteOptions): Promise<void>;
  schema(relation: RelationNode, signal?: AbortSignal): Promise<SparkField[]>;
  explain(relation: RelationNode, mode?: ExplainMode, signal?: AbortSignal): Promise<string>;
  sparkVersion(signal?: AbortSignal): Promise<string>;
  setConfig(values: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void>;
  /** Values of the keys; undefined for keys without a value. */
  getConfig(keys: readonly string[], signal?: AbortSignal): Promise<Record<string, string | undefined>>;
  unsetConfig(keys: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Releases the server-side session and closes the channel; later calls fail. */
  close(): Promise<void>;
}

/** Opens a session against sc://host:port/;token=...;use_ssl=true (no call is made until first use). */
export function connectSpark(
  url: string | SparkConnectTarget,
  options: SparkSessionOptions = {},
): SparkSession {
  const target = typeof url === 'string' ? parseSparkConnectUrl(url) : url;
  const transport = openTransport(
    target,
    options.rootCertificates ? { rootCertificates: options.rootCertificates } : {},
  );
  const sessionId = target.sessionId ?? randomUUID();
  const timeout = options.callTimeoutMs ?? 120_000;
  let serverSideSessionId: string | undefined;
  let closed = false;

  const where = `Spark Connect ${target.host}:${target.port}`;
  const header = (): RequestHeader => {
    if (closed)
      throw new SparkError(
        `${where}: the session was closed`,
        {},
        { hint: 'open a new session with connectSpark()' },
      );
    return {
      session_id: sessionId,
      user_context: { user_id: target.userId },
      client_type: CLIENT_TYPE,
      ...(serverSideSessionId === undefined
        ? {}
        : { client_observed_server_side_session_id: serverSideSessionId }),
    };
  };
  const observe = (id: string | undefined) => {
    if (id) serverSideSessionId = id;
  };

  /** Maps a failure, fetching the full error (message, class, SQLSTATE) when the server kept it. */
  const fail = async (error: unknown): Promise<Error> => {
    if (error instanceof FerryError || !isGrpcError(error)) return sparkError(where, error);
    const errorId = sparkErrorInfo(error)?.metadata.errorId;
    if (!errorId || closed) return sparkError(where, error);
    try {
      const details = await callUnary(
        transport.stub.FetchErrorDetails.bind(transport.stub),
        { ...header(), error_id: errorId },
        transport.metadata(),
        undefined,
        10_000,
      );
      const root = details.errors?.[details.root_error_idx ?? 0];
      if (!root) return sparkError(where, error);
      return sparkError(where, error, {
        message: root.message,
        ...(root.spark_throwable?.error_class ? { errorClass: root.spark_throwable.error_class } : {}),
        ...(root.spark_throwable?.sql_state ? { sqlState: root.spark_throwable.sql_state } : {}),
      });
    } catch {
      return sparkError(where, error);
    }
  };

  const context = {
    transport,
    header,
    observe,
    fail,
    retry: options.retry ?? DEFAULT_RETRY,
    ...(options.onReattach ? { onReattach: options.onReattach } : {}),
  };

  const methods = {
    AnalyzePlan: transport.stub.AnalyzePlan.bind(transport.stub),
    Config: transport.stub.Config.bind(transport.stub),
    ReleaseSession: transport.stub.ReleaseSession.bind(transport.stub),
  };

  async function unary<Res>(
    method: keyof typeof methods,
    request: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Res> {
    try {
      const call = methods[method] as UnaryMethod<
        Record<string, unknown>,
        Res & { server_side_session_id?: string }
      >;
      const response = await callUnary(
        call,
        { ...header(), ...request },
        transport.metadata(),
        signal,
        timeout,
      );
      observe(response.server_side_session_id);
      return response;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw await fail(error);
    }
  }

  async function* stream(relation: RelationNode, execute: ExecuteOptions = {}): AsyncGenerator<RowBatch> {
    yield* batchesOf({ root: relation }, execute);
  }

  async function* batchesOf(plan: PlanMessage, execute: ExecuteOptions): AsyncGenerator<RowBatch> {
    let fields: SparkField[] = [];
    let batches = 0;
    for await (const response of executeReattachable(context, plan, execute)) {
      if (response.schema) fields = fieldsOf(response.schema);
      if (response.response_type === 'arrow_batch' && response.arrow_batch) {
        const decoded = decodeArrowBatch(response.arrow_batch.data);
        batches++;
        yield { fields, rows: decoded.rows };
      }
    }
    // An empty result still tells its schema.
    if (batches === 0 && fields.length > 0) yield { fields, rows: [] };
  }

  async function collectPlan(plan: PlanMessage, execute: ExecuteOptions = {}): Promise<QueryResult> {
    let fields: SparkField[] = [];
    const rows: SparkRow[] = [];
    for await (const batch of batchesOf(plan, execute)) {
      fields = batch.fields;
      for (const row of batch.rows) rows.push(row);
    }
    return { fields, rows };
  }

  return Object.freeze({
    sessionId,
    target,
    stream,
    collect: (relation: RelationNode, execute?: ExecuteOptions) => collectPlan({ root: relation }, execute),

    async sql(query: string, execute: ExecuteOptions = {}) {
      // As the other clients do: send it as a command; a query comes back as a relation to run.
      let relation: RelationNode | undefined;
      const plan: PlanMessage = { command: { sql_command: { input: { sql: { query } } } } };
      for await (const response of executeReattachable(context, plan, execute)) {
        if (response.response_type === 'sql_command_result') relation = response.sql_command_result?.relation;
      }
      if (!relation) return { fields: [], rows: [] };
      return collectPlan({ root: relation }, execute);
    },

    async run(command: CommandNode, execute: ExecuteOptions = {}) {
      for await (const response of executeReattachable(context, { command }, execute)) void response;
    },

    async schema(relation: RelationNode, signal?: AbortSignal) {
      const response = await unary<{ schema?: { schema: Parameters<typeof fieldsOf>[0] } }>(
        'AnalyzePlan',
        { schema: { plan: { root: relation } } },
        signal,
      );
      return fieldsOf(response.schema?.schema);
    },

    async explain(relation: RelationNode, mode: ExplainMode = 'extended', signal?: AbortSignal) {
      const response = await unary<{ explain?: { explain_string: string } }>(
        'AnalyzePlan',
        { explain: { plan: { root: relation }, explain_mode: `EXPLAIN_MODE_${mode.toUpperCase()}` } },
        signal,
      );
      return response.explain?.explain_string ?? '';
    },

    async sparkVersion(signal?: AbortSignal) {
      const response = await unary<{ spark_version?: { version: string } }>(
        'AnalyzePlan',
        { spark_version: {} },
        signal,
      );
      return response.spark_version?.version ?? '';
    },

    async setConfig(values: Readonly<Record<string, string>>, signal?: AbortSignal) {
      const pairs = Object.entries(values).map(([key, value]) => ({ key, value }));
      await unary('Config', { operation: { set: { pairs } } }, signal);
    },

    async getConfig(keys: readonly string[], signal?: AbortSignal) {
      const response = await unary<{ pairs?: { key: string; value?: string }[] }>(
        'Config',
        { operation: { get_option: { keys: [...keys] } } },
        signal,
      );
      const result: Record<string, string | undefined> = {};
      for (const key of keys) result[key] = undefined;
      for (const pair of response.pairs ?? []) result[pair.key] = pair.value;
      return result;
    },

    async unsetConfig(keys: readonly string[], signal?: AbortSignal) {
      await unary('Config', { operation: { unset: { keys: [...keys] } } }, signal);
    },

    async close() {
      if (closed) return;
      try {
        await unary('ReleaseSession', {});
      } finally {
        closed = true;
        transport.close();
      }
    },
  });
}
