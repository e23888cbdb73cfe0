// One runner per tool that loads the benchmark table into PostgreSQL: ferry (the built CLI, as a
// user runs it), the raw client pipe, and pgloader (Sling and dlt: peers.ts). Each loads into a
// fresh table of its own schema.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, run, type Measurement } from './measure.js';
import { withDatabase, type BenchSettings } from './settings.js';
import { targetClient } from './data.js';

/** Environment for child processes without the caller's FERRY_* overrides (they would replace the bench's URLs). */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('FERRY_') && !k.startsWith('PG') && !k.startsWith('MYSQL')) env[k] = v;
  return { ...env, ...extra };
}

export interface FerryRunner {
  /** Runs `ferry sync` for one stream and returns the measurement and the run summary. */
  sync(
    stream: string,
    options: { fullRefresh: boolean; engine?: 'ferry' | 'spark' },
  ): Promise<Measurement & { summary: FerrySummary }>;
  /** Runs `ferry verify` for one stream: in sync (exit 0) or not (exit 1). */
  verify(stream: string): Promise<Measurement & { inSync: boolean }>;
  /** The config file path (for in-process calls). */
  configText: string;
  close(): void;
}

export interface FerrySummary {
  status: string;
  seconds: number;
  streams: {
    stream: string;
    rowsLoaded: number;
    seconds: number;
    status: string;
    error?: string;
    /** A full load's key build, swap and the put-in-place transaction, seconds (src/replication/publish.ts). */
    putInPlace?: { keys: number; swap: number; total: number };
  }[];
  /** --engine spark: each table's Spark job and where its time went. */
  tables?: SparkTableFigures[];
}

/** What `ferry sync --engine spark --json` reports of a table (src/replication/spark-sync.ts). */
export interface SparkTableFigures {
  write: string;
  partitions: number;
  jobSeconds: number;
  seconds: number;
  profile: { plan: number; copy: number; recheck: number; publish: number };
}

export function ferryConfigText(
  settings: BenchSettings,
  schema: string,
  sync: Record<string, number> = {},
  targetDatabase = settings.database,
): string {
  const source = withDatabase(settings.sourceUrl, settings.database).toString();
  const target = withDatabase(settings.targetUrl, targetDatabase).toString();
  const syncLines = Object.entries(sync).map(([k, v]) => `  ${k}: ${v}`);
  return [
    `source: { url: ${JSON.stringify(source)} }`,
    `target: { url: ${JSON.stringify(target)}, schema: ${schema} }`,
    `spark: { url: ${JSON.stringify(settings.sparkUrl)} }`,
    'streams:',
    "  - { table: 'bench_inc*', mode: incremental, cursor: updated_at, deletes: ignore }",
    "  - { table: '*', mode: full_refresh }",
    ...(syncLines.length ? ['sync:', ...syncLines] : []),
    '',
  ].join('\n');
}

/** Which ferry runs and where it writes: another build (slowdown.ts) loads into a database of its own. */
export interface RunnerOptions {
  /** The directory of the ferry build (holding dist/); the checkout by default. */
  root?: string;
  /** The PostgreSQL database of the target (the bench's by default). */
  targetDatabase?: string;
}

