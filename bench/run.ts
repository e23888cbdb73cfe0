// `npm run bench`: builds ferry, prepares the data, runs every scenario and writes docs/benchmarks.md.
// Settings come from the environment (see settings.ts); the defaults take about 10-15 minutes.
// Sling and dlt are installed on the first run by bench/peers/install.sh (about 20 s, cached after).
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { ensureDatabases, ensureTable, sourceConnection, targetClient } from './data.js';
import { run } from './measure.js';
import { describeResults, type Results } from './describe.js';
import { replaceSection, writeSections } from './report.js';
import { CDC_SECTION, cdcBench, describeCdc, type CdcFigures } from './cdc.js';
import { installPeers, PEERS, type PeerInstall } from './peers.js';
import {
  compareFullRefresh,
  incrementalRuns,
  scalePoint,
  seedSpeed,
  sourceTypes,
  verifyLoaded,
  verifyTable,
} from './scenarios.js';
import { readSettings } from './settings.js';
import { buildCommit, currentBuild } from './baseline.js';
import { compareWithBaseline, DEFAULT_BASELINE } from './slowdown.js';
import { commandVersion, ensureCommand, pgloaderVersion } from './tools.js';
import { measureSparkRead, sparkReachable } from './spark.js';

const settings = readSettings();
const began = Date.now();
const log = (line: string) => {
  const t = ((Date.now() - began) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${t}s] ${line}\n`);
};
const wants = (name: string) => !settings.skip.has(name);
const loads: number[] = [];
const sampleLoad = () => loads.push(loadavg()[0]!);

async function main(): Promise<void> {
  if (settings.build) {
    log('building dist/ (npm run build)');
    const b = await run('npm', ['run', '--silent', 'build']);
    if (b.code !== 0) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
  }
  // GNU time measures every tool's wall time, CPU seconds and peak memory the same way.
  if (!(await ensureCommand('/usr/bin/time', 'time', log)))
    throw new Error('GNU time (/usr/bin/time) is needed');
  await ensureDatabases(settings);
  const results: Results = { settings, machine: await machine(), loads, scale: [] };
  sampleLoad();

  log(`preparing bench_rows (${settings.rows} rows)`);
  const made = await ensureTable(settings, 'bench_rows', settings.rows);
  if (made > 0) log(`  generated in ${made.toFixed(1)} s`);
  const pgloader = wants('pgloader') && (await ensureCommand('pgloader', 'pgloader', log));
  if (pgloader) results.machine.pgloader = await pgloaderVersion();

  const pipe =
    wants('pipe') &&
    (await ensureCommand('mariadb', 'mariadb-client', log)) &&
    (await ensureCommand('psql', 'postgresql-client', log));
  if (pipe) {
    // "mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, ..." and "psql (PostgreSQL) 15.18 (Debian ...)"
    const mariadb = /Distrib ([\d.]+)/.exec(await commandVersion('mariadb'))?.[1] ?? '?';
    const psql = /\) ([\d.]+)/.exec(await commandVersion('psql'))?.[1] ?? '?';
    results.machine.pipe = `mariadb ${mariadb}, psql ${psql}`;
  }
  const peerNames = PEERS.filter(wants);
  let peers: PeerInstall = { ready: [], failed: [], seconds: 0 };
  if (peerNames.length > 0) {
    log(
      `installing the peers (${peerNames.join(', ')}) into cached virtual environments (bench/peers/install.sh)`,
    );
    peers = await installPeers(peerNames, log);
    for (const f of peers.failed)
      log(`  ${f.name} ${f.version} could not be installed and is left out: ${f.reason}`);
    results.peers = peers;
  }
  let spark = false;
  if (wants('spark')) {
    spark = await sparkReachable(settings.sparkUrl);
    if (!spark)
      log(
        `  no Spark Connect server answers at ${settings.sparkUrl}: ferry sync --engine spark is left out (scripts/spark.sh start, or FERRY_BENCH_SPARK_URL)`,
      );
  }
  const names = [
    'ferry',
    ...(spark ? ['ferry spark'] : []),
    ...(pipe ? ['raw pipe'] : []),
    ...(pgloader ? ['pgloader'] : []),
    ...peers.ready.map((p) => p.name),
  ];
  log(`full refresh: ${names.join(', ')} x ${settings.runs}, interleaved`);
  results.sourceColumns = await sourceTypes(settings, 'bench_rows');
  results.full = await compareFullRefresh(
    settings,
    'bench_rows',
    { pipe, pgloader, peers: peers.ready, spark },
    log,
  );
  sampleLoad();
  if (spark) {
    log("Spark copy profile: the read alone (the copy's query, Spark's noop writer)");
    results.sparkRead = await measureSparkRead(settings, 'bench_rows', Math.min(3, settings.runs));
    log(
      `  read ${results.sparkRead.readSeconds.toFixed(2)} s, session ${results.sparkRead.sessionSeconds.toFixed(2)} s`,
    );
    sampleLoad();
  }

  if (wants('verify')) {
    log('verify bench_rows (ferry verify, library call)');
    results.verify = await verifyTable(settings, 'bench_rows');
    log(
      `  ${results.verify.seconds.toFixed(2)} s, ${results.verify.error ?? (results.verify.inSync ? 'in sync' : 'DIFFERENT')}`,
    );
    const ferry = results.full?.find((t) => t.tool === 'ferry');
    const cli = await verifyLoaded(settings, 'bench_rows');
    log(`  ferry verify (CLI): ${cli.wallSeconds.toFixed(2)} s, ${Math.round(cli.peakMb)} MB peak`);
    if (ferry)
      results.scale.push({
        rows: settings.rows,
        refreshWall: ferry.wall,
        refreshPeakMb: ferry.peakMb,
        valuesEqual: ferry.checksumsMatch,
        verifyWall: cli.wallSeconds,
        verifyPeakMb: cli.peakMb,
        inSync: cli.inSync,
      });
    sampleLoad();
  }

  if (wants('incremental')) {
    log(`incremental: bench_inc (${settings.rows} rows), 1% changed per round`);
    results.incremental = await incrementalRuns(settings, 'bench_inc', log);
    sampleLoad();
  }

  if (wants('slowdown')) {
    const ref = process.env.FERRY_BENCH_BASELINE ?? DEFAULT_BASELINE;
    log(`slowdown check: this checkout against ${ref}, interleaved pairs`);
    const baseline = await buildCommit(ref, log);
    const loadBefore = loadavg()[0]!;
    results.slowdown = await compareWithBaseline(settings, 'bench_rows', baseline, await currentBuild(), log);
    results.slowdownLoad = `1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} CPUs`;
    sampleLoad();
  }

  const scale: [string, string, number][] = [
    ['big', 'bench_big', settings.bigRows],
    ['scale', 'bench_scale', settings.scaleRows],
  ];
  for (const [name, table, rows] of scale) {
    if (!wants(name) || rows <= 0) continue;
    log(`scale: ${table} (${rows} rows), ferry full refresh and ferry verify`);
    const point = await scalePoint(settings, table, rows, log);
    results.scale.push({
      rows,
      refreshWall: point.refresh.wallSeconds,
      refreshPeakMb: point.refresh.peakMb,
      valuesEqual: point.valuesEqual,
      verifyWall: point.verify.wallSeconds,
      verifyPeakMb: point.verify.peakMb,
      inSync: point.inSync,
    });
    sampleLoad();
  }

  if (wants('seed') && settings.seedScale > 0) {
    log(`ferry seed --scale ${settings.seedScale}`);
    results.seed = await seedSpeed(settings);
    log(
      `  ${results.seed.rows} rows in ${results.seed.seconds.toFixed(1)} s: ${Math.round(results.seed.rowsPerSecond)} rows/s`,
    );
    sampleLoad();
  }

  let cdc: CdcFigures | undefined;
  if (wants('cdc') && settings.cdc.changes > 0) {
    log(
      `change data capture: ferry stream, ${settings.cdc.changes} changes, lag, ${settings.cdc.backlogMb} MB backlog`,
    );
    cdc = await cdcBench(settings, log);
    sampleLoad();
  }

  results.minutes = (Date.now() - began) / 60000;
  const { preamble, sections } = describeResults(results);
  writeSections(settings.output, preamble, sections);
  if (cdc) replaceSection(settings.output, { title: CDC_SECTION, body: describeCdc(cdc) });
  log(`wrote ${settings.output}`);
}

async function machine(): Promise<Results['machine']> {
  const my = await sourceConnection(settings);
  const [v] = await my.query('SELECT VERSION() AS v');
  await my.end();
  const pg = await targetClient(settings);
  const { rows } = await pg.query<{ v: string }>('SELECT current_setting($$server_version$$) AS v');
  await pg.end();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: totalmem() / 2 ** 30,
    freeGb: freemem() / 2 ** 30,
    node: process.version,
    mariadb: (v as { v: string }[])[0]?.v ?? 'unknown',
    postgres: rows[0]?.v ?? 'unknown',
    pgloader: 'not run',
    pipe: 'not run',
    ferry: await ferryVersion(),
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}

async function ferryVersion(): Promise<string> {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const commit = await run('git', ['rev-parse', '--short', 'HEAD']);
  return commit.code === 0 ? `${pkg.version} (${commit.stdout.trim()})` : pkg.version;
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
