// Writes the tables of docs/type-mapping.md (npm run docs): the type table from TYPE_MAPPING, each
// example column type through mapColumn, the function sync uses, so it shows what ferry really does;
// the index table from INDEX_MAPPING and what the swap does when a build fails (WHEN_BUILD_FAILS).
// Only the parts between the markers are generated; the text around them is written by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import type { SourceColumn } from '../src/schema/source-table.js';
import { parseMembers } from '../src/connectors/mysql/introspect.js';
import { WHEN_BUILD_FAILS } from '../src/connectors/postgres/swap.js';
import { INDEX_MAPPING } from '../src/schema/index-mapping.js';
import {
  mapColumn,
  TYPE_ALTERNATIVES,
  TYPE_MAPPING,
  typeChoices,
  type TypeRule,
} from '../src/schema/type-mapping.js';

export const DOC_PATH = fileURLToPath(new URL('../docs/type-mapping.md', import.meta.url));

export const BEGIN_MARK =
  '<!-- generated from TYPE_MAPPING in src/schema/type-mapping.ts by `npm run docs`; do not edit by hand -->';
export const END_MARK = '<!-- end of generated table -->';
export const INDEX_BEGIN_MARK =
  '<!-- generated from INDEX_MAPPING in src/schema/index-mapping.ts and WHEN_BUILD_FAILS in src/connectors/postgres/swap.ts by `npm run docs`; do not edit by hand -->';
export const INDEX_END_MARK = '<!-- end of generated index tables -->';
export const OVERRIDE_BEGIN_MARK =
  '<!-- generated from TYPE_MAPPING and TYPE_ALTERNATIVES in src/schema/type-mapping.ts by `npm run docs`; do not edit by hand -->';
export const OVERRIDE_END_MARK = '<!-- end of generated override table -->';

/** Column types as information_schema.COLUMNS.COLUMN_TYPE prints them, at least one per rule. */
export const EXAMPLES: readonly string[] = [
  'tinyint(1)',
  'tinyint',
  'tinyint unsigned',
  'smallint',
  'smallint unsigned',
  'mediumint',
  'mediumint unsigned',
  'int',
  'int unsigned',
  'bigint',
  'bigint unsigned',
  'decimal(12,2)',
  'decimal(65,30) unsigned',
  'float',
  'double',
  'bit(1)',
  'bit(64)',
  'date',
  'datetime',
  'datetime(6)',
  'timestamp',
  'timestamp(3)',
  'time',
  'time(6)',
  'year',
  'char(2)',
  'varchar(255)',
  'tinytext',
  'longtext',
  'binary(16)',
  'varbinary(255)',
  'blob',
  "enum('small','large')",
  "set('email','sms')",
  'json',
  'uuid',
  'inet4',
  'inet6',
  'point',
  'geometry',
  'multipolygon',
];

const TEMPORAL = new Set(['datetime', 'timestamp', 'time']);
const SIZED = new Set(['char', 'varchar', 'binary', 'varbinary']);

/** A SourceColumn for an example column type, as introspection would describe it. */
export function exampleColumn(columnType: string): SourceColumn {
  const match = /^([a-z0-9]+)(?:\((.*)\))?( unsigned)?$/.exec(columnType);
  if (!match) throw new Error(`cannot read example column type ${columnType}`);
  const dataType = match[1]!;
  const args = (match[2] ?? '').split(',').map((a) => Number(a));
  const first = match[2] === undefined || Number.isNaN(args[0]) ? null : args[0]!;
  return {
    name: 'col',
    position: 1,
    dataType,
    columnType,
    nullable: true,
    unsigned: match[3] !== undefined,
    maxLength: SIZED.has(dataType) ? first : null,
    precision: dataType === 'decimal' || dataType === 'bit' ? first : null,
    scale: dataType === 'decimal' ? (args[1] ?? 0) : null,
    fsp: TEMPORAL.has(dataType) ? (first ?? 0) : null,
    charset: null,
    collation: null,
    members: dataType === 'enum' || dataType === 'set' ? parseMembers(columnType) : null,
    generated: false,
    defaultValue: null,
    extra: '',
    comment: '',
  };
}