export function ferryRunner(
  settings: BenchSettings,
  schema: string,
  sync: Record<string, number> = {},
  options: RunnerOptions = {},
): FerryRunner {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const configPath = join(dir, 'ferry.yaml');
  const configText = ferryConfigText(settings, schema, sync, options.targetDatabase);
  writeFileSync(configPath, configText, { mode: 0o600 });
  const main = join(options.root ?? '.', 'dist', 'cli', 'main.js');
  const cli = [main, '-c', configPath, '--log-level', 'warn'];
  return {
    configText,
    async sync(stream, options) {
      const args = [...cli, 'sync', '--streams', stream, '--json'];
      if (options.fullRefresh) args.push('--full-refresh');
      if (options.engine === 'spark') args.push('--engine', 'spark');
      const m = await measure(process.execPath, args, { env: childEnv() });
      const summary = JSON.parse(m.stdout) as FerrySummary;
      if (summary.status !== 'succeeded')
        throw new Error(`ferry sync failed: ${JSON.stringify(summary.streams)}`);
      return { ...m, summary };
    },
    async verify(stream) {
      const args = [...cli, 'verify', '--streams', stream, '--samples', '0', '--json'];
      const m = await measure(process.execPath, args, { env: childEnv(), exitCodes: [0, 1] });
      return { ...m, inSync: m.exitCode === 0 };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The target table of the raw pipe: the same column types ferry creates, no keys (pure transfer). */
const PIPE_TABLE = `(
  id bigint NOT NULL, external_id numeric(20,0) NOT NULL, customer_id integer NOT NULL, status text NOT NULL, amount numeric(12,2) NOT NULL,
  code character varying(8) NOT NULL, is_gift boolean NOT NULL, note character varying(64),
  created_at timestamp(0) without time zone NOT NULL, updated_at timestamp(0) with time zone NOT NULL)`;

/**
 * mariadb --batch --raw --quick | psql \copy. mariadb prints NULL as the word NULL, so the COPY
 * reads that word as NULL (the benchmark's data never holds the text 'NULL').
 */
export async function runPipe(settings: BenchSettings, table: string, schema = 'pipe'): Promise<Measurement> {
  const pgc = await targetClient(settings, settings.database);
  try {
    await pgc.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pgc.query(`DROP TABLE IF EXISTS "${schema}"."${table}"`);
    await pgc.query(`CREATE TABLE "${schema}"."${table}" ${PIPE_TABLE}`);
  } finally {
    await pgc.end();
  }
  const src = settings.sourceUrl;
  const tgt = settings.targetUrl;
  const select = `SELECT id, external_id, customer_id, status, amount, code, is_gift, note, created_at, updated_at FROM ${table}`;
  const mariadb = [
    'mariadb',
    '--batch --raw --quick --skip-column-names',
    `--init-command="SET time_zone='+00:00'"`,
    `-h ${src.hostname} -P ${src.port || 3306} -u ${decodeURIComponent(src.username)}`,
    settings.database,
    `-e "${select}"`,
  ].join(' ');
  const psql = [
    'psql -X -q -v ON_ERROR_STOP=1',
    `-h ${tgt.hostname} -p ${tgt.port || 5432} -U ${decodeURIComponent(tgt.username)} -d ${settings.database}`,
    `-c "\\copy \\"${schema}\\".\\"${table}\\" FROM STDIN WITH (NULL 'NULL')"`,
  ].join(' ');
  return measure('bash', ['-c', `set -o pipefail; ${mariadb} | ${psql}`], {
    env: childEnv({
      MYSQL_PWD: decodeURIComponent(src.password),
      PGPASSWORD: decodeURIComponent(tgt.password),
      PGTZ: 'UTC',
    }),
  });
}

/**
 * Whether `command` is installed; installs the Debian package when it is not and the bench runs as
 * root (apt-get update once, then install), as the project's scripts do.
 */
export async function ensureCommand(
  command: string,
  aptPackage: string,
  log: (line: string) => void,
): Promise<boolean> {
  const which = await run('sh', ['-c', `command -v ${command}`]);
  if (which.code === 0) return true;
  if (process.getuid?.() !== 0) {
    log(`${command} is not installed and the bench is not root: apt-get install ${aptPackage}`);
    return false;
  }
  log(`installing ${aptPackage} from the Debian packages (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update', '-qq'], { env });
  const install = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', aptPackage], {
    env,
  });
  if (update.code !== 0 || install.code !== 0) {
    log(`could not install ${aptPackage}: ${install.stderr.trim().split('\n').pop() ?? ''}`);
    return false;
  }
  return true;
}

/** The first line of `command --version`. */
export async function commandVersion(command: string): Promise<string> {
  const v = await run(command, ['--version']);
  return v.stdout.split('\n')[0]?.trim() || 'unknown';
}

export const pgloaderVersion = () => commandVersion('pgloader');

/** Runs `fn` with a fresh private temporary directory, removed afterwards. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** pgloader migrating the same table with its defaults (types, keys and indexes included), into schema `pgloader`. */
export function runPgloader(settings: BenchSettings, table: string): Promise<Measurement> {
  return withTempDir('ferry-bench-pgloader-', async (dir) => {
    const file = join(dir, 'load.pgl');
    writeFileSync(
      file,
      [
        'LOAD DATABASE',
        `  FROM ${withDatabase(settings.sourceUrl, settings.database).toString()}`,
        `  INTO ${withDatabase(settings.targetUrl, settings.database).toString()}`,
        'WITH include drop, create tables, create indexes, reset sequences',
        "SET PostgreSQL PARAMETERS timezone TO 'UTC'",
        `SET MySQL PARAMETERS time_zone = '"+00:00"'`,
        `INCLUDING ONLY TABLE NAMES MATCHING '${table}'`,
        `ALTER SCHEMA '${settings.database}' RENAME TO 'pgloader';`,
        '',
      ].join('\n'),
    );
    chmodSync(file, 0o600);
    const m = await measure('pgloader', ['--no-ssl-cert-verification', '--quiet', file], {
      env: childEnv({ TMPDIR: dir }),
      cwd: dir,
    });
    return m;
  });
}
