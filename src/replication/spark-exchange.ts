// The Spark copy's COPY write (spark.write: copy): Spark writes the rows as files of PostgreSQL COPY
// text into a directory that ferry can read too (the exchange directory), and ferry streams each
// file into the staging table with COPY as soon as Spark commits it, on a few connections, while
// the job still runs. Spark's file committer (algorithm 2) moves each task's file into place when
// the task ends, so the first files load while later partitions are still being read.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { copyInto } from '../connectors/postgres/copy-into.js';
import { ConfigError, messageOf } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { write } from '../spark/plan/commands.js';
import type { RelationNode } from '../spark/plan/nodes.js';
import type { SparkSession } from '../spark/session.js';

export interface ExchangeWrite {
  session: SparkSession;
  /** A relation of one string column: the COPY text lines. */
  lines: RelationNode;
  /** The directory both Spark and ferry see; each job writes a fresh directory inside it. */
  exchangeDir: string;
  target: ConnectionSpec;
  into: { schema: string; table: string; columns: readonly string[] };
  /** COPY connections into PostgreSQL. */
  connections: number;
  /** Count the lines whose last field is not NULL (the rows marked for a recheck) as they pass. */
  countMarked: boolean;
  logger?: Logger | undefined;
  signal: AbortSignal;
}

export interface ExchangeResult {
  rows: number;
  /** With countMarked: the lines whose last field is not \N. */
  marked: number;
  files: number;
  bytes: number;
  /** From the start of the job to its end, as Spark reports it. */
  jobSeconds: number;
  /** From the start of the job to the last COPY's end. */
  seconds: number;
}

const POLL_MS = 100;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const N = 0x4e;

/** Passes the file's bytes on, counting the lines that do not end in \N (a line never spans a file). */
export async function* countMarks(
  file: AsyncIterable<Buffer>,
  into: { marked: number },
): AsyncGenerator<Buffer> {
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of file) {
    // The two bytes before each newline, looking back into the previous chunk at its start.
    const previous = tail;
    const at = (k: number) => (k >= 0 ? chunk[k] : previous[previous.length + k]);
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1))
      if (at(i - 1) !== N || at(i - 2) !== BACKSLASH) into.marked++;
    tail =
      chunk.length >= 2 ? chunk.subarray(chunk.length - 2) : Buffer.concat([previous, chunk]).subarray(-2);
    yield chunk;
  }
}
/** Spark's part files; its checksums (.crc), _SUCCESS and _temporary are not data. */
const PART_FILE = /^part-/;

export async function writeThroughExchange(options: ExchangeWrite): Promise<ExchangeResult> {
  const started = Date.now();
  // The files hold the table's rows until they are loaded: a directory ferry creates is private.
  await mkdir(options.exchangeDir, { recursive: true, mode: 0o700 });
  const dir = join(options.exchangeDir, `copy-${randomUUID()}`);
  const abort = new AbortController();
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    abort.abort(error);
  };
  const onAbort = () => fail(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  const queue: string[] = [];
  const seen = new Set<string>();
  let jobEnded = false;
  let allQueued = false;
  let jobSeconds = 0;
  const result = { rows: 0, marked: 0, files: 0, bytes: 0 };

  const scan = async (): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names.sort())
      if (PART_FILE.test(name) && !seen.has(name)) {
        seen.add(name);
        queue.push(name);
      }
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, POLL_MS));

  const job = options.session
    .run(
      write(options.lines, {
        format: 'text',
        mode: 'error',
        path: dir,
        options: { 'mapreduce.fileoutputcommitter.algorithm.version': '2', compression: 'none' },
      }),
      { signal: abort.signal, tags: ['ferry-copy'] },
    )
    .then(
      () => {
        jobSeconds = (Date.now() - started) / 1000;
      },
      (error: unknown) => fail(error),
    )
    .finally(() => {
      jobEnded = true;
    });

  const copier = async (): Promise<void> => {
    const client = await connectPostgres(options.target);
    try {
      while (!abort.signal.aborted) {
        const name = queue.shift();
        if (name === undefined) {
          if (allQueued) return;
          await pause();
          continue;
        }
        const path = join(dir, name);
        const { size } = await stat(path);
        const rows = await copyInto(
          client,
          options.into.schema,
          options.into.table,
          options.into.columns,
          options.countMarked ? countMarks(createReadStream(path), result) : createReadStream(path),
          abort.signal,
        );
        result.rows += rows;
        result.bytes += size;
        result.files++;
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const copiers = Array.from({ length: Math.max(1, options.connections) }, () => copier().catch(fail));

  try {
    while (!jobEnded && !abort.signal.aborted) {
      await scan();
      await pause();
    }
    await job;
    if (!failure) {
      await scan();
      if (!(await readdir(dir).catch(() => [] as string[])).includes('_SUCCESS'))
        fail(
          new ConfigError(
            `Spark finished writing the rows, but ferry does not see its files in ${options.exchangeDir}`,
            [],
            {
              hint: 'spark.write: copy needs a directory that the Spark executors and ferry share (spark.exchange_dir, e.g. a shared mount); with a remote cluster, set spark.write: jdbc',
            },
          ),
        );
    }
    allQueued = true;
    await Promise.all(copiers);
    if (failure) throw failure.error;
    return { ...result, jobSeconds, seconds: (Date.now() - started) / 1000 };
  } finally {
    allQueued = true;
    abort.abort();
    await Promise.allSettled([job, ...copiers]);
    options.signal.removeEventListener('abort', onAbort);
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
      options.logger?.warn({ dir }, `could not remove the Spark copy's files in ${dir}: ${messageOf(error)}`),
    );
  }
}
