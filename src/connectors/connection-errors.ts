// Classifies driver errors (errno / SQLSTATE / socket codes) into ferry errors by table, with a fix for each.
import { ConnectionError, FerryError, SchemaError, DataError } from '../errors.js';
import { messageOf } from '../errors.js';

export interface ErrorRule {
  kind: 'connection' | 'schema' | 'data';
  transient: boolean;
  /** The sentence shown to the user; {where} is "user@host:port/database". */
  message: string;
  hint?: string;
}

/** Node socket error codes, shared by both drivers. */
export const SOCKET_ERRORS: Record<string, ErrorRule> = {
  ECONNREFUSED: {
    kind: 'connection',
    transient: true,
    message: 'nothing is listening at {where}: the server is stopped or on another port',
    hint: 'start the server (`make services` starts the local ones) or fix host/port in the config',
  },
  ENOTFOUND: {
    kind: 'connection',
    transient: false,
    message: 'host name of {where} not found',
    hint: 'check the host in the config',
  },
  EAI_AGAIN: {
    kind: 'connection',
    transient: true,
    message: 'could not resolve the host of {where} (DNS not answering)',
  },
  ETIMEDOUT: {
    kind: 'connection',
    transient: true,
    message: 'connecting to {where} timed out',
    hint: 'check that the host is reachable and the firewall allows the port, or raise connect_timeout',
  },
  ECONNRESET: { kind: 'connection', transient: true, message: 'the server at {where} closed the connection' },
  EPIPE: { kind: 'connection', transient: true, message: 'the connection to {where} broke' },
  PROTOCOL_CONNECTION_LOST: {
    kind: 'connection',
    transient: true,
    message: 'the connection to {where} was lost',
  },
  EHOSTUNREACH: { kind: 'connection', transient: true, message: 'host of {where} unreachable' },
};

export function classify(
  error: unknown,
  where: string,
  rules: Record<string, ErrorRule>,
  codeOf: (error: Record<string, unknown>) => string | undefined,
): FerryError {
  if (error instanceof FerryError) return error;
  const record = (error ?? {}) as Record<string, unknown>;
  const code = codeOf(record) ?? (record.code as string | undefined);
  const rule = (code && (rules[code] ?? SOCKET_ERRORS[code])) || undefined;
  const detail = messageOf(error);
  if (!rule) return new ConnectionError(`${where}: ${detail}`, { cause: error, transient: false });
  const message = `${rule.message.replace('{where}', where)} (${detail})`;
  const options = { hint: rule.hint, transient: rule.transient, cause: error };
  if (rule.kind === 'schema') return new SchemaError(message, options);
  if (rule.kind === 'data') return new DataError(message, options);
  return new ConnectionError(message, options);
}
