// Stream overrides checked against a table at plan time, and PostgreSQL type names compared as
// PostgreSQL spells them.
import { describe, expect, it } from 'vitest';
import { exampleColumn } from '../../../scripts/write-type-mapping-doc.js';
import type { StreamRule } from '../../../src/config/project.js';
import { ConfigError } from '../../../src/errors.js';
import { resolveOverrides } from '../../../src/replication/column-overrides.js';
import { pgTypeName } from '../../../src/schema/pg-type-names.js';
import type { SourceTable } from '../../../src/schema/source-table.js';
import { typeChoices } from '../../../src/schema/type-mapping.js';

const column = (name: string, type: string) => ({ ...exampleColumn(type), name });

const table: SourceTable = {
  schema: 'shop',
  name: 'orders',
  columns: [
    column('id', 'int'),
    column('paid', 'tinyint(1)'),
    column('doc', 'json'),
    column('at', 'datetime'),
  ],
  primaryKey: ['id'],
  indexes: [],
  estimatedRows: 0,
} as unknown as SourceTable;

const rule = (overrides: StreamRule['overrides'], extra: Partial<StreamRule> = {}): StreamRule => ({
  table: 'orders',
  index: 0,
  mode: 'incremental',
  cursor: 'at',
  lookbackSeconds: 5,
  deletes: 'ignore',
  targetSchema: 'raw',
  incrementalFallback: 'none',
  own: { table: 'orders' },
  overrides,
  ...extra,
});

function problems(r: StreamRule): string[] {
  try {
    resolveOverrides(r, table, table.primaryKey, new Set());
    return [];
  } catch (error) {
    return [...(error as ConfigError).problems];
  }
}

describe('pgTypeName', () => {
  it('spells a type as format_type does, whatever alias it was written with', () => {
    expect(pgTypeName('INT4')).toBe('integer');
    expect(pgTypeName('int2')).toBe('smallint');
    expect(pgTypeName('varchar( 20 )')).toBe('character varying(20)');
    expect(pgTypeName('timestamptz(3)')).toBe('timestamp(3) with time zone');
    expect(pgTypeName('timestamp(6)')).toBe('timestamp(6) without time zone');
    expect(pgTypeName('decimal(10, 2)')).toBe('numeric(10,2)');
    expect(pgTypeName('float8')).toBe('double precision');
    expect(pgTypeName('float(10)')).toBe('real');
    expect(pgTypeName('char')).toBe('character(1)');
    expect(pgTypeName('_text')).toBe('_text');
    expect(pgTypeName('text[]')).toBe('text[]');
  });
});

describe('resolveOverrides', () => {
  it('chooses the rule that gives the type, and the rename', () => {
    const resolved = resolveOverrides(
      rule(
        { paid: { type: 'int2' }, doc: { type: 'TEXT', rename: 'body' }, at: { exclude: true } },
        {
          cursor: undefined,
          mode: 'full_refresh',
        },
      ),
      table,
      table.primaryKey,
      new Set(),
    );
    expect(resolved.columns.paid!.rule!.mysql).toBe('tinyint');
    expect(resolved.columns.doc!.rule!.mysql).toBe('json as text');
    expect(resolved.columns.doc!.targetName).toBe('body');
    expect(resolved.excluded).toEqual(['at']);
  });

  it('says what is wrong with each override, and what would be valid', () => {
    expect(
      problems(
        rule({
          paid: { type: 'integer' },
          id: { exclude: true },
          at: { exclude: true },
          doc: { rename: '_ferry_doc' },
          nope: { rename: 'x' },
        }),
      ),
    ).toEqual([
      'streams[0].overrides.paid.type: ferry cannot load orders.paid (tinyint(1)) as integer; it can as boolean, smallint',
      'streams[0].overrides.id.exclude: id is part of the key of orders, which ferry needs',
      "streams[0].overrides.at.exclude: at is the stream's cursor",
      "streams[0].overrides.doc.rename: names starting with _ferry are ferry's own",
      'streams[0].overrides.nope: orders has no column nope',
    ]);
    expect(problems(rule({ doc: { rename: 'd'.repeat(64) } }))[0]).toContain(
      "longer than PostgreSQL's 63 bytes",
    );
    expect(problems(rule({ paid: { type: 'smallint' } }, { columns: ['id', 'doc'] }))).toEqual([
      "streams[0].overrides.paid: paid is not among the stream's columns:, so it is not copied",
    ]);
  });

  it('offers each column the types of every rule that matches it, the default first', () => {
    expect(typeChoices(column('j', 'json')).map((r) => r.pgType(column('j', 'json')))).toEqual([
      'jsonb',
      'text',
    ]);
    const v = column('v', 'varchar(9)');
    expect(typeChoices(v).map((r) => r.pgType(v))).toEqual(['character varying(9)', 'text']);
    expect(typeChoices(column('i', 'int')).length).toBe(1);
  });
});
