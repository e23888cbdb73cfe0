// `npm run bench`: builds ferry, prepares the data, runs every scenario and writes docs/benchmarks.md.
// Settings come from the environment (see settings.ts); the defaults take about 10-15 minutes.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { ensureDatabases, ensureTable, sourceConnection, targetClient } from './data.js';
import { run } from './measure.js';
import { describeResults, type Results } from './describe.js';
import { writeSections } from './report.js';
import { bigTable, compareFullRefresh, incrementalRuns, seedSpeed, verifyTable } from './scenarios.js';
import { readSettings } from './settings.js';
import { ensureCommand, pgloaderVersion } from './tools.js';

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
  const results: Results = { settings, machine: await machine(), loads };
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
  log(`full refresh: ferry${pipe ? ', raw pipe' : ''}${pgloader ? ', pgloader' : ''} x ${settings.runs}`);
  results.full = await compareFullRefresh(settings, 'bench_rows', { pipe, pgloader }, log);
  sampleLoad();

  if (wants('verify')) {
    log('verify bench_rows (ferry verify, library call)');
    results.verify = await verifyTable(settings, 'bench_rows');
    log(
      `  ${results.verify.seconds.toFixed(2)} s, ${results.verify.error ?? (results.verify.inSync ? 'in sync' : 'DIFFERENT')}`,
    );
    sampleLoad();
  }

  if (wants('incremental')) {
    log(`incremental: bench_inc (${settings.rows} rows), 1% changed per round`);
    results.incremental = await incrementalRuns(settings, 'bench_inc', log);
    sampleLoad();
  }

  if (wants('big') && settings.bigRows > 0) {
    log(`preparing bench_big (${settings.bigRows} rows)`);
    const madeBig = await ensureTable(settings, 'bench_big', settings.bigRows);
    if (madeBig > 0) log(`  generated in ${madeBig.toFixed(1)} s`);
    results.big = await bigTable(settings, 'bench_big', log);
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

  results.minutes = (Date.now() - began) / 60000;
  const { preamble, sections } = describeResults(results);
  writeSections(settings.output, preamble, sections);
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
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
