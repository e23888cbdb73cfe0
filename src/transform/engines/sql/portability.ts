// SQL that one engine understands and another does not: checked before a SQL model runs, so the
// error names the model, the construct and what to write instead. Data, one row per construct.
import type { EngineName } from '../../plan/functions.js';

export interface Unportable {
  pattern: RegExp;
  construct: string;
  missingIn: readonly EngineName[];
  instead: string;
}

export const UNPORTABLE: readonly Unportable[] = [
  {
    pattern: /\bqualify\b/i,
    construct: 'QUALIFY',
    missingIn: ['postgres', 'spark'],
    instead: 'filter a window column in an outer SELECT',
  },
  {
    pattern: /\*\s*exclude\s*\(/i,
    construct: 'SELECT * EXCLUDE (...)',
    missingIn: ['postgres', 'spark'],
    instead: 'list the columns',
  },
  {
    pattern: /\*\s*replace\s*\(/i,
    construct: 'SELECT * REPLACE (...)',
    missingIn: ['postgres', 'spark'],
    instead: 'list the columns',
  },
  {
    pattern: /\bgroup\s+by\s+all\b/i,
    construct: 'GROUP BY ALL',
    missingIn: ['postgres'],
    instead: 'list the grouping columns',
  },
  {
    pattern: /\border\s+by\s+all\b/i,
    construct: 'ORDER BY ALL',
    missingIn: ['postgres'],
    instead: 'list the columns',
  },
  {
    pattern: /\b(strftime|strptime)\s*\(/i,
    construct: 'strftime()/strptime()',
    missingIn: ['postgres', 'spark'],
    instead: 'CAST, extract() or date_trunc()',
  },
  {
    pattern: /\b(date_diff|datediff)\s*\(/i,
    construct: 'date_diff()',
    missingIn: ['postgres', 'spark'],
    instead:
      "CAST(b AS date) - CAST(a AS date) is not portable either; use the DataFrame API's dateDiffDays()",
  },
  {
    pattern: /\blist_[a-z_]+\s*\(/i,
    construct: 'list_*() functions',
    missingIn: ['postgres', 'spark'],
    instead: 'array_agg() and unnest()',
  },
  {
    pattern: /\b(ifnull|iif)\s*\(/i,
    construct: 'ifnull()/iif()',
    missingIn: ['postgres'],
    instead: 'coalesce() / CASE',
  },
  {
    pattern: /\bpivot\b/i,
    construct: 'PIVOT',
    missingIn: ['postgres'],
    instead: 'sum(CASE WHEN ... END) per column',
  },
  {
    pattern: /[^/]\/\/[^/]/,
    construct: '// (integer division)',
    missingIn: ['postgres', 'spark'],
    instead: 'CAST(a / b AS bigint) or floor()',
  },
  {
    pattern: /\bto_char\s*\(/i,
    construct: 'to_char()',
    missingIn: ['duckdb'],
    instead: 'CAST, extract() or date_trunc()',
  },
  {
    pattern: /\bage\s*\(/i,
    construct: 'age()',
    missingIn: ['duckdb', 'spark'],
    instead: 'extract(year/month ...) arithmetic',
  },
  {
    pattern: /::\s*(regclass|regtype|oid|money|tsvector|tsquery)\b/i,
    construct: 'PostgreSQL system types',
    missingIn: ['duckdb', 'spark'],
    instead: 'plain types',
  },
  {
    pattern: /\bjsonb_[a-z_]+\s*\(/i,
    construct: 'jsonb_*() functions',
    missingIn: ['duckdb', 'spark'],
    instead: 'extract the JSON fields in a staging model that runs on postgres only',
  },
  {
    pattern: /\bdistinct\s+on\s*\(/i,
    construct: 'DISTINCT ON (...)',
    missingIn: ['spark'],
    instead: 'row_number() over (partition by ... order by ...) = 1 in an outer SELECT',
  },
  {
    pattern: /\bgenerate_series\s*\(/i,
    construct: 'generate_series()',
    missingIn: ['spark'],
    instead: 'a calendar or numbers model built from a source table',
  },
];

/** The constructs of `sql` that `engine` lacks. Comments and string literals are ignored. */
export function unportableIn(sql: string, engine: EngineName): Unportable[] {
  const code = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
  return UNPORTABLE.filter((u) => u.missingIn.includes(engine) && u.pattern.test(code));
}
