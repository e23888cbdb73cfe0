// Spark Connect URLs: defaults, parameters, headers, and errors that say how to write one.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { forgetSecrets, redact } from '../../../src/observability/redact.js';
import { grpcAddress, parseSparkConnectUrl } from '../../../src/spark/connection-string.js';

afterEach(() => forgetSecrets());

describe('parseSparkConnectUrl', () => {
  it('defaults to port 15002 without TLS', () => {
    const target = parseSparkConnectUrl('sc://spark.internal');
    expect(target).toMatchObject({
      host: 'spark.internal',
      port: 15002,
      useSsl: false,
      token: undefined,
      sessionId: undefined,
    });
    expect(grpcAddress(target)).toBe('spark.internal:15002');
  });

  it('reads a managed-service URL with a token, TLS, user and extra headers', () => {
    const target = parseSparkConnectUrl(
      'sc://dbc-1234.cloud.example.com:443/;token=dapi-secret-123;use_ssl=true;user_id=etl;x-databricks-cluster-id=0101-abc',
    );
    expect(target).toMatchObject({
      host: 'dbc-1234.cloud.example.com',
      port: 443,
      useSsl: true,
      token: 'dapi-secret-123',
      userId: 'etl',
      headers: { 'x-databricks-cluster-id': '0101-abc' },
    });
    expect(redact('token dapi-secret-123 leaked')).toBe('token *** leaked');
  });

  it('turns TLS on for a token unless told otherwise, and refuses a token in clear text', () => {
    expect(parseSparkConnectUrl('sc://h/;token=abcdef').useSsl).toBe(true);
    expect(() => parseSparkConnectUrl('sc://h/;token=abcdef;use_ssl=false')).toThrow(
      /a token needs use_ssl=true/,
    );
  });

  it('accepts IPv6 hosts and a session id to join', () => {
    const target = parseSparkConnectUrl('sc://[::1]:15003/;session_id=00112233-4455-6677-8899-aabbccddeeff');
    expect(target.host).toBe('::1');
    expect(grpcAddress(target)).toBe('[::1]:15003');
    expect(target.sessionId).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });

  it.each([
    ['http://h:15002', /must start with sc:\/\//],
    ['sc://h:99999', /port 99999 is out of range/],
    ['sc://h/;use_ssl=yes', /use_ssl must be true or false/],
    ['sc://h/;session_id=42', /not a UUID/],
    ['sc://h/;token', /has no value/],
  ])('rejects %s with a ConfigError that shows the form', (url, problem) => {
    const error = (() => {
      try {
        parseSparkConnectUrl(url);
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(problem);
    expect(error.hint).toMatch(/sc:\/\/host:port/);
  });

  it('never prints the token of a bad URL', () => {
    expect(() => parseSparkConnectUrl('sc://h:0/;token=very-secret-token')).toThrow(/token=\*\*\*/);
  });
});
