// Spark's error details in the grpc-status-details-bin trailer, and the SparkErrors made from them.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, registerSecret } from '../../../src/observability/redact.js';
import { sparkError, SparkError } from '../../../src/spark/spark-errors.js';
import { errorInfoOf } from '../../../src/spark/status-details.js';

afterEach(() => forgetSecrets());

/** Protobuf encoding of the few fields these messages have, to build a real trailer. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const bytesField = (field: number, value: Uint8Array | string): number[] => {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  return [...varint((field << 3) | 2), ...varint(data.length), ...data];
};
const message = (...fields: number[][]) => Uint8Array.from(fields.flat());

function trailer(metadata: Record<string, string>): Uint8Array {
  const info = message(
    bytesField(1, 'org.apache.spark.sql.AnalysisException'),
    bytesField(2, 'org.apache.spark'),
    ...Object.entries(metadata).map(([k, v]) => bytesField(3, message(bytesField(1, k), bytesField(2, v)))),
  );
  const any = message(bytesField(1, 'type.googleapis.com/google.rpc.ErrorInfo'), bytesField(2, info));
  return message([8, 13], bytesField(2, 'failed'), bytesField(3, any));
}

function grpcError(code: grpc.status, details: string, statusDetails?: Uint8Array): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (statusDetails) metadata.set('grpc-status-details-bin', Buffer.from(statusDetails));
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata });
}

describe('errorInfoOf', () => {
  it('reads the reason and metadata of the ErrorInfo in a Status', () => {
    const info = errorInfoOf(
      trailer({ errorClass: 'TABLE_OR_VIEW_NOT_FOUND', sqlState: '42P01', errorId: 'e-1' }),
    );
    expect(info).toEqual({
      reason: 'org.apache.spark.sql.AnalysisException',
      domain: 'org.apache.spark',
      metadata: { errorClass: 'TABLE_OR_VIEW_NOT_FOUND', sqlState: '42P01', errorId: 'e-1' },
    });
  });

  it('returns undefined for no trailer or a broken one', () => {
    expect(errorInfoOf(undefined)).toBeUndefined();
    expect(errorInfoOf(Uint8Array.from([0x1a, 0x05, 0x01]))).toBeUndefined();
  });
});

describe('sparkError', () => {
  it('carries the error class, SQLSTATE and a hint', () => {
    const error = sparkError(
      'Spark Connect h:15002',
      grpcError(
        grpc.status.INTERNAL,
        '[TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found.',
        trailer({ errorClass: 'TABLE_OR_VIEW_NOT_FOUND', sqlState: '42P01' }),
      ),
    );
    expect(error).toBeInstanceOf(SparkError);
    expect(error).toMatchObject({
      kind: 'engine',
      errorClass: 'TABLE_OR_VIEW_NOT_FOUND',
      sqlState: '42P01',
      transient: false,
    });
    expect(error.message).toBe(
      'Spark Connect h:15002: [TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found.',
    );
    expect(error.exitCode).toBe(1);
  });

  it('removes passwords Spark echoes from JDBC options', () => {
    registerSecret('s3cr3t-pw');
    const error = sparkError(
      'Spark Connect h:15002',
      grpcError(
        grpc.status.INTERNAL,
        'Map(url -> jdbc:postgresql://h/db, password -> s3cr3t-pw) Access denied for user',
      ),
    );
    expect(error.message).not.toContain('s3cr3t-pw');
    expect(error.hint).toMatch(/credentials/);
  });

  it('marks an unreachable server as transient and says how to start one', () => {
    const error = sparkError(
      'Spark Connect h:15002',
      grpcError(grpc.status.UNAVAILABLE, 'No connection established'),
    );
    expect(error.transient).toBe(true);
    expect(error.hint).toMatch(/scripts\/spark.sh start/);
  });
});
