// How fast the binlog reader decodes: 1M row changes (500k inserts, 300k updates, 200k deletes) on
// the 9-column table of the benchmarks, read back from a throwaway server's binlog, next to
// `mariadb-binlog -v` over the same binlog. Long: runs only with FERRY_SOAK=1 (docs/decisions/0008).
import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableSql } from '../../../bench/data.js';
import { openBinlogReader } from '../../../src/connectors/mysql/binlog/reader.js';
import { silentLogger } from '../../../src/observability/logger.js';
import {
  canStartMariadb,
  startThrowawayMariadb,
  type ThrowawayMariadb,
} from '../../support/throwaway-mariadb.js';
import { BINLOG_SERVER_ARGS, gtidFrom, gtidNow, reached, specOfUrl } from './support.js';

let server: ThrowawayMariadb;
let start: string;
let end: string;

describe.runIf(process.env.FERRY_SOAK === '1' && canStartMariadb)('decoding 1M row changes', () => {
  beforeAll(async () => {
    server = await startThrowawayMariadb([
      ...BINLOG_SERVER_ARGS,
      '--innodb-buffer-pool-size=512M',
      '--max-allowed-packet=256M',
    ]);
    const c = await mysql.createConnection({ uri: server.url });
    await c.query(createTableSql('changes', false));
    start = await gtidNow(c);
    const n = 's.seq';
    for (let from = 1; from <= 500_000; from += 10_000) {
      await c.query(`INSERT INTO changes SELECT ${n},
        CAST(${n} AS UNSIGNED) * 2654435761 + IF(${n} % 2 = 0, 9223372036854775808, 0), (${n} * 7919) % 100000 + 1,
        ELT(1 + (${n} * 31) % 5, 'new', 'paid', 'shipped', 'delivered', 'cancelled'), ((${n} * 104729) % 10000000) / 100,
        CONCAT(CHAR(65 + ${n} % 26), LPAD(CONV((${n} * 2654435761) % 78364164096, 10, 36), 7, '0')), ${n} % 7 = 0,
        IF(${n} % 3 = 0, NULL, CONCAT('note ', ${n}, ' ', REPEAT('x', ${n} % 20))),
        TIMESTAMP('2019-01-01') + INTERVAL ((${n} * 37) % 157680000) SECOND,
        TIMESTAMP('2019-01-01') + INTERVAL ((${n} * 37) % 157680000 + ${n} % 86400) SECOND
        FROM seq_${from}_to_${from + 9_999} s`);
    }
    for (let from = 1; from <= 300_000; from += 10_000) {
      await c.query(
        `UPDATE changes SET amount = amount + 1, status = 'paid', note = CONCAT('upd ', id) WHERE id BETWEEN ${from} AND ${from + 9_999}`,
      );
    }
    for (let from = 300_001; from <= 500_000; from += 10_000) {
      await c.query(`DELETE FROM changes WHERE id BETWEEN ${from} AND ${from + 9_999}`);
    }
    end = await gtidNow(c);
    await c.end();
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('runs well above the 50,000 changes/s that CDC needs end to end', async () => {
    const cpu = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const reader = await openBinlogReader(specOfUrl(server.url), { from: gtidFrom(start) }, silentLogger());
    let images = 0;
    let first = -1;
    let last = 0;
    let peakHeap = 0;
    let events = 0;
    for await (const e of reader.events) {
      if (e.kind === 'begin' && first < 0) first = e.end;
      if (e.kind === 'insert' || e.kind === 'delete') images += e.rows.length;
      if (e.kind === 'update') images += 2 * e.rows.length;
      if ((++events & 63) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      if (e.kind === 'commit' && reached(e.position, end)) {
        last = e.end;
        break;
      }
    }
    await reader.close();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const used = process.cpuUsage(cpu);
    const mb = (last - first) / 2 ** 20;
    const t1 = Date.now();
    execFileSync(
      'sh',
      [
        '-c',
        `mariadb-binlog --read-from-remote-server -h127.0.0.1 -P${server.port} -uferry -pthrowaway-pw -v --base64-output=DECODE-ROWS --start-position=${start} --stop-position=${end} mariadb-bin.000001 > /dev/null`,
      ],
      { stdio: 'ignore' },
    );
    const tool = (Date.now() - t1) / 1000;
    const report = {
      rowImages: images,
      seconds: +seconds.toFixed(2),
      rowImagesPerSecond: Math.round(images / seconds),
      cpuSeconds: +((used.user + used.system) / 1e6).toFixed(2),
      binlogMB: +mb.toFixed(1),
      MBPerSecond: +(mb / seconds).toFixed(1),
      peakHeapMB: Math.round(peakHeap / 2 ** 20),
      mariadbBinlogSeconds: tool,
    };
    console.log(JSON.stringify(report));
    expect(images).toBe(1_300_000);
    expect(report.rowImagesPerSecond).toBeGreaterThan(200_000);
  }, 300_000);
});
