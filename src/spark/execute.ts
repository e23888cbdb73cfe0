// Runs a plan as a reattachable execution and yields its responses. The client picks the
// operation id; when the stream breaks (network drop, server-side stream limit) it reattaches
// with ReattachExecute from the last response it saw, so no response is lost or repeated. The
// server's buffer is released as responses are consumed, and the whole operation at the end or
// when the consumer stops early (which also interrupts a query still running).
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ExecutePlanResponse, PlanMessage, RequestHeader } from './protocol.js';
import { isGrpcError, SparkError, sparkErrorInfo } from './spark-errors.js';
import { callUnary, type Transport } from './transport.js';

export interface RetryPolicy {
  /** Reattach attempts in a row without progress before giving up. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, initialDelayMs: 100, maxDelayMs: 10_000 };

/** Release the server's buffered responses every this many responses. */
const RELEASE_EVERY = 32;

export interface ExecutionContext {
  transport: Transport;
  header(): RequestHeader;
  observe(serverSideSessionId: string | undefined): void;
  /** Turns a failed call into a ferry error (may ask the server for details). */
  fail(error: unknown): Promise<Error>;
  retry: RetryPolicy;
  /** Told about each reattach, for logs. */
  onReattach?: (info: { operationId: string; attempt: number; reason: string }) => void;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  tags?: readonly string[];
}

type Outcome = 'retry' | 'reexecute' | 'fatal';

/** What to do after a stream failed; Spark's own structured errors are never retried but two. */
function classify(error: unknown, seenResponse: boolean): Outcome {
  if (!isGrpcError(error)) return 'fatal';
  const info = sparkErrorInfo(error);
  const errorClass = info?.metadata.errorClass ?? '';
  if (errorClass === 'INVALID_HANDLE.OPERATION_NOT_FOUND' && !seenResponse) return 'reexecute';
  if (errorClass === 'INVALID_CURSOR.DISCONNECTED') return 'retry';
  if (info) return 'fatal';
  return [grpc.status.UNAVAILABLE, grpc.status.INTERNAL, grpc.status.UNKNOWN].includes(error.code)
    ? 'retry'
    : 'fatal';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function* executeReattachable(
  context: ExecutionContext,
  plan: PlanMessage,
  options: ExecuteOptions = {},
): AsyncGenerator<ExecutePlanResponse> {
  const { transport, retry, signal } = { ...context, signal: options.signal };
  const operationId = randomUUID();
  let lastResponseId: string | undefined;
  let seenResponse = false;
  let complete = false;
  let mode: 'execute' | 'reattach' = 'execute';
  let failures = 0;
  let sinceRelease = 0;
  const pendingReleases: Promise<unknown>[] = [];

  /** Best effort: the server drops abandoned operations on its own, so a failed release is not an error. */
  const release = async (what: Record<string, unknown>): Promise<void> => {
    try {
      await callUnary(
        transport.stub.ReleaseExecute.bind(transport.stub),
        { ...context.header(), operation_id: operationId, ...what },
        transport.metadata(),
        undefined,
        30_000,
      );
    } catch {
      // released by the server's timeout instead
    }
  };

  try {
    while (!complete) {
      if (signal?.aborted) throw signal.reason as Error;
      const call =
        mode === 'execute'
          ? transport.stub.ExecutePlan(
              {
                ...context.header(),
                plan,
                operation_id: operationId,
                request_options: [{ reattach_options: { reattachable: true } }],
                tags: [...(options.tags ?? [])],
              },
              transport.metadata(),
            )
          : transport.stub.ReattachExecute(
              {
                ...context.header(),
                operation_id: operationId,
                ...(lastResponseId === undefined ? {} : { last_response_id: lastResponseId }),
              },
              transport.metadata(),
            );
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      let responsesInCall = 0;
      try {
        for await (const response of call as AsyncIterable<ExecutePlanResponse>) {
          responsesInCall++;
          seenResponse = true;
          failures = 0;
          lastResponseId = response.response_id;
          context.observe(response.server_side_session_id);
          if (response.response_type === 'result_complete') {
            complete = true;
            continue;
          }
          yield response;
          if (++sinceRelease >= RELEASE_EVERY) {
            sinceRelease = 0;
            pendingReleases.push(release({ release_until: { response_id: response.response_id } }));
          }
        }
        // The server may end a stream before the result is complete (it caps a stream's time
        // and size); reattaching continues where it stopped. A stream that ends with nothing at
        // all counts as a failure, so a confused server cannot keep ferry reattaching forever.
        if (!complete) {
          if (responsesInCall === 0 && ++failures > retry.attempts) {
            throw new SparkError(
              `Spark Connect ended operation ${operationId} ${failures} times without a response or a result`,
              {},
              {
                hint: 'check the Spark Connect server log; the operation may have been released or the server restarted',
              },
            );
          }
          context.onReattach?.({
            operationId,
            attempt: failures,
            reason: 'the server ended the stream before the result was complete',
          });
        }
        mode = 'reattach';
      } catch (error) {
        if (signal?.aborted) throw signal.reason as Error;
        if (error instanceof SparkError) throw error;
        const outcome = classify(error, seenResponse);
        if (outcome === 'fatal' || ++failures > retry.attempts) throw await context.fail(error);
        mode = outcome === 'reexecute' ? 'execute' : 'reattach';
        context.onReattach?.({
          operationId,
          attempt: failures,
          reason: error instanceof Error ? error.message : String(error),
        });
        const delay = Math.min(retry.initialDelayMs * 2 ** (failures - 1), retry.maxDelayMs);
        await sleep(delay * (0.5 + Math.random() / 2), signal);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        call.cancel();
      }
    }
  } finally {
    // Always: an operation the server registered but never answered for would otherwise run on
    // until the server's detach timeout. Releasing an unknown operation is harmless.
    pendingReleases.push(release({ release_all: {} }));
    await Promise.all(pendingReleases);
  }
}
