// The plain connection settings every connector takes: host, port, user, password, database, TLS.
// Built from ferry.yaml by config/connection.ts; connectors never read the config themselves.

export type TlsMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface TlsSettings {
  mode: TlsMode;
  ca?: string;
  cert?: string;
  key?: string;
}

/** Plain connection settings: what connectors accept. */
export interface ConnectionSpec {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  tls: TlsSettings;
  connectTimeoutMs: number;
  /**
   * After this long without a byte while ferry waits on the server, ferry asks the server (on a
   * fresh connection) whether its session still works; 0 turns the check off. Default 30 s.
   */
  stallTimeoutMs?: number;
}

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** "user@host:port/database", for messages; never the password. */
export function describeConnection(spec: ConnectionSpec): string {
  return `${spec.user}@${spec.host}:${spec.port}/${spec.database}`;
}
