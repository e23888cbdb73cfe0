// ferry's error classes: each says what happened, where, and what to do, and whether a retry may help.
import { redact } from './observability/redact.js';

export type ErrorKind =
  'configuration' | 'connection' | 'schema' | 'data' | 'engine' | 'lock' | 'interrupted';

/**
 * The exit codes of every command, documented in docs/cli.md ("Exit codes"). 70 is for errors that
 * are not FerryErrors: bugs in ferry.
 */
export const EXIT = {
  success: 0,
  /** The command ran and failed on what it found: a stream, a model or a check failed. */
  failed: 1,
  usage: 2,
  /** A server unreachable or a connection lost; the run is recorded as failed and resumes. */
  connection: 3,
  locked: 7,
  bug: 70,
  interrupted: 130,
} as const;

/** The exit code of each kind of error. Schema, data and engine errors are failures of the run (1). */
export const EXIT_CODES: Record<ErrorKind, number> = {
  configuration: EXIT.usage,
  connection: EXIT.connection,
  schema: EXIT.failed,
  data: EXIT.failed,
  engine: EXIT.failed,
  lock: EXIT.locked,
  interrupted: EXIT.interrupted,
};

/** When several codes apply, the first of this list wins (docs/cli.md explains why). */
export const EXIT_PRECEDENCE: readonly number[] = [
  EXIT.interrupted,
  EXIT.bug,
  EXIT.usage,
  EXIT.locked,
  EXIT.connection,
  EXIT.failed,
  EXIT.success,
];

/** The code that wins among several that apply. */
export function exitCodeOf(codes: readonly number[]): number {
  for (const code of EXIT_PRECEDENCE) if (codes.includes(code)) return code;
  return codes.length === 0 ? EXIT.success : Math.max(...codes);
}

export interface FerryErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  /** True when retrying later may succeed (a dropped connection, a deadlock). */
  transient?: boolean;
  /** The driver's code: a SQLSTATE, a MySQL error name or errno, a socket error code. */
  code?: string;
  cause?: unknown;
}

export class FerryError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly transient: boolean;
  readonly code: string | undefined;

  constructor(kind: ErrorKind, message: string, options: FerryErrorOptions = {}) {
    super(redact(message), { cause: options.cause });
    this.name = 'FerryError';
    this.kind = kind;
    this.hint = options.hint === undefined ? undefined : redact(options.hint);
    this.transient = options.transient ?? false;
    this.code = options.code;
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
