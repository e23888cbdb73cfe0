// The tools users would pick instead of ferry, Sling and dlt: installed by peers/install.sh into
// cached virtual environments outside the checkout, each run with its fastest documented settings
// into a schema of its own (sling, dlt). The settings are stated in docs/benchmarks.md from here.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetClient } from './data.js';
import { measure, run, type Measurement } from './measure.js';
import { withDatabase, type BenchSettings } from './settings.js';
import { childEnv, withTempDir } from './tools.js';

export type PeerName = 'sling' | 'dlt';
export const PEERS: readonly PeerName[] = ['sling', 'dlt'];

export interface Peer {
  name: PeerName;
  version: string;
  executable: string;
}

export interface PeerInstall {
  ready: Peer[];
  failed: { name: string; version: string; reason: string }[];
  seconds: number;
}

const INSTALL = join(import.meta.dirname, 'peers', 'install.sh');
const DLT_SCRIPT = join(import.meta.dirname, 'peers', 'dlt_load.py');

/** Runs install.sh for the peers asked for; a peer that cannot be installed is reported, not thrown. */
export async function installPeers(
  names: readonly PeerName[],
  log: (line: string) => void,
): Promise<PeerInstall> {
  const started = Date.now();
  const result = await run('bash', [INSTALL, ...names]);
  for (const line of result.stderr.trim().split('\n').filter(Boolean)) log(`  ${line}`);
  const install: PeerInstall = { ready: [], failed: [], seconds: (Date.now() - started) / 1000 };
  for (const name of names) {
    const line = result.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    const [, version = '?', status, ...rest] = line?.split(' ') ?? [];
    if (status === 'ok') install.ready.push({ name, version, executable: rest.join(' ') });
    else
      install.failed.push({
        name,
        version,
        reason:
          rest.join(' ') ||
          `install.sh exited with ${result.code}: ${result.stderr.trim().split('\n').pop() ?? ''}`,
      });
  }
  return install;
}

/** What each peer is told, for the report. */
export const PEER_SETTINGS: Record<PeerName, string> = {
  sling:
    '`sling run -r replication.yaml`, stream `mode: full-refresh`, ' +
    '`target_options: { use_bulk: true, table_keys: { primary: [id] } }` (COPY through lib/pq; the primary key built, as ferry and pgloader do); ' +
    'no column typing hints, so the types are its defaults. Its full refresh COPYs into a `_tmp` table, then drops the target, creates it again and ' +
    'copies the rows over with INSERT ... SELECT, so PostgreSQL writes them twice. It reads MySQL with one cursor query (its bulk export is off for MySQL) and ' +
    'splits a stream into parallel chunks only in its Pro edition (from 1.4.14), so SLING_THREADS has nothing to run in parallel for one table.',
  dlt:
    '`sql_table(backend="connectorx", reflection_level="full_with_precision")`, `write_disposition="replace"`, ' +
    '`loader_file_format="parquet"` (loaded through the ADBC PostgreSQL driver, which skips the normalizer). ' +
    'Of the documented choices this was the fastest here: at 100,000 rows 1.6 s, against 2.6 s for pyarrow + parquet and 2.2 s (connectorx) to 3.3 s (pyarrow) with csv through COPY ' +
    'with either backend; partitioned connectorx reads and file rotation changed nothing on 2 cores. connectorx ignores `chunk_size` and reads the ' +
    'whole table into one Arrow table, so its memory grows with the table. A `table_adapter_callback` reads BIGINT UNSIGNED as numeric(20,0): ' +
    'dlt maps it to bigint, and the first value past 2^63 fails the run (pyarrow: at extract, "Python int too large to convert to C long"; ' +
    'connectorx: at load, "out of range for type bigint", after retries). A fresh pipeline directory and target schema each run.',
};

function postgresUrl(settings: BenchSettings): string {
  const url = withDatabase(settings.targetUrl, settings.database);
  if (!url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

/** Sling's full refresh of `table` into sling.<table>. */
export function runSling(settings: BenchSettings, table: string, peer: Peer): Promise<Measurement> {
  return withTempDir('ferry-bench-sling-', async (dir) => {
    const file = join(dir, 'replication.yaml');
    writeFileSync(
      file,
      [
        'source: BENCH_SOURCE',
        'target: BENCH_TARGET',
        'defaults:',
        '  mode: full-refresh',
        'streams:',
        `  ${settings.database}.${table}:`,
        `    object: sling.${table}`,
        '    primary_key: [id]',
        '    target_options:',
        '      use_bulk: true',
        '      table_keys: { primary: [id] }',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // Connections by name from the environment: no secret on a command line; SLING_HOME_DIR keeps
    // its env.yaml and logs out of the home directory.
    return await measure(peer.executable, ['run', '-r', file], {
      cwd: dir,
      env: childEnv({
        BENCH_SOURCE: withDatabase(settings.sourceUrl, settings.database).toString(),
        BENCH_TARGET: postgresUrl(settings),
        SLING_HOME_DIR: dir,
        SLING_DISABLE_TELEMETRY: 'true',
      }),
    });
  });
}

export interface DltStages {
  rows: number;
  extract: number;
  normalize: number;
  load: number;
}

/** dlt's sql_table of `table` into dlt.<table>; the schema is dropped first so dlt picks the types each run. */
export async function runDlt(
  settings: BenchSettings,
  table: string,
  peer: Peer,
): Promise<Measurement & { stages: DltStages }> {
  const pgc = await targetClient(settings, settings.database);
  try {
    await pgc.query('DROP SCHEMA IF EXISTS "dlt" CASCADE');
  } finally {
    await pgc.end();
  }
  return withTempDir('ferry-bench-dlt-', async (dir) => {
    const source = withDatabase(settings.sourceUrl, settings.database);
    source.protocol = 'mysql+pymysql:';
    const m = await measure(peer.executable, [DLT_SCRIPT], {
      cwd: dir,
      env: childEnv({
        BENCH_SOURCE_URL: source.toString(),
        BENCH_TARGET_URL: postgresUrl(settings).replace(/^postgres:/, 'postgresql:'),
        BENCH_TABLE: table,
        BENCH_DATASET: 'dlt',
        BENCH_DLT_DIR: join(dir, 'pipelines'),
        BENCH_DLT_BACKEND: 'connectorx',
        BENCH_DLT_FILE_FORMAT: 'parquet',
        DLT_DATA_DIR: join(dir, 'data'),
        RUNTIME__DLTHUB_TELEMETRY: 'false',
      }),
    });
    const stages = JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}') as DltStages;
    return { ...m, stages };
  });
}
