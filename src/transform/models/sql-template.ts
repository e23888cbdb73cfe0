// The few template calls a SQL model may use, dbt-style: {{ ref('model') }}, {{ source('shop', 'orders') }}
// and a leading {{ config(...) }}. The braces are optional around ref() and source().
import { ConfigError } from '../../errors.js';
import type { SourceRef } from './model.js';

const CALL =
  /(\{\{\s*)?\b(ref|source)\(\s*(?:'([^']*)'|"([^"]*)")\s*(?:,\s*(?:'([^']*)'|"([^"]*)")\s*)?\)(\s*\}\})?/g;
/** A {{ config(...) }} at the start, after any comment lines. */
const CONFIG = /^((?:\s*--[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*)\s*\{\{\s*config\(([\s\S]*?)\)\s*\}\}/;

export interface ParsedSql {
  body: string;
  refs: string[];
  sources: SourceRef[];
  config: Record<string, unknown>;
}

export function parseSqlModel(text: string, file: string): ParsedSql {
  let body = text;
  let config: Record<string, unknown> = {};
  const header = CONFIG.exec(body);
  if (header) {
    config = parseConfigArgs(header[2]!, file);
    body = header[1]! + body.slice(header[0].length);
  }
  if (/\{\{\s*config\(/.test(body))
    throw new ConfigError(`${file}: {{ config(...) }} must come first in the file`);
  const refs: string[] = [];
  const sources: SourceRef[] = [];
  for (const m of body.matchAll(CALL)) {
    const first = m[3] ?? m[4] ?? '';
    const second = m[5] ?? m[6];
    if (m[2] === 'ref') {
      if (second !== undefined) throw new ConfigError(`${file}: ref() takes one model name, got ${m[0]}`);
      if (!refs.includes(first)) refs.push(first);
    } else {
      if (second === undefined)
        throw new ConfigError(`${file}: source() takes a source name and a table, got ${m[0]}`, [], {
          hint: "write source('shop', 'orders')",
        });
      if (!sources.some((s) => s.source === first && s.table === second))
        sources.push({ source: first, table: second });
    }
  }
  const stray = /\{\{|\{%/.exec(body.replace(CALL, ''));
  if (stray)
    throw new ConfigError(
      `${file}: only {{ ref() }}, {{ source() }} and a leading {{ config() }} are supported`,
      [],
      {
        hint: 'ferry models are plain SQL: remove other Jinja; incremental filtering is done by ferry from `cursor`',
      },
    );
  return { body: body.trim().replace(/;\s*$/, ''), refs, sources, config };
}

/** Replaces every ref() and source() with the relation the resolver gives. */
export function renderSql(
  body: string,
  resolve: (
    call: { kind: 'ref'; model: string } | { kind: 'source'; source: string; table: string },
  ) => string,
): string {
  return body.replace(
    CALL,
    (_all, _open, kind: string, a1?: string, a2?: string, b1?: string, b2?: string) =>
      kind === 'ref'
        ? resolve({ kind: 'ref', model: a1 ?? a2 ?? '' })
        : resolve({ kind: 'source', source: a1 ?? a2 ?? '', table: b1 ?? b2 ?? '' }),
  );
}

/** key='value', key=["a", "b"], key=true, key=3 */
function parseConfigArgs(args: string, file: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const pair =
    /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^']*)'|"(?:[^"]*)"|\[[^\]]*\]|true|false|True|False|-?\d+(?:\.\d+)?)\s*(,|$)/y;
  let pos = 0;
  const text = args.trim();
  while (pos < text.length) {
    pair.lastIndex = pos;
    const m = pair.exec(text);
    if (!m)
      throw new ConfigError(
        `${file}: cannot read the config() arguments at "${text.slice(pos, pos + 30)}"`,
        [],
        {
          hint: "write {{ config(materialized='incremental', unique_key='id', cursor='updated_at') }}",
        },
      );
    result[m[1]!] = value(m[2]!);
    pos = pair.lastIndex;
  }
  return result;
}

function value(text: string): unknown {
  if (text.startsWith("'") || text.startsWith('"')) return text.slice(1, -1);
  if (text.startsWith('['))
    return [...text.slice(1, -1).matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2] ?? '');
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return Number(text);
}
