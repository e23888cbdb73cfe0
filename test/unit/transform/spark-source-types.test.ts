// The Spark type of each source column on both read paths, the MySQL query of a direct read, and
// the value checks it pushes into MySQL.
import { describe, expect, it } from 'vitest';
import { valueChecks } from '../../../src/schema/mysql-value-checks.js';
import { fetchSize } from '../../../src/spark/jdbc.js';
import { mapColumn } from '../../../src/schema/type-mapping.js';
import {
  mysqlColumnRead,
  postgresCustomSchema,
  sparkTypeOf,
} from '../../../src/transform/engines/spark/source-types.js';
import { sourceColumn as column } from '../../support/source-column.js';

describe('sparkTypeOf', () => {
  // What Spark 4.0's JDBC reader gives for each PostgreSQL type ferry's mapping makes (measured
  // against pgjdbc 42.5), with the two columns ferry reads as text instead.
  it.each([
    ['boolean', 'BOOLEAN'],
    ['smallint', 'SMALLINT'],
    ['integer', 'INT'],
    ['bigint', 'BIGINT'],
    ['numeric(20,0)', 'DECIMAL(20,0)'],
    ['numeric(38,10)', 'DECIMAL(38,10)'],
    ['numeric(65,30)', 'STRING'],
    ['real', 'FLOAT'],
    ['double precision', 'DOUBLE'],
    ['bit(1)', 'BOOLEAN'],
    ['bit(64)', 'STRING'],
    ['date', 'DATE'],
    ['timestamp(6) without time zone', 'TIMESTAMP_NTZ'],
    ['timestamp(0) with time zone', 'TIMESTAMP'],
    ['interval(6)', 'STRING'],
    ['character varying(12)', 'STRING'],
    ['text', 'STRING'],
    ['jsonb', 'STRING'],
    ['bytea', 'BINARY'],
    ['text[]', 'ARRAY<STRING>'],
  ])('reads %s as %s', (pg, spark) => {
    expect(sparkTypeOf(pg)).toBe(spark);
  });

  it('pins only the wide numerics and bit strings of a PostgreSQL read to their text', () => {
    expect(
      postgresCustomSchema([
        { name: 'id', pgType: 'bigint' },
        { name: 'wide', pgType: 'numeric(65,30)' },
        { name: 'narrow', pgType: 'numeric(12,2)' },
        { name: 'flags', pgType: 'bit(8)' },
        { name: 'flag', pgType: 'bit(1)' },
        { name: 'took', pgType: 'interval(0)' },
      ]),
    ).toBe('`wide` STRING, `flags` STRING');
  });
});

describe('mysqlColumnRead', () => {
  it.each([
    [column('n', 'int', 'int(11)'), 'CAST(`n` AS SIGNED)', 'CAST(`f` AS INT)'],
    [column('flag', 'tinyint', 'tinyint(1)'), 'CAST(`flag` AS SIGNED)', 'CAST(`f` AS BOOLEAN)'],
    [
      column('id', 'bigint', 'bigint(20) unsigned'),
      'CAST(`id` AS CHAR CHARACTER SET utf8mb4)',
      'CAST(`f` AS DECIMAL(20,0))',
    ],
    [
      column('x', 'decimal', 'decimal(65,30)', { precision: 65, scale: 30 }),
      'CAST(`x` AS CHAR CHARACTER SET utf8mb4)',
      'CAST(`f` AS STRING)',
    ],
    [column('y', 'year', 'year(4)'), 'CAST(`y` AS SIGNED)', 'CAST(`f` AS SMALLINT)'],
    [column('b', 'bit', 'bit(1)', { precision: 1 }), 'CAST(`b` AS SIGNED)', 'CAST(`f` AS BOOLEAN)'],
    [
      column('b', 'bit', 'bit(5)', { precision: 5 }),
      "CAST(LPAD(BIN(`b`), 5, '0') AS CHAR CHARACTER SET utf8mb4)",
      'CAST(`f` AS STRING)',
    ],
    [
      column('t', 'time', 'time(3)', { fsp: 3 }),
      "CAST(TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(`t` AS CHAR CHARACTER SET utf8mb4))) AS CHAR CHARACTER SET utf8mb4)",
      'CAST(`f` AS STRING)',
    ],
    [
      column('at', 'timestamp', 'timestamp(6)', { fsp: 6 }),
      'CAST(`at` AS CHAR CHARACTER SET utf8mb4)',
      "CAST(CONCAT(`f`, 'Z') AS TIMESTAMP)",
    ],
    [
      column('tags', 'set', "set('a','b')", { members: ['a', 'b'] }),
      'CAST(`tags` AS CHAR CHARACTER SET utf8mb4)',
      "CASE WHEN `f` = '' THEN CAST(array() AS ARRAY<STRING>) ELSE split(`f`, ',') END",
    ],
    [column('raw', 'blob', 'blob'), '`raw`', 'CAST(`f` AS BINARY)'],
  ])('reads %o from MySQL as %s, then %s in Spark', (col, select, toSpark) => {
    const read = mysqlColumnRead(mapColumn(col));
    expect(read.select).toBe(select);
    expect(read.toSpark('`f`')).toBe(toSpark);
  });
});

describe('valueChecks', () => {
  it('checks dates for zero parts, then for impossible days, NULL never failing', () => {
    const checks = valueChecks([mapColumn(column('d', 'date', 'date'))]);
    expect(checks.map((c) => [c.code, c.policy, c.condition])).toEqual([
      [
        'zero_date',
        'zero_dates',
        '(`d` IS NOT NULL AND (YEAR(`d`) = 0 OR MONTH(`d`) = 0 OR DAYOFMONTH(`d`) = 0))',
      ],
      ['impossible_date', 'zero_dates', '(`d` IS NOT NULL AND DATE_ADD(`d`, INTERVAL 0 DAY) IS NULL)'],
    ]);
  });

  it('checks text for NUL bytes in its UTF-8 bytes, booleans for 0 and 1, JSON for \\u0000', () => {
    const checks = valueChecks([
      mapColumn(column('s', 'varchar', 'varchar(9)', { maxLength: 9 })),
      mapColumn(column('flag', 'tinyint', 'tinyint(1)')),
      mapColumn(column('doc', 'json', 'json')),
      mapColumn(column('n', 'int', 'int(11)')),
    ]);
    expect(checks.map((c) => [c.column, c.code, c.policy])).toEqual([
      ['s', 'nul_byte', 'invalid_values'],
      ['flag', 'not_boolean', 'invalid_values'],
      ['doc', 'json_nul', 'invalid_values'],
    ]);
    expect(checks[0]!.condition).toBe(
      "(`s` IS NOT NULL AND LOCATE(X'00', CAST(CONVERT(`s` USING utf8mb4) AS BINARY)) > 0)",
    );
  });
});

describe('fetchSize', () => {
  it('holds about 16 MiB of rows per fetch, between 100 and 10,000 rows', () => {
    expect(fetchSize(0)).toBe(10_000);
    expect(fetchSize(200)).toBe(10_000);
    expect(fetchSize(4096)).toBe(4096);
    expect(fetchSize(1024 * 1024)).toBe(100);
  });
});
