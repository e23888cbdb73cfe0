// A checkpoint against what a MariaDB source has, without a server: purged, another server's,
// a replica that took over, and the source it came from.
import { describe, expect, it } from 'vitest';
import type { BinlogServerState } from '../../../src/connectors/mysql/binlog/server-state.js';
import { checkPosition, offsetWrittenHere } from '../../../src/replication/cdc/position-check.js';

const server = (over: Partial<BinlogServerState> = {}): BinlogServerState => ({
  flavor: 'mariadb',
  serverId: 1,
  current: '0-1-500',
  state: '0-1-500',
  files: ['mariadb-bin.000003', 'mariadb-bin.000004'],
  oldest: '0-1-300',
  ...over,
});
const at = (
  gtid: string | null,
  file: string | null = 'mariadb-bin.000004',
  position: number | null = 1234,
) => ({
  gtid,
  file,
  position,
});

describe('checkPosition', () => {
  it('accepts a checkpoint the binlog still holds', () => {
    expect(checkPosition(at('0-1-450'), server(), true)).toEqual({ ok: true });
    // exactly the end of the purged files: the next transaction is in the oldest file
    expect(checkPosition(at('0-1-300', 'mariadb-bin.000003'), server(), true)).toEqual({ ok: true });
  });

  it('says lost when the binlog after it was purged', () => {
    expect(checkPosition(at('0-1-299', 'mariadb-bin.000002'), server())).toMatchObject({
      ok: false,
      reason: 'position_lost',
      message: expect.stringMatching(
        /purged: the oldest binlog the source keeps \(mariadb-bin.000003\) starts at 0-1-300/,
      ),
    });
    // a domain the checkpoint never saw, whose first transactions are gone
    expect(
      checkPosition(at('0-1-450'), server({ oldest: '0-1-300,1-1-7', current: '0-1-500,1-1-9' }), true),
    ).toMatchObject({
      reason: 'position_lost',
    });
  });

  it('says unknown for a server that never had the checkpoint', () => {
    expect(checkPosition(at('0-1-900'), server())).toMatchObject({
      reason: 'position_unknown',
      message: expect.stringMatching(/reaches 0-1-500 only/),
    });
    expect(checkPosition(at('0-7-100'), server())).toMatchObject({
      reason: 'position_unknown',
      message: expect.stringMatching(/has no transaction of server 7 in domain 0/),
    });
    expect(checkPosition(at('2-1-5'), server())).toMatchObject({ reason: 'position_unknown' });
  });

  it('says unknown for a look-alike server: same GTIDs, other files or offsets', () => {
    expect(checkPosition(at('0-1-450', 'mariadb-bin.000009'), server())).toMatchObject({
      reason: 'position_unknown',
      message: expect.stringMatching(/newest the source has is mariadb-bin.000004/),
    });
    expect(checkPosition(at('0-1-450'), server(), false)).toMatchObject({
      reason: 'position_unknown',
      message: expect.stringMatching(/no event boundary at 1234/),
    });
  });

  it('does not hold a replica that took over to the old primary files and offsets', () => {
    const replica = server({
      serverId: 2,
      current: '0-2-600',
      state: '0-1-500,0-2-600',
      files: ['replica-bin.000001'],
    });
    expect(offsetWrittenHere(at('0-1-450', 'mariadb-bin.000009'), replica)).toBe(false);
    expect(checkPosition(at('0-1-450', 'mariadb-bin.000009'), replica)).toEqual({ ok: true });
  });

  it('checks file positions without GTIDs by the files the source keeps', () => {
    expect(checkPosition(at(null, 'mariadb-bin.000002', 4), server())).toMatchObject({
      reason: 'position_lost',
    });
    expect(checkPosition(at(null, 'mariadb-bin.000007', 4), server())).toMatchObject({
      reason: 'position_unknown',
    });
    expect(checkPosition(at(null, 'mariadb-bin.000004', 4), server(), true)).toEqual({ ok: true });
  });
});
