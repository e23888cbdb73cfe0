// The project, compiled once from a validated ferry.yaml (in the CLI context, or by a test): the
// connection specs (TLS files read once), the target schema, the sync settings, the stream rules
// with their durations in seconds, and the sections the other commands read. Frozen; entry points
// take the parts they need (see the Pick<> types they declare), and connectors see only specs.
import { readFileSync } from 'node:fs';
import type { ConnectionSpec } from '../connectors/connection-spec.js';
import { ConfigError } from '../errors.js';
import { sourceConnection, targetConnection } from './connection.js';
import { durationSeconds } from './duration.js';
import { sparkSchema } from './sections/spark.js';
import { DEFAULT_LOOKBACK } from './sections/streams.js';
import type {
  CdcSettings,
  FerryConfig,
  SparkSettings,
  StreamConfig,
  SyncSettings,
  TransformSettings,
} from './schema.js';

/** How a stream copies: in full, by cursor, or by following the binlog. */
export type StreamMode = 'full_refresh' | 'incremental' | 'cdc';

/** A stream rule of ferry.yaml with the defaults applied and its lookback in seconds. */
export interface StreamRule extends Omit<
  StreamConfig,
  'mode' | 'lookback' | 'deletes' | 'cursor' | 'incremental_fallback'
> {
  /** Its position in ferry.yaml's streams list, for messages ("streams[2]"). */
  index: number;
  mode: StreamMode;
  cursor: string | undefined;
  lookbackSeconds: number;
  deletes: 'ignore' | 'soft' | 'hard';
  incrementalFallback: 'none' | 'full_refresh';
  /** The stream's own entry as ferry.yaml gives it (without defaults:), for warnings about settings that do nothing. */
  own: Readonly<StreamConfig>;
  /** The PostgreSQL schema of its target tables: target_schema, or target.schema. */
  targetSchema: string;
}

/** The cdc section with its durations in seconds. */
export interface CdcRules {
  serverId: number | undefined;
  heartbeatSeconds: number;
  batchRows: number;
  batchWaitSeconds: number;
  onPositionLost: CdcSettings['on_position_lost'];
  ledgerRetentionSeconds: number;
  sampleEverySeconds: number;
  samplesRetentionDays: number;
}

export interface SparkServer extends SparkSettings {
  /** The CA certificates of spark.ca, read once. */
  caPem: Buffer | undefined;
}

export interface Project {
  readonly configPath: string;
  /** The validated file, for the sections compiled elsewhere (pipelines, by orchestration). */
  readonly config: FerryConfig;
  readonly source: ConnectionSpec;
  readonly target: ConnectionSpec;
  /** The PostgreSQL schema that receives the replicated tables (a stream may name another). */
  readonly targetSchema: string;
  /** Every schema the streams write into: targetSchema first, then the streams' own target_schema. */
  readonly targetSchemas: readonly string[];
  /** Where pipeline runs and the job queue live: orchestration.database, or the target. */
  readonly history: ConnectionSpec;
  readonly queueSchema: string;
  readonly sync: Readonly<SyncSettings>;
  readonly cdc: Readonly<CdcRules>;
  readonly streams: readonly StreamRule[];
  readonly transform: Readonly<TransformSettings>;
  readonly spark: Readonly<SparkServer>;
}

const SPARK_DEFAULTS: SparkSettings = sparkSchema.parse({});

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`spark.ca: cannot read ${path}`, [`spark.ca: ${(error as Error).message}`], {
      hint: 'give the path of a PEM file with the CA certificate of the Spark Connect endpoint',
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * A `where:` on a cdc stream: change events never pass through a query, and ferry does not evaluate
 * MySQL conditions on row images, so it is refused rather than applied to the snapshot alone.
 */
function refuseOnCdc(streams: readonly StreamRule[]): void {
  const problems = streams
    .filter((s) => s.mode === 'cdc' && s.where !== undefined)
    .map((s) => `streams[${s.index}].where: not for a cdc stream (${s.table})`);
  if (problems.length > 0)
    throw new ConfigError('cdc streams cannot take where:', problems, {
      hint: 'change data capture applies every change of the table; filter in a transform model instead, or use mode: incremental (docs/configuration.md#overrides)',
    });
}

export function compileProject(config: FerryConfig, configPath = 'ferry.yaml'): Project {
  const target = targetConnection(config.target);
  const history = config.orchestration.database
    ? targetConnection({
        url: config.orchestration.database,
        schema: 'public',
        connect_timeout: config.target.connect_timeout,
        stall_timeout: config.target.stall_timeout,
      })
    : target;
  const streams = config.streams.map((s, index): StreamRule => {
    const lookback = s.lookback ?? config.defaults.lookback ?? DEFAULT_LOOKBACK;
    const mode = s.mode ?? config.defaults.mode;
    return {
      ...s,
      index,
      mode,
      cursor: s.cursor ?? config.defaults.cursor,
      lookbackSeconds: durationSeconds(lookback),
      // A cdc stream follows deletes by default: the binlog has them, exactly.
      deletes: s.deletes ?? config.defaults.deletes ?? (mode === 'cdc' ? 'hard' : 'ignore'),
      incrementalFallback: s.incremental_fallback ?? config.defaults.incremental_fallback ?? 'none',
      own: s,
      targetSchema: s.target_schema ?? config.target.schema,
    };
  });
  refuseOnCdc(streams);
  // Deduplication keeps one row per key of a load; a cdc stream applies each row's changes as the
  // binlog has them, which a later duplicate could not undo: refused rather than half applied.
  const deduped = streams.filter((s) => s.mode === 'cdc' && s.dedup);
  if (deduped.length > 0)
    throw new ConfigError(
      'dedup does not apply to cdc streams',
      deduped.map((s) => `streams[${s.index}] (${s.table}): dedup with mode cdc`),
      {
        hint: 'remove dedup from these streams (the source key is followed exactly), or use mode incremental or full_refresh to deduplicate; see docs/cdc.md',
      },
    );
  const spark = config.spark ?? SPARK_DEFAULTS;
  return deepFreeze({
    configPath,
    config,
    source: sourceConnection(config.source),
    target,
    targetSchema: config.target.schema,
    targetSchemas: [...new Set([config.target.schema, ...streams.map((s) => s.targetSchema)])],
    history,
    queueSchema: config.orchestration.queue_schema,
    sync: config.sync,
    cdc: {
      serverId: config.cdc.server_id,
      heartbeatSeconds: durationSeconds(config.cdc.heartbeat),
      batchRows: config.cdc.batch_rows,
      batchWaitSeconds: durationSeconds(config.cdc.batch_wait),
      onPositionLost: config.cdc.on_position_lost,
      ledgerRetentionSeconds: durationSeconds(config.cdc.ledger_retention),
      sampleEverySeconds: durationSeconds(config.cdc.sample_every),
      samplesRetentionDays: durationSeconds(config.cdc.samples_retention) / 86400,
    },
    streams,
    transform: config.transform,
    spark: { ...spark, caPem: spark.ca ? readCa(spark.ca) : undefined },
  });
}
