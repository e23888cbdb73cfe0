// GTID positions and sets: parsed, advanced by each transaction, printed, and encoded for MySQL.
import { describe, expect, it } from 'vitest';
import {
  encodeMysqlSet,
  mariadbState,
  mysqlState,
  parseMariadbPosition,
  parseMysqlSet,
} from '../../../src/connectors/mysql/binlog/gtid.js';

const UUID = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const uuidBytes = Buffer.from(UUID.replace(/-/g, ''), 'hex');

describe('a MariaDB GTID position', () => {
  it('keeps the last GTID of each domain, in domain order', () => {
    const state = mariadbState('1-2-7,0-1-105');
    expect(state.add({ flavor: 'mariadb', domain: 0, serverId: 3, sequence: 106n })).toBe('0-3-106');
    expect(state.add({ flavor: 'mariadb', domain: 5, serverId: 1, sequence: 1n })).toBe('5-1-1');
    expect(state.toString()).toBe('0-3-106,1-2-7,5-1-1');
  });

  it('starts empty from an empty position and refuses malformed ones', () => {
    expect(mariadbState('').toString()).toBe('');
    expect(() => parseMariadbPosition('0-1')).toThrow(/not a MariaDB GTID position/);
    expect(() => parseMariadbPosition('0-1-2,0-1-3')).toThrow(/twice/);
  });
});

describe('a MySQL GTID set', () => {
  it('merges transactions into intervals', () => {
    const state = mysqlState(`${UUID}:1-5:7`);
    expect(state.add({ flavor: 'mysql', uuid: uuidBytes, sequence: 6n })).toBe(`${UUID}:6`);
    expect(state.toString()).toBe(`${UUID}:1-7`);
    state.add({ flavor: 'mysql', uuid: uuidBytes, sequence: 9n });
    expect(state.toString()).toBe(`${UUID}:1-7:9`);
  });

  it('refuses tagged GTIDs with a reason', () => {
    expect(() => parseMysqlSet(`${UUID}:tag:1-5`)).toThrow(/not a range/);
  });

  it('encodes as COM_BINLOG_DUMP_GTID carries it: counts, uuid, half-open intervals', () => {
    const encoded = encodeMysqlSet(`${UUID}:1-5:7`);
    const expected = Buffer.alloc(8 + 16 + 8 + 32);
    expected.writeBigUInt64LE(1n, 0);
    uuidBytes.copy(expected, 8);
    expected.writeBigUInt64LE(2n, 24);
    expected.writeBigUInt64LE(1n, 32);
    expected.writeBigUInt64LE(6n, 40);
    expected.writeBigUInt64LE(7n, 48);
    expected.writeBigUInt64LE(8n, 56);
    expect(encoded.equals(expected)).toBe(true);
  });
});
