// ferry's error classes: each says what happened, where, and what to do, and whether a retry may help.
import { redact } from './observability/redact.js';

export type ErrorKind =
  'configuration' | 'connection' | 'schema' | 'data' | 'engine' | 'lock' | 'interrupted';

/** Exit codes, documented in docs/cli.md. 1 is reserved for "ran, and found problems" (verify differences, failed checks). */
export const EXIT_CODES: Record<ErrorKind, number> = {
  configuration: 2,
  connection: 3,
  schema: 4,
  data: 5,
  engine: 6,
  lock: 7,
  interrupted: 130,
};

export interface FerryErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  /** True when retrying later may succeed (a dropped connection, a deadlock). */
  transient?: boolean;
  cause?: unknown;
}

export class FerryError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly transient: boolean;

  constructor(kind: ErrorKind, message: string, options: FerryErrorOptions = {}) {
    super(redact(message), { cause: options.cause });
    this.name = 'FerryError';
    this.kind = kind;
    this.hint = options.hint === undefined ? undefined : redact(options.hint);
    this.transient = options.transient ?? false;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

export class ConfigError extends FerryError {
  /** Every problem found, each prefixed with its place in the file. */
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = [], options: FerryErrorOptions = {}) {
    super('configuration', message, options);
    this.name = 'ConfigError';
    this.problems = problems.map(redact);
  }
}

export class ConnectionError extends FerryError {
  constructor(message: string, options: FerryErrorOptions = {}) {
    super('connection', message, options);
    this.name = 'ConnectionError';
  }
}

/**
 * The connection was lost while COMMIT was on its way: the transaction may or may not have
 * committed. Whoever retries must first read back the state the transaction wrote.
 */
export class CommitUnknownError extends ConnectionError {
  constructor(message: string, options: FerryErrorOptions = {}) {
    super(message, { transient: true, ...options });
    this.name = 'CommitUnknownError';
  }
}

export class SchemaError extends FerryError {
  constructor(message: string, options: FerryErrorOptions = {}) {
    super('schema', message, options);
    this.name = 'SchemaError';
  }
}

export class DataError extends FerryError {
  constructor(message: string, options: FerryErrorOptions = {}) {
    super('data', message, options);
    this.name = 'DataError';
  }
}

export class LockError extends FerryError {
  constructor(message: string, options: FerryErrorOptions = {}) {
    super('lock', message, options);
    this.name = 'LockError';
  }
}

export function isFerryError(error: unknown): error is FerryError {
  return error instanceof FerryError;
}

/** Whether running the work again later may succeed: only errors ferry classified as transient. */
export function isTransient(error: unknown): boolean {
  return error instanceof FerryError && error.transient;
}

/** The message of any thrown value, with secrets removed. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return redact(error.message);
  return redact(String(error));
}
