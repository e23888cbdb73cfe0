// Values beyond the type cases for every binlog and change-data-capture value test: edge values per
// column of every_type, more columns (length prefixes, wide ENUM/SET, every fsp, character sets,
// geometries), and how the tests write them: rows inserted, then every value moved to another row.
import type mysql from 'mysql2/promise';

// More values per column of every_type, as MySQL literals (a missing one is NULL).
export const EDGES: Record<string, string[]> = {
  tinyint: ['0', '-1'],
  'tinyint unsigned': ['1', '128'],
  'tinyint(1)': ['127', '-128'],
  smallint: ['0', '-1'],
  'smallint unsigned': ['32768'],
  mediumint: ['0', '-1'],
  'mediumint unsigned': ['8388608'],
  int: ['0', '-1'],
  'int unsigned': ['2147483648'],
  bigint: ['0', '-1', '9007199254740993', '-9007199254740993', '4294967296', '-2097152'],
  'bigint unsigned': ['9223372036854775808', '9007199254740992', '4294967295', '9007199254740993'],
  'decimal(65,30)': [
    '0',
    '-99999999999999999999999999999999999.999999999999999999999999999999',
    '0.000000000000000000000000000001',
    '1',
    '-123456789.5',
  ],
  'decimal(10,2) unsigned': ['0.01', '10.50'],
  float: ['0', '-0', '3.4028234e38', '1.17549435e-38', '0.1', '16777217', '-1.5', '1e-40', '123456789'],
  double: [
    '0',
    '-0e0',
    '5e-324',
    '2.2250738585072014e-308',
    '0.1',
    '1e15',
    '1e16',
    '1234567890123456.7',
    '1e-14',
    '1e-15',
    '123456789012345678e0',
    '-1e300',
    '100000000000000',
    '0.30000000000000004',
  ],
  'bit(1)': [],
  'bit(64)': ["b'1111111111111111111111111111111111111111111111111111111111111111'", "b'1'", "b'10000000'"],
  date: ["'0000-00-00'", "'2024-00-10'", "'2024-02-30'", "'0001-01-01'"],
  datetime: ["'0000-00-00 00:00:00'", "'2024-02-30 12:00:00'", "'2000-01-00 23:59:59'"],
  'datetime(6)': ["'0000-00-00 00:00:00.000000'", "'9999-12-31 23:59:59.999999'", "'2000-01-01 00:00:00.5'"],
  'timestamp(6) NULL': ["'0000-00-00 00:00:00'", "'2000-02-29 12:34:56.123456'", "'2038-01-19 03:14:07'"],
  time: ["'00:00:00'", "'-00:00:01'", "'100:00:00'", "'-838:59:58'", "'-12:00:00'"],
  'time(6)': [
    "'-838:59:59.000000'",
    "'838:59:59.000000'",
    "'-00:00:00.000001'",
    "'-12:34:56.5'",
    "'-01:00:00.999999'",
    "'00:00:00'",
  ],
  year: ['0', '2000', '1970', "'69'"],
  'char(5) CHARACTER SET latin1': ["'a\\0b'", "X'80A4E9FF'", "'a  '", "' b'"],
  'varchar(40) CHARACTER SET utf8mb4': ["'a\\0b'", "'𝄞 x'", "'trailing  '", "'\\\\'"],
  text: ["'\\0'", "REPEAT('é', 30000)", "'\\t\\n'"],
  // every byte, in latin1: MySQL's latin1 is cp1252 with five C1 controls
  'longtext CHARACTER SET latin1': [
    `UNHEX('${Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).join('')}')`,
  ],
  'binary(4)': ['0x01', '0x00000001', '0x01000000'],
  'varbinary(10)': ['0x0000', "''", '0x00FF00'],
  blob: ['0x00', "UNHEX(REPEAT('00', 300))", "UNHEX(REPEAT('FF', 70000 DIV 2))"],
  "enum('small','medium','large')": ["''", "'medium'"],
  "set('a','b','c d')": ["'c d'", "'a,b,c d'", "'b,a'"],
  json: ['\'{"k": "\\\\u00e9\\\\u0000", "n": [1.0, -0.0, 1e10]}\'', '\'"str"\'', "'null'", "' [ ]'"],
  point: ["ST_GeomFromText('POINT(0 0)')", "ST_GeomFromText('POINT(1e300 -1e-300)', 4326)"],
  // every UUID version and variant (MariaDB orders some of them differently in its indexes)
  uuid: [
    "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'",
    "'f47ac10b-58cc-4372-a567-0e02b2c3d479'",
    "'1ef21d2f-1207-6660-8c4f-419efbd44d48'",
    "'01890a5d-ac96-774b-bcce-b302099a8057'",
    "'123e4567-e89b-12d3-7456-426655440000'",
    "'123e4567-e89b-f2d3-c456-426655440000'",
    "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
    "'00000000-0000-0000-0000-000000000001'",
    "'10000000-0000-0000-0000-000000000000'",
  ],
  inet4: ["'255.255.255.255'", "'1.2.3.4'", "'10.0.0.0'"],
  inet6: [
    "'::'",
    "'::1'",
    "'::2'",
    "'::100'",
    "'::1.2.3.4'",
    "'::ffff:1.2.3.4'",
    "'::fffe:1.2.3.4'",
    "'::ffff:0.0.0.0'",
    "'::0.1.0.0'",
    "'1::'",
    "'1:0:1:1:1:1:1:1'",
    "'1:0:0:1:0:0:0:1'",
    "'1:0:0:1:1:0:0:1'",
    "'fe80::1:0:0:0'",
    "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'",
    "'2001:db8:0:0:1:0:0:1'",
  ],
  geometry: [
    "ST_GeomFromText('POINT(1 2)')",
    "ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 2147483649)",
    "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))', 4326)",
    "ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', 3857)",
    "ST_GeomFromText('POINT(3 4)', 1)",
  ],
};

