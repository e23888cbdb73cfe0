// Logging: readable lines in a terminal, JSON lines otherwise; every line passes through redact().
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { redact } from './redact.js';
import { Writable } from 'node:stream';

export type Logger = PinoLogger;
export type LogFormat = 'pretty' | 'json';

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Where lines go; stderr by default so stdout stays for command output. */
  destination?: NodeJS.WritableStream;
}

export function defaultLogFormat(stream: NodeJS.WritableStream = process.stderr): LogFormat {
  const env = process.env.FERRY_LOG_FORMAT;
  if (env === 'json' || env === 'pretty') return env;
  return (stream as { isTTY?: boolean }).isTTY ? 'pretty' : 'json';
}

/** A writable that redacts each chunk before passing it on. */
function redacting(target: NodeJS.WritableStream): Writable & DestinationStream {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      target.write(redact(chunk.toString()));
      done();
    },
  });
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const format = options.format ?? defaultLogFormat(destination);
  const level = options.level ?? process.env.FERRY_LOG_LEVEL ?? 'info';
  const base = {
    level,
    base: undefined,
    redact: { paths: ['password', '*.password', 'url', '*.url', 'token', '*.token'], censor: '***' },
  };
  if (format === 'pretty') {
    // One event per line: the message, then its fields as JSON on the same line. A logged error
    // (err) is left out, its message is in the line's: pino-pretty would print it as a block of
    // lines; with --debug it is, with its stack.
    const detailed = level === 'debug' || level === 'trace';
    const stream = pretty({
      destination: redacting(destination),
      colorize: (destination as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR,
      ignore: detailed ? 'pid,hostname' : 'pid,hostname,err',
      translateTime: 'HH:MM:ss',
      singleLine: true,
      sync: true,
    });
    return pino(base, stream);
  }
  return pino({ ...base, timestamp: pino.stdTimeFunctions.isoTime }, redacting(destination));
}

/** A logger that drops everything; for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
