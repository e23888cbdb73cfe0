// Turns a source or target profile of ferry.yaml into the plain connection settings connectors take.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../observability/redact.js';
import type { ConnectionSpec, TlsMode, TlsSettings } from '../connectors/connection-spec.js';
import type { SourceProfile, TargetProfile } from './schema.js';

const DEFAULT_PORTS = { mysql: 3306, postgres: 5432 } as const;
const SCHEMES = { mysql: ['mysql:', 'mariadb:'], postgres: ['postgres:', 'postgresql:'] } as const;

export function sourceConnection(profile: SourceProfile): ConnectionSpec {
  return resolve(profile, 'mysql', 'source');
}

export function targetConnection(profile: TargetProfile): ConnectionSpec {
  return resolve(profile, 'postgres', 'target');
}

function resolve(
  profile: SourceProfile | TargetProfile,
  kind: 'mysql' | 'postgres',
  where: string,
): ConnectionSpec {
  let fromUrl: Partial<ConnectionSpec> & { tlsMode?: TlsMode } = {};
  if (profile.url) fromUrl = parseUrl(profile.url, kind, where);
  const host = profile.host ?? fromUrl.host ?? '127.0.0.1';
  const database = profile.database ?? fromUrl.database;
  if (!database) {
    throw new ConfigError(`${where}: no database given`, [
      `${where}.database: required (or put it in the url: …/${kind === 'mysql' ? 'shop' : 'warehouse'})`,
    ]);
  }
  const password = profile.password ?? fromUrl.password;
  registerSecret(password);
  const tls: TlsSettings = {
    mode: profile.tls?.mode ?? fromUrl.tlsMode ?? (isLocal(host) ? 'disable' : 'prefer'),
  };
  for (const key of ['ca', 'cert', 'key'] as const) {
    const path = profile.tls?.[key];
    if (path) tls[key] = readPem(path, `${where}.tls.${key}`);
  }
  return {
    host,
    port: profile.port ?? fromUrl.port ?? DEFAULT_PORTS[kind],
    user: profile.user ?? fromUrl.user ?? (kind === 'mysql' ? 'root' : 'postgres'),
    password,
    database,
    tls,
    connectTimeoutMs: profile.connect_timeout,
    stallTimeoutMs: profile.stall_timeout,
  };
}

/** What to do about characters a URL reserves, in a user name or password. */
const SPECIAL_CHARACTERS = (where: string) =>
  `in a URL's user name and password, write % as %25, @ as %40, : as %3A, / as %2F, # as %23 and ? as %3F (encodeURIComponent does it), or give host, user and password as separate keys of ${where} instead of url`;

function parseUrl(text: string, kind: 'mysql' | 'postgres', where: string) {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `${where}.url is not a valid URL`,
      [
        `${where}.url: expected ${kind === 'mysql' ? 'mysql://user:password@host:3306/database' : 'postgres://user:password@host:5432/database'}`,
      ],
      { hint: SPECIAL_CHARACTERS(where) },
    );
  }
  if (!(SCHEMES[kind] as readonly string[]).includes(url.protocol)) {
    throw new ConfigError(`${where}.url has scheme ${url.protocol.replace(':', '')}`, [
      `${where}.url: expected a ${SCHEMES[kind].map((s) => s.replace(':', '')).join(' or ')}:// URL`,
    ]);
  }
  const decode = (s: string, part: string) => {
    if (s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch {
      // URIError "URI malformed": a % not followed by two hex digits. The value is never shown.
      throw new ConfigError(
        `${where}.url: the ${part} has a % that is not followed by two hex digits`,
        [`${where}.url: a % in the ${part} must be written %25: percent-encode it`],
        { hint: SPECIAL_CHARACTERS(where) },
      );
    }
  };
  const mode =
    url.searchParams.get('sslmode') ?? url.searchParams.get('ssl-mode') ?? url.searchParams.get('tls');
  const tlsMode = mode ? normaliseTlsMode(mode.toLowerCase(), where) : undefined;
  return {
    host: decode(url.hostname.replace(/^\[|\]$/g, ''), 'host'),
    port: url.port ? Number(url.port) : undefined,
    user: decode(url.username, 'user name'),
    password: decode(url.password, 'password'),
    database: decode(url.pathname.replace(/^\//, ''), 'database name'),
    tlsMode,
  };
}

function normaliseTlsMode(mode: string, where: string): TlsMode {
  const aliases: Record<string, TlsMode> = {
    disable: 'disable',
    disabled: 'disable',
    false: 'disable',
    prefer: 'prefer',
    preferred: 'prefer',
    allow: 'prefer',
    require: 'require',
    required: 'require',
    true: 'require',
    'verify-ca': 'verify-ca',
    verify_ca: 'verify-ca',
    'verify-full': 'verify-full',
    verify_identity: 'verify-full',
    'verify-identity': 'verify-full',
  };
  const found = aliases[mode];
  if (!found)
    throw new ConfigError(`${where}.url: unknown sslmode ${mode}`, [
      `${where}.url: sslmode must be one of disable, prefer, require, verify-ca, verify-full`,
    ]);
  return found;
}

function readPem(path: string, where: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`${where}: cannot read ${path}`, [
      `${where}: file ${path} not found or not readable`,
    ]);
  }
}

export function isLocal(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}
