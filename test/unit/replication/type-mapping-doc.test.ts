import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DOC_PATH,
  EXAMPLES,
  exampleColumn,
  renderDoc,
  typeTable,
} from '../../../scripts/write-type-mapping-doc.js';
import { mapColumn, TYPE_MAPPING } from '../../../src/schema/type-mapping.js';

describe('docs/type-mapping.md', () => {
  it('holds the table the generator writes from TYPE_MAPPING (run `npm run docs` after changing the mapping)', async () => {
    const committed = readFileSync(DOC_PATH, 'utf8');
    expect(await renderDoc(committed)).toBe(committed);
  });

  it('has one row per rule, in the order the rules are tried', () => {
    const rows = typeTable()
      .split('\n')
      .slice(2)
      .map((line) => line.split(' | ')[0]!.replace(/^\| `|`$/g, ''));
    expect(rows).toEqual(TYPE_MAPPING.map((r) => r.mysql));
  });

  it('describes example columns as introspection does, so they map through the real rules', () => {
    expect(mapColumn(exampleColumn('tinyint(1)')).pgType).toBe('boolean');
    expect(mapColumn(exampleColumn('tinyint unsigned')).pgType).toBe('smallint');
    expect(mapColumn(exampleColumn('bigint unsigned')).pgType).toBe('numeric(20,0)');
    expect(mapColumn(exampleColumn('decimal(65,30) unsigned')).pgType).toBe('numeric(65,30)');
    expect(mapColumn(exampleColumn('datetime(6)')).pgType).toBe('timestamp(6) without time zone');
    expect(mapColumn(exampleColumn('time')).pgType).toBe('interval(0)');
    expect(mapColumn(exampleColumn('varchar(255)')).pgType).toBe('character varying(255)');
    expect(exampleColumn("set('email','sms')").members).toEqual(['email', 'sms']);
  });

  it('gives every example column a rule', () => {
    for (const type of EXAMPLES) expect(() => mapColumn(exampleColumn(type)), type).not.toThrow();
  });

  it('fails loudly when the markers are gone, instead of writing a document without its table', async () => {
    await expect(renderDoc('# no markers\n')).rejects.toThrow(/lacks the markers/);
  });
});
