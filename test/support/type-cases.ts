// The type-mapping table as test data: one column per MySQL type, three rows of values each, and the
// same values as PostgreSQL prints them after a sync. Shared by the sync and verify tests.

// [column type, values as MySQL literals, the same values as PostgreSQL prints them (::text)]
export const TYPE_CASES: Array<[string, string[], (string | null)[]]> = [
  ['tinyint', ['-128', '127', 'NULL'], ['-128', '127', null]],
  ['tinyint unsigned', ['0', '255', 'NULL'], ['0', '255', null]],
  ['tinyint(1)', ['0', '1', 'NULL'], ['false', 'true', null]],
  ['smallint', ['-32768', '32767', 'NULL'], ['-32768', '32767', null]],
  ['smallint unsigned', ['0', '65535', 'NULL'], ['0', '65535', null]],
  ['mediumint', ['-8388608', '8388607', 'NULL'], ['-8388608', '8388607', null]],
  ['mediumint unsigned', ['0', '16777215', 'NULL'], ['0', '16777215', null]],
  ['int', ['-2147483648', '2147483647', 'NULL'], ['-2147483648', '2147483647', null]],
  ['int unsigned', ['0', '4294967295', 'NULL'], ['0', '4294967295', null]],
  [
    'bigint',
    ['-9223372036854775808', '9223372036854775807', 'NULL'],
    ['-9223372036854775808', '9223372036854775807', null],
  ],
  ['bigint unsigned', ['0', '18446744073709551615', 'NULL'], ['0', '18446744073709551615', null]],
  [
    'decimal(65,30)',
    [
      '12345678901234567890123456789012345.123456789012345678901234567890',
      '-0.000000000000000000000000000001',
      'NULL',
    ],
    [
      '12345678901234567890123456789012345.123456789012345678901234567890',
      '-0.000000000000000000000000000001',
      null,
    ],
  ],
  ['decimal(10,2) unsigned', ['0.00', '99999999.99', 'NULL'], ['0.00', '99999999.99', null]],
  ['float', ['3.14159', '-1.5e30', 'NULL'], ['3.14159', '-1.5e+30', null]],
  [
    'double',
    ['2.718281828459045', '1.7976931348623157e308', 'NULL'],
    ['2.718281828459045', '1.7976931348623157e+308', null],
  ],
  ['bit(1)', ["b'0'", "b'1'", 'NULL'], ['0', '1', null]],
  [
    'bit(64)',
    ["b'1000000000000000000000000000000000000000000000000000000000000001'", "b'0'", 'NULL'],
    [
      '1000000000000000000000000000000000000000000000000000000000000001',
      '0000000000000000000000000000000000000000000000000000000000000000',
      null,
    ],
  ],
  ['date', ["'1000-01-01'", "'9999-12-31'", 'NULL'], ['1000-01-01', '9999-12-31', null]],
  [
    'datetime',
    ["'1970-01-01 00:00:00'", "'9999-12-31 23:59:59'", 'NULL'],
    ['1970-01-01 00:00:00', '9999-12-31 23:59:59', null],
  ],
  [
    'datetime(6)',
    ["'2024-02-29 23:59:59.999999'", "'1000-01-01 00:00:00.000001'", 'NULL'],
    ['2024-02-29 23:59:59.999999', '1000-01-01 00:00:00.000001', null],
  ],
  [
    'timestamp(6) NULL',
    ["'2038-01-19 03:14:07.999999'", "'1970-01-01 00:00:01.000000'", 'NULL'],
    ['2038-01-19 03:14:07.999999+00', '1970-01-01 00:00:01+00', null],
  ],
  ['time', ["'-838:59:59'", "'838:59:59'", 'NULL'], ['-838:59:59', '838:59:59', null]],
  ['time(6)', ["'12:34:56.789012'", "'-00:00:01.500000'", 'NULL'], ['12:34:56.789012', '-00:00:01.5', null]],
  ['year', ['1901', '2155', 'NULL'], ['1901', '2155', null]],
  ['char(5) CHARACTER SET latin1', ["'café'", "''", 'NULL'], ['café', '', null]],
  [
    'varchar(40) CHARACTER SET utf8mb4',
    ["'😀 中文 Ωmega'", "'tab\\there'", 'NULL'],
    ['😀 中文 Ωmega', 'tab\there', null],
  ],
  ['text', ["'line1\\nline2\\r\\n\\\\ end'", "''", 'NULL'], ['line1\nline2\r\n\\ end', '', null]],
  ['longtext CHARACTER SET latin1', ["'Grüße'", "'a'", 'NULL'], ['Grüße', 'a', null]],
  ['binary(4)', ['0x00010203', "''", 'NULL'], ['\\x00010203', '\\x00000000', null]],
  ['varbinary(10)', ['0x00', '0xFFFE', 'NULL'], ['\\x00', '\\xfffe', null]],
  ['blob', ['0xDEADBEEF00', "''", 'NULL'], ['\\xdeadbeef00', '\\x', null]],
  ["enum('small','medium','large')", ["'small'", "'large'", 'NULL'], ['small', 'large', null]],
  ["set('a','b','c d')", ["'a,b'", "''", 'NULL'], ['{a,b}', '{}', null]],
  [
    'json',
    ['\'{"b": 1, "a": [1, 2.5, null, "x\\\\"y"]}\'', "'[]'", 'NULL'],
    ['{"a": [1, 2.5, null, "x\\"y"], "b": 1}', '[]', null],
  ],
  [
    'uuid',
    ["'123e4567-E89B-12d3-a456-426655440000'", "'00000000-0000-0000-0000-000000000000'", 'NULL'],
    ['123e4567-e89b-12d3-a456-426655440000', '00000000-0000-0000-0000-000000000000', null],
  ],
  // inet::text shows the netmask of a host address; host(col) prints what MariaDB prints.
  ['inet4', ["'192.168.0.1'", "'0.0.0.0'", 'NULL'], ['192.168.0.1/32', '0.0.0.0/32', null]],
  [
    'inet6',
    ["'2001:0db8::0001'", "'::ffff:1.2.3.4'", 'NULL'],
    ['2001:db8::1/128', '::ffff:1.2.3.4/128', null],
  ],
  // EWKB: the SRID flag in the type, the SRID (4326 = e6100000, 3857 = 110f0000) after it.
  [
    'geometry',
    ["ST_GeomFromText('POINT(1 2)', 4326)", "ST_GeomFromText('LINESTRING(0 0, 1 1)', 3857)", 'NULL'],
    [
      '\\x0101000020e6100000000000000000f03f0000000000000040',
      '\\x0102000020110f000002000000' + '0'.repeat(32) + '000000000000f03f'.repeat(2),
      null,
    ],
  ],
  [
    'point',
    ["ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('POINT(-1.5 0)')", 'NULL'],
    ['\\x0101000000000000000000f03f0000000000000040', '\\x0101000000000000000000f8bf0000000000000000', null],
  ],
];