// Columns the type cases do not cover: length prefixes of 2 bytes, wide ENUM/SET, every fsp, other
// character sets, the signedness bit of a YEAR before an unsigned column, more geometry.
export const MORE_COLUMNS: [string, string[]][] = [
  ['tinytext', ["'t'", "''"]],
  ['mediumtext', ["REPEAT('ü', 40000)"]],
  ['tinyblob', ['0x00']],
  ['mediumblob', ["UNHEX(REPEAT('AB', 70000))"]],
  ['longblob', ['0x0102']],
  ['char(255) CHARACTER SET utf8mb4', ["REPEAT('😀', 255)", "'x'"]],
  ['varchar(300) CHARACTER SET utf8mb4', ["REPEAT('a', 300)", "''"]],
  ['binary(255)', ['0x01', "''"]],
  ['varbinary(300)', ["UNHEX(REPEAT('00', 300))"]],
  [`enum(${Array.from({ length: 300 }, (_, i) => `'m${i}'`).join(',')})`, ["'m0'", "'m299'", "'m255'"]],
  [
    `set(${Array.from({ length: 64 }, (_, i) => `'s${i}'`).join(',')})`,
    ["'s0,s63'", "'s7,s8,s31,s32'", "''"],
  ],
  ['bit(3)', ["b'101'", "b'0'"]],
  ['bit(9)', ["b'100000001'"]],
  ['decimal(5,0)', ['-99999', '0']],
  ['decimal(18,9)', ['-123456789.123456789', '0.000000001']],
  ['decimal(19,10)', ['123456789.0123456789']],
  ['decimal(9,9)', ['0.999999999', '-0.000000001']],
  ['decimal(30,0) unsigned', ['123456789012345678901234567890']],
  ['time(1)', ["'-00:00:00.1'", "'12:00:00.9'"]],
  ['time(2)', ["'-838:59:59.99'", "'-00:00:00.01'"]],
  ['time(3)', ["'-00:00:01.001'"]],
  ['time(4)', ["'-10:00:00.9999'"]],
  ['time(5)', ["'00:00:00.00001'"]],
  ['datetime(1)', ["'2020-01-01 00:00:00.1'"]],
  ['datetime(3)', ["'2020-01-01 00:00:00.999'", "'0000-00-00 00:00:00'"]],
  ['timestamp(2) NULL', ["'2020-01-01 00:00:00.99'"]],
  ['timestamp(5) NULL', ["'2020-01-01 00:00:00.00001'"]],
  ['timestamp NULL', ["'1970-01-01 00:00:01'"]],
  ['year', ['1901']],
  ['int unsigned', ['4294967295']],
  ['smallint unsigned', ['65535']],
  ['float(7,2)', ['12345.67', '-0.5']],
  ['double unsigned', ['1e308']],
  ['double(10,2)', ['1.5', '-12345678.91']],
  ['varchar(20) CHARACTER SET utf8mb3', ["'ñ€'"]],
  ['varchar(20) CHARACTER SET ascii', ["'plain'"]],
  ['varchar(20) CHARACTER SET ucs2', ["'ñ€Ω'"]],
  ['varchar(20) CHARACTER SET utf16', ["'𝄞ñ'"]],
  ['varchar(20) CHARACTER SET utf16le', ["'𝄞ñ'"]],
  ['varchar(20) CHARACTER SET utf32', ["'𝄞ñ'"]],
  ['char(4) CHARACTER SET utf16', ["'ab'"]],
  ['linestring', ["ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)')"]],
  ['polygon', ["ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')"]],
  ['geometry', ["ST_GeomFromText('MULTIPOINT(1 1, 2 2)')"]],
  ['json', ['\'{"a": {"b": [true, false, null]}}\'']],
  ['linestring', ["ST_GeomFromText('LINESTRING(0 0, 1 1)', 4326)"]],
  ['multipoint', ["ST_GeomFromText('MULTIPOINT(1 1, 2 2)', 3857)", "ST_GeomFromText('MULTIPOINT(1 1)')"]],
  // NOT NULL: a value in each of the table's three rows
  [
    'uuid NOT NULL',
    ["'00000000-0000-0000-0000-000000000000'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'0-0-0-0-1'"],
  ],
  ['inet6 NOT NULL', ["'::'", "'::ffff:255.255.255.255'", "'1:2:3:4:5:6:7:8'"]],
  ['inet4 NOT NULL', ["'0.0.0.0'", "'127.0.0.1'", "'0.0.0.1'"]],
  ['tinyint unsigned', ['255']],
];

export function insertSql(table: string, columns: string[], values: string[][], firstId: number): string[] {
  const rows = Math.max(...values.map((v) => v.length));
  return Array.from(
    { length: rows },
    (_, r) =>
      `INSERT INTO ${table} (id, ${columns.join(', ')}) VALUES (${firstId + r}, ${values.map((v) => v[r] ?? 'NULL').join(', ')})`,
  );
}

/**
 * Every column of row i takes the values of row i+1 (the last takes the first's): each value moves.
 * The ids must be 1..n.
 */
export async function shiftRows(source: mysql.Connection, table: string, columns: string[]): Promise<void> {
  await source.query(`CREATE TABLE ${table}_copy AS SELECT * FROM ${table}`);
  const [[{ n }]] = (await source.query(`SELECT COUNT(*) AS n FROM ${table}`)) as unknown as [
    [{ n: number }],
  ];
  await source.query(
    `UPDATE ${table} a JOIN ${table}_copy b ON b.id = a.id % ${n} + 1 SET ${columns.map((c) => `a.${c} = b.${c}`).join(', ')}`,
  );
  await source.query(`DROP TABLE ${table}_copy`);
}
