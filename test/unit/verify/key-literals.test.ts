// Key texts read back into literals: what verify and repair put in WHERE to find rows by key.
import { describe, expect, it } from 'vitest';
import { exampleColumn } from '../../../scripts/write-type-mapping-doc.js';
import { mapColumn } from '../../../src/schema/type-mapping.js';
import { keyLiterals, MYSQL_KEY_LITERAL, PG_KEY_LITERAL } from '../../../src/verify/key-literals.js';

const key = (...types: string[]) => types.map((t) => mapColumn(exampleColumn(t)));
const utf8 = (text: string) => `_utf8mb4 X'${Buffer.from(text, 'utf8').toString('hex')}'`;

describe('key literals', () => {
  it('read every part of a composite key back, for both sides', () => {
    const k = key('varchar(20)', 'int', 'date', 'datetime(6)');
    const text = ["it's", '-42', '9990101', '20240229235959.123456'].join('\u001f');
    expect(keyLiterals(text, k, PG_KEY_LITERAL)).toEqual([
      "'it''s'",
      '-42',
      "'0999-01-01'",
      "'2024-02-29 23:59:59.123456'",
    ]);
    expect(keyLiterals(text, k, MYSQL_KEY_LITERAL)).toEqual([
      utf8("it's"),
      '-42',
      utf8('0999-01-01'),
      utf8('2024-02-29 23:59:59.123456'),
    ]);
  });

  it('give times, timestamps, bits and bytes in forms both databases read', () => {
    expect(keyLiterals('-3020399000000', key('time'), PG_KEY_LITERAL)).toEqual(["'-838:59:59.000000'"]);
    expect(keyLiterals('19700101000001', key('timestamp'), PG_KEY_LITERAL)).toEqual([
      "'1970-01-01 00:00:01+00'",
    ]);
    expect(keyLiterals('0101', key('bit(4)'), MYSQL_KEY_LITERAL)).toEqual(["b'0101'"]);
    expect(keyLiterals('00ff', key('binary(2)'), PG_KEY_LITERAL)).toEqual(["'\\x00ff'::bytea"]);
  });

  it('leave out what cannot be read back, so the key is found by its hash', () => {
    expect(keyLiterals('20240010', key('date'), PG_KEY_LITERAL)).toBeUndefined(); // a zero day
    expect(keyLiterals('float', key('double'), MYSQL_KEY_LITERAL)).toBeUndefined();
    expect(keyLiterals('a\u001fb\u001fc', key('varchar(5)', 'int'), PG_KEY_LITERAL)).toBeUndefined();
    expect(keyLiterals('\u001e', key('int'), PG_KEY_LITERAL)).toBeUndefined();
  });
});