/** Inline code in a table cell: a | would end the cell, so it is escaped. */
const code = (text: string) => '`' + text.replace(/\|/g, '\\|') + '`';

/** The markdown table: one row per rule of TYPE_MAPPING, in order (the first matching rule wins). */
export function typeTable(): string {
  const byRule = new Map<TypeRule, SourceColumn[]>();
  for (const type of EXAMPLES) {
    const column = exampleColumn(type);
    const { rule } = mapColumn(column);
    byRule.set(rule, [...(byRule.get(rule) ?? []), column]);
  }
  const rows = TYPE_MAPPING.map((rule) => {
    const columns = byRule.get(rule);
    if (!columns) throw new Error(`no example column type maps to the rule for ${rule.mysql}; add one`);
    const examples = columns.map((c) => `${code(c.columnType)} → ${code(mapColumn(c).pgType)}`).join('<br>');
    const read = rule.select ? code(rule.select('col', columns[0]!)) : '';
    return [code(rule.mysql), examples, read, code(rule.encoder), rule.note];
  });
  const header = ['MySQL type', 'example → PostgreSQL type', 'selected as', 'encoder', 'notes'];
  return markdownTable(header, rows);
}

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The index tables: one row per rule of INDEX_MAPPING, in order; then what a failed build becomes. */
export function indexTables(): string {
  const rules = markdownTable(
    ['source index', 'example', 'PostgreSQL', 'notes'],
    INDEX_MAPPING.map((r) => [r.source, code(r.example), r.postgres, r.note]),
  );
  const failures = markdownTable(
    ['the build fails with', 'because', 'then'],
    Object.entries(WHEN_BUILD_FAILS).map(([state, f]) => [code(state), f.why, f.does]),
  );
  return `${rules}\n\nWhen PostgreSQL cannot build an index on the rows:\n\n${failures}`;
}

/** The types an override may choose: each example column type with more than one, by rule; then the rules only an override chooses. */
export function overrideTables(): string {
  const rows = EXAMPLES.map(exampleColumn).flatMap((c) => {
    const choices = typeChoices(c);
    return choices.length < 2
      ? []
      : [[code(c.columnType), choices.map((r) => `${code(r.pgType(c))} (${r.mysql})`).join('<br>')]];
  });
  const choices = markdownTable(
    ['source type', 'PostgreSQL types it can get (rule), the default first'],
    rows,
  );
  const alternatives = markdownTable(
    ['rule', 'selected as', 'encoder', 'notes'],
    TYPE_ALTERNATIVES.map((r) => [
      code(r.mysql),
      r.select ? code(r.select('col', exampleColumn('json'))) : '',
      code(r.encoder),
      r.note,
    ]),
  );
  return `${choices}\n\nRules only an override chooses (\`TYPE_ALTERNATIVES\`):\n\n${alternatives}`;
}

/** Replaces the text between two markers of the document. */
function replaceBetween(current: string, begin: string, end: string, body: string): string {
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/type-mapping.md lacks the markers ${begin} ... ${end}`);
  return `${current.slice(0, from)}${begin}\n\n${body}\n\n${current.slice(to)}`;
}

/** The whole document with its generated tables replaced, formatted as `prettier --write` would. */
export async function renderDoc(current: string): Promise<string> {
  const types = replaceBetween(current, BEGIN_MARK, END_MARK, typeTable());
  const indexes = replaceBetween(types, INDEX_BEGIN_MARK, INDEX_END_MARK, indexTables());
  const text = replaceBetween(indexes, OVERRIDE_BEGIN_MARK, OVERRIDE_END_MARK, overrideTables());
  const options = (await prettier.resolveConfig(DOC_PATH)) ?? {};
  return prettier.format(text, { ...options, parser: 'markdown' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const doc = await renderDoc(readFileSync(DOC_PATH, 'utf8'));
  writeFileSync(DOC_PATH, doc);
  console.log(`wrote ${DOC_PATH}`);
}