/** CREATE TABLE every_type and its three rows, in the given MySQL connection's database. */
export function everyTypeSql(table = 'every_type'): string[] {
  const columns = TYPE_CASES.map(([type], i) => `c${i} ${type}`).join(', ');
  const names = TYPE_CASES.map((_, i) => `c${i}`).join(', ');
  return [
    `CREATE TABLE ${table} (id int PRIMARY KEY, ${columns}, gen_v int AS (id * 10) VIRTUAL, gen_s varchar(20) AS (CONCAT('id-', id)) STORED)`,
    ...[0, 1, 2].map(
      (row) =>
        `INSERT INTO ${table} (id, ${names}) VALUES (${row + 1}, ${TYPE_CASES.map(([, values]) => values[row]).join(', ')})`,
    ),
  ];
}

/**
 * Columns whose stream overrides the PostgreSQL type (overrides: {col: {type}}), each renamed too:
 * [column type, override type, values as MySQL literals, the same values as PostgreSQL prints them].
 */
export const OVERRIDE_CASES: Array<[string, string, string[], (string | null)[]]> = [
  // smallint takes what boolean would refuse.
  ['tinyint(1)', 'smallint', ['0', '7', 'NULL'], ['0', '7', null]],
  // text keeps the document as MariaDB stores it: key order and spaces.
  [
    'json',
    'text',
    ['\'{"b": 1,  "a": [1, 2.5]}\'', "'[]'", 'NULL'],
    ['{"b": 1,  "a": [1, 2.5]}', '[]', null],
  ],
  ['varchar(40)', 'text', ["'😀 x'", "''", 'NULL'], ['😀 x', '', null]],
  ['char(3)', 'text', ["'ab'", "'xyz'", 'NULL'], ['ab', 'xyz', null]],
];

/** CREATE TABLE overridden (o0.. per OVERRIDE_CASES, and a column `secret` the stream excludes), and its rows. */
export function overriddenSql(table = 'overridden'): string[] {
  const columns = OVERRIDE_CASES.map(([type], i) => `o${i} ${type}`).join(', ');
  const names = OVERRIDE_CASES.map((_, i) => `o${i}`).join(', ');
  return [
    `CREATE TABLE ${table} (id int PRIMARY KEY, ${columns}, secret varchar(10))`,
    ...[0, 1, 2].map(
      (row) =>
        `INSERT INTO ${table} (id, ${names}, secret) VALUES (${row + 1}, ${OVERRIDE_CASES.map(([, , values]) => values[row]).join(', ')}, 'pw')`,
    ),
  ];
}

/** The stream entry for overriddenSql's table: every o<i> gets its type and is renamed r<i>. */
export function overriddenStream(table = 'overridden', settings = ''): string {
  const overrides = OVERRIDE_CASES.map(([, type], i) => `o${i}: { type: "${type}", rename: r${i} }`);
  return `  - { table: ${table}${settings ? `, ${settings}` : ''}, overrides: { ${overrides.join(', ')}, secret: { exclude: true } } }`;
}
