// The gRPC channel to a Spark Connect server: credentials (TLS, bearer token), headers, message
// size limits, and a promise wrapper for unary calls that honours an AbortSignal.
import * as grpc from '@grpc/grpc-js';
import { grpcAddress, type SparkConnectTarget } from './connection-string.js';
import { loadSparkConnectService, type SparkConnectStub } from './protocol.js';

/** Arrow batches are up to spark.connect.grpc.arrow.maxBatchSize (4 MiB by default); leave room. */
const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export interface Transport {
  readonly stub: SparkConnectStub;
  /** Headers for every call (fresh object per call: grpc-js may add to it). */
  metadata(): grpc.Metadata;
  close(): void;
}

export interface TransportOptions {
  /** PEM certificates of the CAs to trust for TLS; the system's roots by default. */
  rootCertificates?: Buffer;
}

export function openTransport(target: SparkConnectTarget, options: TransportOptions = {}): Transport {
  let credentials = target.useSsl
    ? grpc.credentials.createSsl(options.rootCertificates ?? null)
    : grpc.credentials.createInsecure();
  if (target.token !== undefined) {
    const token = target.token;
    credentials = grpc.credentials.combineChannelCredentials(
      credentials,
      grpc.credentials.createFromMetadataGenerator((_params, callback) => {
        const metadata = new grpc.Metadata();
        metadata.add('authorization', `Bearer ${token}`);
        callback(null, metadata);
      }),
    );
  }
  const Service = loadSparkConnectService();
  const stub = new Service(grpcAddress(target), credentials, {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.primary_user_agent': target.userAgent,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_permit_without_calls': 1,
  });
  return {
    stub,
    metadata() {
      const metadata = new grpc.Metadata();
      for (const [key, value] of Object.entries(target.headers)) metadata.add(key, value);
      return metadata;
    },
    close() {
      stub.close();
    },
  };
}

export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

/** Calls a unary method; rejects with the gRPC error, or with signal.reason when aborted. */
export function callUnary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: grpc.Metadata,
  signal?: AbortSignal,
  timeoutMs?: number,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const options: grpc.CallOptions = timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
    const onAbort = () => call.cancel();
    const call = method(request, metadata, options, (error, response) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason as Error);
      else if (error) reject(error);
      else resolve(response as Res);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
