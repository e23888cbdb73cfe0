// The parts of "every table of a real schema" that need no database: MariaDB's own types map, a type
// without a rule fails with the table and column, a key column is never nulled by a policy, and
// planning says what it leaves out.
import { describe, expect, it } from 'vitest';
import { exampleColumn } from '../../../scripts/write-type-mapping-doc.js';
import { parseConfig } from '../../../src/config/load.js';
import { compileProject } from '../../../src/config/project.js';
import { planWarnings } from '../../../src/replication/stream-plan.js';
import { createRowEncoder } from '../../../src/schema/row-encoder.js';
import type { SourceTable } from '../../../src/schema/source-table.js';
import { mapColumn } from '../../../src/schema/type-mapping.js';

describe('MariaDB types', () => {
  it('map UUID to uuid and INET4 / INET6 to inet, read as the server prints them', () => {
    for (const [type, pg] of [
      ['uuid', 'uuid'],
      ['inet4', 'inet'],
      ['inet6', 'inet'],
    ]) {
      const m = mapColumn(exampleColumn(type!));
      expect(m.pgType).toBe(pg);
      expect(m.rule.select).toBeUndefined();
    }
  });

  it('read geometries as EWKB, with their SRID', () => {
    const select = mapColumn(exampleColumn('point')).rule.select!('`g`', exampleColumn('point'));
    expect(select).toMatch(/ST_SRID\(`g`\)/);
    expect(select).toMatch(/^IF\(ST_SRID\(`g`\) = 0, ST_AsBinary\(`g`\)/);
  });

  it('fail a column whose type no rule matches with the table, the column and its type', () => {
    expect(() =>
      mapColumn({ ...exampleColumn('int'), name: 'v', dataType: 'vector', columnType: 'vector(3)' }, 'emb'),
    ).toThrow(/column emb\.v has type vector\(3\), which ferry cannot map/);
  });
});

describe('a key column under the value policies', () => {
  const mappings = [
    mapColumn({ ...exampleColumn('int'), name: 'id' }),
    mapColumn({ ...exampleColumn('date'), name: 'd' }),
    mapColumn({ ...exampleColumn('date'), name: 'seen' }),
  ];
  const encoder = () =>
    createRowEncoder('t', mappings, ['id', 'd'], { zero_dates: 'null', invalid_values: 'null' });

  it('is never set to NULL: the row is quarantined, and says why', () => {
    const e = encoder();
    e.add(['1', '0000-00-00', '2024-01-01']);
    e.add(['2', '2024-05-00', '2024-01-01']);
    const batch = e.take();
    expect(batch.text).toBe('');
    expect(batch.nulled).toEqual([]);
    expect(batch.quarantined.map((q) => q.reason)).toEqual([
      'd: zero date 0000-00-00 in a key column, which cannot be NULL',
      'd: date with a zero part 2024-05-00 in a key column, which cannot be NULL',
    ]);
    expect(batch.quarantined[0]!.primaryKey).toEqual({ id: '1', d: '0000-00-00' });
  });

  it('leaves other columns to the policy', () => {
    const e = encoder();
    e.add(['3', '2024-01-01', '0000-00-00']);
    const batch = e.take();
    expect(batch.text).toBe('3\t2024-01-01\t\\N\n');
    expect(batch.nulled.map((n) => n.column)).toEqual(['seen']);
  });
});

describe('plan warnings', () => {
  const rules = (streams: string) =>
    compileProject(
      parseConfig(
        `source: { url: "mysql://u@h/db" }\ntarget: { url: "postgres://u@h/w" }\n${streams}`,
        't.yaml',
        {
          env: {},
        },
      ),
      't.yaml',
    ).streams;
  const table = (name: string) => ({ name }) as SourceTable;

  it('name the views and sequences a pattern matches, and no others', () => {
    const warnings = planWarnings(
      rules('streams:\n  - { table: "a*" }\n'),
      [table('a1')],
      [
        { name: 'a_view', kind: 'view', tableType: 'VIEW' },
        { name: 'a_seq', kind: 'sequence', tableType: 'SEQUENCE' },
        { name: 'b_view', kind: 'view', tableType: 'VIEW' },
      ],
      'db',
    );
    expect(warnings.map((w) => [w.message.split(':')[0], w.strict])).toEqual([
      ['view a_view is not replicated', false],
      ['sequence a_seq is not replicated', false],
    ]);
  });

  it('name a pattern that matches no table, and an empty source, as strict', () => {
    expect(
      planWarnings(rules('streams:\n  - { table: "x*" }\n  - { table: a1 }\n'), [table('a1')], [], 'db'),
    ).toEqual([
      { message: 'streams[0]: table "x*" matches no table of the source database db', strict: true },
    ]);
    expect(planWarnings(rules('streams:\n  - { table: "*" }\n'), [], [], 'db')).toEqual([
      { message: 'the source database db has no tables', strict: true },
    ]);
  });
});
