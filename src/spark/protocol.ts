// Loads ferry's Spark Connect .proto files (src/spark/proto) into a gRPC client constructor.
// Messages travel as plain objects in the protocol's own snake_case shape: 64-bit integers as
// strings, enums by name, bytes as Buffers, and each oneof named by a virtual field.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { DataTypeMessage } from './data-type.js';
import type { CommandNode, RelationNode } from './plan/nodes.js';

/** proto files sit next to this module in src/, and are copied next to it into dist/ by the build. */
function protoDir(): string {
  const candidates = [new URL('./proto', import.meta.url), new URL('../../src/spark/proto', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(dir)) return dir;
  }
  throw new Error('Spark Connect protocol files not found next to src/spark/protocol.ts');
}

export interface UserContext {
  user_id: string;
  user_name?: string;
}

export interface PlanMessage {
  root?: RelationNode;
  command?: CommandNode;
}

/** Fields every request carries. */
export interface RequestHeader {
  session_id: string;
  user_context: UserContext;
  client_type: string;
  client_observed_server_side_session_id?: string;
}

export interface ExecutePlanResponse {
  session_id: string;
  server_side_session_id?: string;
  operation_id: string;
  response_id: string;
  response_type?: 'arrow_batch' | 'sql_command_result' | 'result_complete';
  arrow_batch?: { row_count: string; data: Buffer; start_offset?: string };
  sql_command_result?: { relation: RelationNode };
  result_complete?: Record<string, never>;
  schema?: DataTypeMessage;
}

export interface AnalyzePlanResponse {
  session_id: string;
  server_side_session_id?: string;
  result?: 'schema' | 'explain' | 'spark_version';
  schema?: { schema: DataTypeMessage };
  explain?: { explain_string: string };
  spark_version?: { version: string };
}

export interface KeyValue {
  key: string;
  value?: string;
}

export interface ConfigResponse {
  session_id: string;
  server_side_session_id?: string;
  pairs?: KeyValue[];
  warnings?: string[];
}

export interface FetchErrorDetailsResponse {
  root_error_idx?: number;
  errors?: {
    error_type_hierarchy?: string[];
    message: string;
    cause_idx?: number;
    spark_throwable?: {
      error_class?: string;
      message_parameters?: Record<string, string>;
      sql_state?: string;
    };
  }[];
}

type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;
type Streaming<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options?: grpc.CallOptions,
) => grpc.ClientReadableStream<Res>;

/** The service's methods as ferry calls them (only those declared in proto/spark/connect/base.proto). */
export interface SparkConnectStub extends grpc.Client {
  ExecutePlan: Streaming<RequestHeader & Record<string, unknown>, ExecutePlanResponse>;
  ReattachExecute: Streaming<RequestHeader & Record<string, unknown>, ExecutePlanResponse>;
  AnalyzePlan: Unary<RequestHeader & Record<string, unknown>, AnalyzePlanResponse>;
  Config: Unary<RequestHeader & Record<string, unknown>, ConfigResponse>;
  ReleaseExecute: Unary<RequestHeader & Record<string, unknown>, Record<string, unknown>>;
  ReleaseSession: Unary<RequestHeader & Record<string, unknown>, Record<string, unknown>>;
  FetchErrorDetails: Unary<RequestHeader & { error_id: string }, FetchErrorDetailsResponse>;
}

export type SparkConnectStubConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => SparkConnectStub;

/** Parses the protocol files; call once per client (cheap enough, and keeps no module state). */
export function loadSparkConnectService(): SparkConnectStubConstructor {
  const definition = loadSync('spark/connect/base.proto', {
    includeDirs: [protoDir()],
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    spark: { connect: { SparkConnectService: SparkConnectStubConstructor } };
  };
  return loaded.spark.connect.SparkConnectService;
}
