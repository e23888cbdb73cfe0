// The Spark copy in the benchmark: whether a Spark Connect server answers, and the profile of a miss:
// the Spark read alone (the copy's own query, every row read and dropped by Spark's noop writer),
// against which the job's time splits into reading and writing, and the session's first answer.
import { connect } from 'node:net';
import { connectMysql } from '../src/connectors/mysql/connect.js';
import { introspectTables } from '../src/connectors/mysql/introspect.js';
import { planSparkRead, sparkSourceRead } from '../src/replication/spark-copy.js';
import { sparkSchema } from '../src/config/sections/spark.js';
import { mapColumn } from '../src/schema/type-mapping.js';
import { parseSparkConnectUrl } from '../src/spark/connection-string.js';
import { write } from '../src/spark/plan/commands.js';
import { connectSpark } from '../src/spark/session.js';
import type { ConnectionSpec } from '../src/connectors/connection-spec.js';
import { withDatabase, type BenchSettings } from './settings.js';

/** Whether something accepts connections at the Spark Connect URL's host and port (3 s at most). */
export async function sparkReachable(url: string): Promise<boolean> {
  const { host, port } = parseSparkConnectUrl(url);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export interface SparkReadFigures {
  /** Seconds until the new session's first answer (the server's JVM runs already). */
  sessionSeconds: number;
  /** The copy's read alone, median of the rounds. */
  readSeconds: number;
  partitions: number;
}

function specOf(url: URL, database: string): ConnectionSpec {
  return {
    host: url.hostname,
    port: Number(url.port) || 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
    tls: { mode: 'disable' },
    connectTimeoutMs: 10_000,
  };
}

/** The Spark copy's read of `table` with its default settings, `rounds` times. */
export async function measureSparkRead(
  settings: BenchSettings,
  table: string,
  rounds: number,
): Promise<SparkReadFigures> {
  const source = specOf(withDatabase(settings.sourceUrl, settings.database), settings.database);
  const mysql = await connectMysql(source);
  let plan;
  try {
    const [found] = await introspectTables(mysql, settings.database, [table]);
    if (!found) throw new Error(`${table} is not in ${settings.database}`);
    const mappings = found.columns.map((c) => mapColumn(c, table));
    plan = await planSparkRead(mysql, found, mappings, {
      checks: [],
      streamName: table,
      rowsPerPartition: sparkSchema.parse({}).rows_per_partition,
    });
  } finally {
    await mysql.end();
  }
  const began = Date.now();
  const session = connectSpark(settings.sparkUrl);
  try {
    await session.sparkVersion();
    const sessionSeconds = (Date.now() - began) / 1000;
    const reads: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = Date.now();
      await session.run(write(sparkSourceRead(source, plan, 'copy'), { format: 'noop', mode: 'overwrite' }));
      reads.push((Date.now() - started) / 1000);
    }
    reads.sort((a, b) => a - b);
    return {
      sessionSeconds,
      readSeconds: reads[Math.floor(reads.length / 2)]!,
      partitions: plan.partitioning?.partitions ?? 1,
    };
  } finally {
    await session.close();
  }
}
