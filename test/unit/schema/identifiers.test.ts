// PostgreSQL's 63-byte names: long names are mapped deterministically, on whole characters, and two
// columns that would share a target name are refused.
import { describe, expect, it } from 'vitest';
import { identifier } from '../../../src/schema/identifiers.js';
import { checkTargetNames, mapColumn } from '../../../src/schema/type-mapping.js';
import { sourceColumn } from '../../support/source-column.js';

const column = (name: string) => sourceColumn(name, 'int', 'int(11)');

describe('identifier', () => {
  it('keeps a name of 63 bytes and maps one of 64', () => {
    expect(identifier('a'.repeat(63))).toBe('a'.repeat(63));
    const mapped = identifier('a'.repeat(64));
    expect(mapped).toMatch(/^a{54}_[0-9a-f]{8}$/);
    expect(identifier('a'.repeat(64))).toBe(mapped);
  });

  it('cuts on whole characters, never inside a multi-byte one or a surrogate pair', () => {
    for (const name of ['表'.repeat(30), '🚢'.repeat(20), 'é'.repeat(40)]) {
      const mapped = identifier(name);
      expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(63);
      expect(mapped).not.toContain('\ufffd');
      expect(Buffer.from(mapped, 'utf8').toString('utf8')).toBe(mapped);
      expect(name.startsWith(mapped.slice(0, -9))).toBe(true);
    }
  });

  it('gives names that share their first 63 bytes different targets', () => {
    expect(identifier('x'.repeat(63) + 'a')).not.toBe(identifier('x'.repeat(63) + 'b'));
  });
});

describe('checkTargetNames', () => {
  it('refuses two columns that would get the same target name, naming both', () => {
    const long = 'c'.repeat(70);
    const mappings = [mapColumn(column(long)), mapColumn(column(identifier(long)))];
    expect(() => checkTargetNames(mappings, 't')).toThrow(
      new RegExp(`columns ${long} and ${identifier(long)} of t would both be named`),
    );
  });
});
