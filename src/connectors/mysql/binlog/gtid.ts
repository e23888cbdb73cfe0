// GTID positions as the two servers spell them, and how a reader advances them transaction by
// transaction: MariaDB keeps the last GTID of each replication domain ("0-1-105,1-2-7"); MySQL keeps
// the set of executed transactions per server uuid ("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-105").
import { ConfigError } from '../../../errors.js';

/** The GTID state a reader carries forward: add each transaction's GTID, print the state. */
export interface GtidState {
  /** Records a transaction given by its GTID event; returns the transaction's own GTID text. */
  add(event: MariadbGtid | MysqlGtid): string;
  toString(): string;
}

export interface MariadbGtid {
  flavor: 'mariadb';
  domain: number;
  serverId: number;
  sequence: bigint;
}

export interface MysqlGtid {
  flavor: 'mysql';
  /** 16 bytes of the server uuid. */
  uuid: Buffer;
  sequence: bigint;
}

const MARIADB_GTID = /^(\d+)-(\d+)-(\d+)$/;

/** Parses "0-1-105,1-2-7" into domain -> [server id, sequence]. */
export function parseMariadbPosition(text: string): Map<number, { serverId: number; sequence: bigint }> {
  const state = new Map<number, { serverId: number; sequence: bigint }>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = MARIADB_GTID.exec(part);
    if (!m) {
      throw new ConfigError(`"${text}" is not a MariaDB GTID position`, [
        'expected domain-server-sequence, comma separated: 0-1-105,1-2-7',
      ]);
    }
    const domain = Number(m[1]);
    if (state.has(domain)) throw new ConfigError(`GTID position "${text}" names domain ${domain} twice`);
    state.set(domain, { serverId: Number(m[2]), sequence: BigInt(m[3]!) });
  }
  return state;
}

export function mariadbState(start: string): GtidState {
  const state = parseMariadbPosition(start);
  return {
    add(gtid) {
      if (gtid.flavor !== 'mariadb') throw new Error('a MySQL GTID in a MariaDB stream');
      state.set(gtid.domain, { serverId: gtid.serverId, sequence: gtid.sequence });
      return `${gtid.domain}-${gtid.serverId}-${gtid.sequence}`;
    },
    toString() {
      return [...state.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([d, { serverId, sequence }]) => `${d}-${serverId}-${sequence}`)
        .join(',');
    },
  };
}

/** Half-open intervals [start, end) of transaction numbers, sorted and merged. */
type Intervals = [bigint, bigint][];

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function uuidText(uuid: Buffer): string {
  const h = uuid.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Parses a MySQL GTID set ("uuid:1-5:7,uuid2:1-3") into uuid -> intervals. Tagged GTIDs are refused. */
export function parseMysqlSet(text: string): Map<string, Intervals> {
  const set = new Map<string, Intervals>();
  for (const part of text.replace(/\s+/g, '').split(',')) {
    if (part === '') continue;
    const [uuid, ...ranges] = part.split(':');
    if (!uuid || !UUID.test(uuid) || ranges.length === 0) {
      throw new ConfigError(`"${text}" is not a MySQL GTID set`, ['expected uuid:1-105[:107-110],uuid2:1-3']);
    }
    const key = uuid.toLowerCase().replace(/-/g, '');
    const intervals = set.get(key) ?? [];
    for (const range of ranges) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(range);
      if (!m) {
        throw new ConfigError(`GTID set "${text}": "${range}" is not a range`, [
          'tagged GTIDs (MySQL 8.3+) are not supported by ferry yet',
        ]);
      }
      const start = BigInt(m[1]!);
      const end = BigInt(m[2] ?? m[1]!) + 1n;
      addInterval(intervals, start, end);
    }
    set.set(key, intervals);
  }
  return set;
}

function addInterval(intervals: Intervals, start: bigint, end: bigint): void {
  intervals.push([start, end]);
  intervals.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let w = 0;
  for (let r = 1; r < intervals.length; r++) {
    const cur = intervals[w]!;
    const next = intervals[r]!;
    if (next[0] <= cur[1]) cur[1] = next[1] > cur[1] ? next[1] : cur[1];
    else intervals[++w] = next;
  }
  intervals.length = w + 1;
}

function formatMysqlSet(set: Map<string, Intervals>): string {
  return [...set.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(
      ([uuid, intervals]) =>
        uuidText(Buffer.from(uuid, 'hex')) +
        intervals.map(([s, e]) => (e - s === 1n ? `:${s}` : `:${s}-${e - 1n}`)).join(''),
    )
    .join(',');
}

export function mysqlState(start: string): GtidState {
  const set = parseMysqlSet(start);
  return {
    add(gtid) {
      if (gtid.flavor !== 'mysql') throw new Error('a MariaDB GTID in a MySQL stream');
      const key = gtid.uuid.toString('hex');
      const intervals = set.get(key) ?? [];
      addInterval(intervals, gtid.sequence, gtid.sequence + 1n);
      set.set(key, intervals);
      return `${uuidText(gtid.uuid)}:${gtid.sequence}`;
    },
    toString: () => formatMysqlSet(set),
  };
}

/**
 * The GTID set as COM_BINLOG_DUMP_GTID carries it: the number of uuids (8 bytes), then per uuid its
 * 16 bytes, the number of intervals (8 bytes) and each interval as start and exclusive end (8 each).
 */
export function encodeMysqlSet(text: string): Buffer {
  const set = parseMysqlSet(text);
  let size = 8;
  for (const intervals of set.values()) size += 16 + 8 + intervals.length * 16;
  const out = Buffer.alloc(size);
  let at = out.writeBigUInt64LE(BigInt(set.size), 0);
  for (const [uuid, intervals] of set) {
    at += Buffer.from(uuid, 'hex').copy(out, at);
    at = out.writeBigUInt64LE(BigInt(intervals.length), at);
    for (const [s, e] of intervals) {
      at = out.writeBigUInt64LE(s, at);
      at = out.writeBigUInt64LE(e, at);
    }
  }
  return out;
}
