// Each source index kind becomes the PostgreSQL index the mapping says, with a notice where it means
// something else than the source's; the table and its docs row follow from the same rules.
import { describe, expect, it } from 'vitest';
import { exampleColumn } from '../../../scripts/write-type-mapping-doc.js';
import { INDEX_MAPPING, targetIndexes } from '../../../src/schema/index-mapping.js';
import type { SourceIndex, SourceIndexKind } from '../../../src/schema/source-table.js';
import { mapColumn } from '../../../src/schema/type-mapping.js';

const columns = {
  id: 'int',
  body: 'mediumtext',
  title: 'varchar(200)',
  data: 'blob',
  doc: 'json',
  url: 'varchar(1000)',
  code: 'char(3)',
  g: 'point',
};
const mappings = Object.entries(columns).map(([name, type]) =>
  mapColumn({ ...exampleColumn(type), name }, 't'),
);

function index(
  name: string,
  kind: SourceIndexKind,
  parts: Array<string | [string, number] | [string, null, 'desc']>,
  unique = false,
): SourceIndex {
  const full = parts.map((p) =>
    typeof p === 'string'
      ? { column: p, prefix: null, descending: false }
      : { column: p[0], prefix: p[1], descending: p[2] === 'desc' },
  );
  return { name, unique, kind, columns: full.map((p) => p.column), parts: full };
}

const plan = (i: SourceIndex) => targetIndexes([i], mappings);

describe('the index mapping', () => {
  it('keeps a btree over whole columns as it is, unique when the source is', () => {
    expect(plan(index('u', 'btree', ['code', 'id'], true))).toEqual({
      indexes: [{ name: 'u', unique: true, columns: ['code', 'id'] }],
      notices: [],
    });
  });

  it('turns prefixes into left() for text (characters) and substring() for bytes, and keeps DESC', () => {
    const [i] = plan(
      index(
        'p',
        'btree',
        [
          ['title', 5],
          ['data', 10],
          ['id', null, 'desc'],
        ],
        true,
      ),
    ).indexes;
    expect(i).toMatchObject({
      unique: true,
      keys: ['left("title", 5)', 'substring("data", 1, 10)', '"id" DESC'],
    });
    expect(i!.method).toBeUndefined();
  });

  it('maps FULLTEXT to GIN over to_tsvector, several columns joined with spaces', () => {
    expect(plan(index('f', 'fulltext', ['body'])).indexes[0]).toMatchObject({
      method: 'gin',
      unique: false,
      keys: [`to_tsvector('simple', "body")`],
      label: 'f (FULLTEXT)',
    });
    expect(plan(index('f2', 'fulltext', ['title', 'body'])).indexes[0]!.keys).toEqual([
      `to_tsvector('simple', coalesce("title", '') || ' ' || coalesce("body", ''))`,
    ]);
  });

  it('makes an index over JSON never unique, with a notice when the source one was', () => {
    const unique = plan(index('j', 'hash', ['doc'], true));
    expect(unique.indexes).toEqual([{ name: 'j', unique: false, columns: ['doc'], method: 'hash' }]);
    expect(unique.notices).toEqual([expect.stringMatching(/^index j is not unique in PostgreSQL: .*JSON/)]);
    expect(plan(index('jp', 'btree', [['doc', 10], 'id'])).indexes[0]!.keys).toEqual([
      'left("doc"::text, 10)',
      '"id"',
    ]);
  });

  it("turns MariaDB's UNIQUE over long columns (HASH) into a hash index on the first column", () => {
    const long = plan(index('l', 'hash', ['url', 'id'], true));
    expect(long.indexes).toEqual([{ name: 'l', unique: false, columns: ['url'], method: 'hash' }]);
    expect(long.notices[0]).toMatch(/^index l is not unique in PostgreSQL/);
    // USING HASH over short columns (MEMORY tables) is a plain btree, unique as the source's.
    expect(plan(index('m', 'hash', ['id'], true)).indexes).toEqual([
      { name: 'm', unique: true, columns: ['id'] },
    ]);
  });

  it('builds no SPATIAL index, and says so', () => {
    expect(plan(index('s', 'spatial', ['g']))).toEqual({
      indexes: [],
      notices: [expect.stringMatching(/^index s \(SPATIAL\) not built/)],
    });
  });

  it('leaves out an index over a column the stream does not copy', () => {
    expect(targetIndexes([index('x', 'btree', ['missing'])], mappings)).toEqual({ indexes: [], notices: [] });
  });

  it('has a rule for any index (the last one matches everything)', () => {
    expect(INDEX_MAPPING.at(-1)!.matches(index('any', 'btree', ['id']), new Map())).toBe(true);
  });
});
