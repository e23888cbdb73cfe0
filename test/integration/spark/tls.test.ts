// sc:// URLs with use_ssl and a token, against the real Spark Connect server behind a TLS proxy
// (a certificate made for the test, the h2 protocol negotiated as gRPC does).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSparkConnectUrl } from '../../../src/spark/connection-string.js';
import { SparkError } from '../../../src/spark/spark-errors.js';
import { connectSpark } from '../../../src/spark/session.js';
import { requireSpark, SPARK_URL } from './spark-server.js';

let dir: string;
let cert: Buffer;
let server: Server;
let port: number;
const negotiated: (string | false | null)[] = [];

beforeAll(async () => {
  await requireSpark();
  dir = mkdtempSync(join(tmpdir(), 'ferry-spark-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  const upstream = parseSparkConnectUrl(SPARK_URL);
  server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert, ALPNProtocols: ['h2'] },
    (socket: TLSSocket) => {
      negotiated.push(socket.alpnProtocol);
      const spark = connect({ host: upstream.host, port: upstream.port });
      socket.pipe(spark).pipe(socket);
      socket.on('error', () => spark.destroy());
      spark.on('error', () => socket.destroy());
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a Spark Connect server behind TLS', () => {
  it('is reached with use_ssl=true and a bearer token, over h2', async () => {
    const spark = connectSpark(`sc://localhost:${port}/;token=test-token-4711;user_id=tls-test`, {
      rootCertificates: cert,
    });
    try {
      expect(spark.target).toMatchObject({ useSsl: true, userId: 'tls-test' });
      const result = await spark.sql("SELECT 'over tls' AS how");
      expect(result.rows).toEqual([{ how: 'over tls' }]);
      expect(negotiated).toContain('h2');
    } finally {
      await spark.close();
    }
  });

  it('refuses a certificate it does not trust, with a SparkError that says what to do and that does not show the token', async () => {
    const spark = connectSpark(`sc://localhost:${port}/;token=test-token-4711`, {
      retry: { attempts: 0, initialDelayMs: 1, maxDelayMs: 1 },
    });
    const error = (await spark.sparkVersion().catch((e: unknown) => e)) as SparkError;
    expect(error).toBeInstanceOf(SparkError);
    expect(error.grpcCode).toBe(14);
    expect(error.message).toMatch(/self-signed certificate/);
    expect(error.hint).toMatch(/private CA/);
    expect(error.message).not.toContain('test-token-4711');
    await spark.close().catch(() => undefined);
  });
});
