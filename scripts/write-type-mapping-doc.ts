// Writes the type table of docs/type-mapping.md from TYPE_MAPPING (npm run docs). Each example column
// type goes through mapColumn, the function sync uses, so the table shows what ferry really does.
// Only the part between the two markers is generated; the text around it is written by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import type { SourceColumn } from '../src/schema/source-table.js';
import { parseMembers } from '../src/connectors/mysql/introspect.js';
import { mapColumn, TYPE_MAPPING, type TypeRule } from '../src/schema/type-mapping.js';

export const DOC_PATH = fileURLToPath(new URL('../docs/type-mapping.md', import.meta.url));

export const BEGIN_MARK =
  '<!-- generated from TYPE_MAPPING in src/replication/type-mapping.ts by `npm run docs`; do not edit by hand -->';
export const END_MARK = '<!-- end of generated table -->';

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
  'point',
  'geometry',
  'multipolygon',
];

const TEMPORAL = new Set(['datetime', 'timestamp', 'time']);
const SIZED = new Set(['char', 'varchar', 'binary', 'varbinary']);

/** A SourceColumn for an example column type, as introspection would describe it. */
export function exampleColumn(columnType: string): SourceColumn {
  const match = /^([a-z]+)(?:\((.*)\))?( unsigned)?$/.exec(columnType);
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

const code = (text: string) => '`' + text + '`';

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
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The whole document with its generated table replaced, formatted as `prettier --write` would. */
export async function renderDoc(current: string): Promise<string> {
  const begin = current.indexOf(BEGIN_MARK);
  const end = current.indexOf(END_MARK);
  if (begin < 0 || end < begin)
    throw new Error(`docs/type-mapping.md lacks the markers ${BEGIN_MARK} ... ${END_MARK}`);
  const text = `${current.slice(0, begin)}${BEGIN_MARK}\n\n${typeTable()}\n\n${current.slice(end)}`;
  const options = (await prettier.resolveConfig(DOC_PATH)) ?? {};
  return prettier.format(text, { ...options, parser: 'markdown' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const doc = await renderDoc(readFileSync(DOC_PATH, 'utf8'));
  writeFileSync(DOC_PATH, doc);
  console.log(`wrote ${DOC_PATH}`);
}
