// Parses a Spark Connect connection string: sc://host[:port][/;key=value;key=value...]
// Known keys: token (sent as a bearer token; implies TLS), use_ssl, user_id, user_agent,
// session_id. Any other key becomes a gRPC header, as the other Spark Connect clients do.
import { ConfigError } from '../errors.js';
import { registerSecret } from '../observability/redact.js';

export const DEFAULT_SPARK_CONNECT_PORT = 15002;

export interface SparkConnectTarget {
  host: string;
  port: number;
  useSsl: boolean;
  token: string | undefined;
  userId: string;
  userAgent: string;
  /** A session to join (a UUID); a new one is made when absent. */
  sessionId: string | undefined;
  /** Extra gRPC headers (for gateways of managed services). */
  headers: Readonly<Record<string, string>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN = ['token', 'use_ssl', 'user_id', 'user_agent', 'session_id'];

function bad(url: string, problem: string): ConfigError {
  return new ConfigError(
    `invalid Spark Connect URL ${url.replace(/;token=[^;]*/gi, ';token=***')}: ${problem}`,
    [],
    {
      hint: 'write it as sc://host:port/;token=...;use_ssl=true (port 15002 by default), e.g. sc://127.0.0.1:15002',
    },
  );
}

export function parseSparkConnectUrl(url: string): SparkConnectTarget {
  if (!url.startsWith('sc://')) throw bad(url, 'it must start with sc://');
  const rest = url.slice('sc://'.length);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const tail = slash === -1 ? '' : rest.slice(slash + 1);
  const params = new Map<string, string>();
  for (const part of tail.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(url, `parameter "${part.split('=')[0]}" has no value (write key=value)`);
    params.set(decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1)));
  }
  const token = params.get('token');
  registerSecret(token);

  const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (!hostPort || hostPort[1] === '') throw bad(url, 'no host');
  const port = hostPort[2] === undefined ? DEFAULT_SPARK_CONNECT_PORT : Number(hostPort[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw bad(url, `port ${hostPort[2]} is out of range`);

  const sslText = params.get('use_ssl');
  if (sslText !== undefined && !['true', 'false'].includes(sslText.toLowerCase())) {
    throw bad(url, `use_ssl must be true or false, not "${sslText}"`);
  }
  // A bearer token must not travel in clear text; Spark's own clients make the same rule.
  const useSsl = sslText === undefined ? token !== undefined : sslText.toLowerCase() === 'true';
  if (token !== undefined && !useSsl) throw bad(url, 'a token needs use_ssl=true');

  const sessionId = params.get('session_id');
  if (sessionId !== undefined && !UUID.test(sessionId))
    throw bad(url, `session_id "${sessionId}" is not a UUID`);

  const headers: Record<string, string> = {};
  for (const [key, value] of params) if (!KNOWN.includes(key)) headers[key.toLowerCase()] = value;

  return Object.freeze({
    host: hostPort[1]!.replace(/^\[|\]$/g, ''),
    port,
    useSsl,
    token,
    userId: params.get('user_id') ?? process.env.USER ?? 'ferry',
    userAgent: params.get('user_agent') ?? 'ferry',
    sessionId,
    headers: Object.freeze(headers),
  });
}

/** host:port for gRPC (IPv6 hosts in brackets). */
export function grpcAddress(target: SparkConnectTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port}`;
}
