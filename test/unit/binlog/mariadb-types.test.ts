// MariaDB's INET6 and UUID texts from their 16 bytes, without a server: the forms the real server
// prints (values.test.ts compares 3000 random ones with it).
import { describe, expect, it } from 'vitest';
import { inet6Text, uuidText } from '../../../src/connectors/mysql/binlog/mariadb-types.js';

const address = (words: number[]) => {
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
};

describe('inet6Text', () => {
  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 2], '::2'],
    [[0, 0, 0, 0, 0, 0, 0, 0x100], '::100'],
    [[0, 0, 0, 0, 0, 0, 0x102, 0x304], '::1.2.3.4'],
    [[0, 0, 0, 0, 0, 0xffff, 0x102, 0x304], '::ffff:1.2.3.4'],
    [[0, 0, 0, 0, 0, 0xfffe, 0x102, 0x304], '::fffe:102:304'],
    [[0, 0, 0, 0, 0, 0, 1, 0], '::0.1.0.0'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[1, 0, 1, 1, 1, 1, 1, 1], '1::1:1:1:1:1:1'],
    [[1, 0, 0, 1, 0, 0, 0, 1], '1:0:0:1::1'],
    [[1, 0, 0, 1, 1, 0, 0, 1], '1::1:1:0:0:1'],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    [
      [0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff],
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ],
  ])('prints %j as %s', (words, text) => {
    expect(inet6Text(address(words))).toBe(text);
  });
});

describe('uuidText', () => {
  it('prints the bytes in order, 8-4-4-4-12, lower case', () => {
    expect(uuidText(Buffer.from('123E4567E89B12D3A456426655440000', 'hex'))).toBe(
      '123e4567-e89b-12d3-a456-426655440000',
    );
  });
});
