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
}

/** "user@host:port/database", for messages; never the password. */
export function describeConnection(spec: ConnectionSpec): string {
  return `${spec.user}@${spec.host}:${spec.port}/${spec.database}`;
}
