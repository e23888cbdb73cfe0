// The Spark copy's parts that need no server: the write spark.write: auto picks, the COPY fields and
// the marking conditions MySQL evaluates, and the count of marked lines as COPY files pass.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mysqlRowChecks } from '../../../src/quality/mysql-row-checks.js';
import { countMarks } from '../../../src/replication/spark-exchange.js';
import { resolveWrite } from '../../../src/replication/spark-sync.js';
import { valueConditionsByColumn } from '../../../src/schema/mysql-value-checks.js';
import { copyField } from '../../../src/schema/spark-select-list.js';
import { mapColumn } from '../../../src/schema/type-mapping.js';
import { sourceColumn as column } from '../../support/source-column.js';

describe('spark.write: auto', () => {
  it('copies through files when the Connect server is on this machine, and over JDBC otherwise', () => {
    expect(resolveWrite('auto', '127.0.0.1')).toBe('copy');
    expect(resolveWrite('auto', 'localhost')).toBe('copy');
    expect(resolveWrite('auto', '::1')).toBe('copy');
    expect(resolveWrite('auto', 'spark.internal')).toBe('jdbc');
    expect(resolveWrite('jdbc', '127.0.0.1')).toBe('jdbc');
    expect(resolveWrite('copy', 'spark.internal')).toBe('copy');
  });
});

describe('COPY fields printed by MySQL', () => {
  it('leave numbers and dates bare, add +00 to timestamps, escape text and skip ENUMs that need no escapes', () => {
    expect(copyField(mapColumn(column('n', 'int', 'int(11)')))).toBe("IFNULL(`n`, _utf8mb4 X'5C4E')");
    expect(copyField(mapColumn(column('t', 'timestamp', 'timestamp')))).toBe(
      "IFNULL(CONCAT(`t`, '+00'), _utf8mb4 X'5C4E')",
    );
    expect(copyField(mapColumn(column('s', 'varchar', 'varchar(5)', { maxLength: 5 })))).toContain(
      "REPLACE(CAST(`s` AS CHAR CHARACTER SET utf8mb4), _utf8mb4 X'5C', _utf8mb4 X'5C5C')",
    );
    const safe = column('e', 'enum', "enum('a','b')", { members: ['a', 'b'] });
    expect(copyField(mapColumn(safe))).toBe(
      "IFNULL(CAST(`e` AS CHAR CHARACTER SET utf8mb4), _utf8mb4 X'5C4E')",
    );
    const tabbed = column('e', 'enum', "enum('a\tb')", { members: ['a\tb'] });
    expect(copyField(mapColumn(tabbed))).toContain('REPLACE(');
    expect(copyField(mapColumn(column('b', 'blob', 'blob')))).toBe(
      "IFNULL(CONCAT(_utf8mb4 X'5C5C78', HEX(`b`)), _utf8mb4 X'5C4E')",
    );
  });
});

describe('the marking conditions', () => {
  it('judge a date column by one condition, and leave columns without checks out', () => {
    const conditions = valueConditionsByColumn([
      mapColumn(column('d', 'date', 'date')),
      mapColumn(column('n', 'int', 'int(11)')),
    ]);
    expect([...conditions]).toEqual([['d', '(`d` IS NOT NULL AND (DATE_ADD(`d`, INTERVAL 0 DAY) IS NULL))']]);
  });

  it('compare bytes, map booleans, and mark every value where MySQL cannot decide as ferry does', async () => {
    const mappings = [
      mapColumn(column('flag', 'tinyint', 'tinyint(1)')),
      mapColumn(column('code', 'varchar', 'varchar(9)', { maxLength: 9 })),
      mapColumn(column('raw', 'blob', 'blob')),
      mapColumn(column('total', 'decimal', 'decimal(9,2)', { precision: 9, scale: 2 })),
    ];
    const compiles = (ok: boolean) => () => Promise.resolve(ok);
    const [accepted, min, regexOnBytes, regexBad, notNull] = await mysqlRowChecks(
      's',
      [
        { column: 'flag', accepted_values: [true], severity: 'quarantine' },
        { column: 'total', min: 'abc', severity: 'quarantine' },
        { column: 'raw', regex: '^a', severity: 'quarantine' },
        { column: 'code', regex: '(?<=a+)b', severity: 'quarantine' },
        { column: 'code', not_null: true, severity: 'warn' },
      ],
      mappings,
      compiles(true),
    );
    expect(accepted).toBe(
      "(`flag` IS NOT NULL AND (CAST(CAST(`flag` AS CHAR CHARACTER SET utf8mb4) AS BINARY) NOT IN (X'31')))",
    );
    expect(min).toBe('(`total` IS NOT NULL AND (TRUE))');
    expect(regexOnBytes).toBe('(`raw` IS NOT NULL AND (TRUE))');
    expect(regexBad).toContain('REGEXP');
    expect(notNull).toBe('`code` IS NULL');
    const [uncompiled] = await mysqlRowChecks(
      's',
      [{ column: 'code', regex: '(?<=a+)b', severity: 'quarantine' }],
      mappings,
      compiles(false),
    );
    expect(uncompiled).toBe('(`code` IS NOT NULL AND (TRUE))');
  });
});

describe('counting marked lines as a COPY file passes', () => {
  const count = async (chunks: string[]) => {
    const into = { marked: 0 };
    const out: Buffer[] = [];
    for await (const chunk of countMarks(Readable.from(chunks.map((c) => Buffer.from(c))), into))
      out.push(chunk);
    return { marked: into.marked, text: Buffer.concat(out).toString() };
  };

  it('counts the lines whose last field is not \\N, across chunk boundaries, and passes every byte on', async () => {
    const lines = '1\tx\t\\N\n\\N\t\\N\t["2"]\n3\ty\t\\N\n\\N\t\\N\t["4"]\n';
    for (let cut = 0; cut <= lines.length; cut++) {
      const { marked, text } = await count([lines.slice(0, cut), lines.slice(cut)]);
      expect({ cut, marked }).toEqual({ cut, marked: 2 });
      expect(text).toBe(lines);
    }
    expect((await count(lines.split(''))).marked).toBe(2);
  });
});
