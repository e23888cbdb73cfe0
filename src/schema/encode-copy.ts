// Turns values read from MySQL into PostgreSQL COPY text fields, one encoder per kind of the type
// mapping. An encoder returns the field, or undefined after describing why the value cannot load.
import type { EncoderKind } from './type-mapping.js';

/** Why a value cannot load as it is; the row's policy (zero_dates or invalid_values) decides what happens. */
export interface ValueIssue {
  policy: 'zero_dates' | 'invalid_values';
  /** Reason code in quarantine records and summaries (docs/quality.md). */
  code:
    | 'zero_date'
    | 'impossible_date'
    | 'nul_byte'
    | 'not_boolean'
    | 'json_nul'
    | 'out_of_range'
    | 'invalid_utf8';
  reason: string;
}

export type RawValue = string | Buffer | null;
export type Encoder = (value: string | Buffer, issue: { current?: ValueIssue }) => string | undefined;

export const COPY_NULL = '\\N';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Escapes a text value for COPY's text format. */
export function escapeCopy(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

const asText = (value: string | Buffer) => (typeof value === 'string' ? value : value.toString('utf8'));

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Checks the YYYY-MM-DD prefix of a MySQL date; returns a reason when PostgreSQL cannot hold it. */
export function dateProblem(text: string): string | undefined {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (year === 0 && month === 0 && day === 0) return `zero date ${text}`;
  if (year === 0 || month === 0 || day === 0) return `date with a zero part ${text}`;
  if (month > 12 || day > DAYS[month - 1]!) return `impossible date ${text}`;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return `impossible date ${text}`;
  return undefined;
}

function zeroDate(reason: string, issue: { current?: ValueIssue }): undefined {
  issue.current = {
    policy: 'zero_dates',
    code: reason.startsWith('impossible') ? 'impossible_date' : 'zero_date',
    reason,
  };
  return undefined;
}

function invalid(reason: string, issue: { current?: ValueIssue }, code: ValueIssue['code']): undefined {
  issue.current = { policy: 'invalid_values', code, reason };
  return undefined;
}

function quoteArrayElement(member: string): string {
  return '"' + member.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

export const ENCODERS: Record<EncoderKind, Encoder> = {
  integer: (v) => asText(v),
  numeric: (v) => asText(v),
  float: (v) => asText(v),
  bit: (v) => asText(v),
  boolean: (v, issue) => {
    const text = asText(v);
    if (text === '1') return 't';
    if (text === '0') return 'f';
    return invalid(`TINYINT(1) value ${text} is neither 0 nor 1`, issue, 'not_boolean');
  },
  date: (v, issue) => {
    const text = asText(v);
    const problem = dateProblem(text);
    return problem ? zeroDate(problem, issue) : text;
  },
  datetime: (v, issue) => {
    const text = asText(v);
    const problem = dateProblem(text);
    return problem ? zeroDate(problem, issue) : text;
  },
  timestamp: (v, issue) => {
    const text = asText(v);
    const problem = dateProblem(text);
    return problem ? zeroDate(problem, issue) : text + '+00';
  },
  time: (v) => asText(v),
  text: (v, issue) => {
    const text = asText(v);
    if (text.includes('\u0000'))
      return invalid('text contains a NUL byte, which PostgreSQL text cannot hold', issue, 'nul_byte');
    return escapeCopy(text);
  },
  bytes: (v) => '\\\\x' + (typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('hex'),
  set: (v, issue) => {
    const text = asText(v);
    if (text.includes('\u0000')) return invalid('SET member contains a NUL byte', issue, 'nul_byte');
    if (text === '') return '{}';
    return escapeCopy('{' + text.split(',').map(quoteArrayElement).join(',') + '}');
  },
  uuid: (v) => asText(v),
  inet: (v) => asText(v),
  json: (v, issue) => {
    const text = asText(v);
    if (text.includes('\\u0000'))
      return invalid('JSON contains \\u0000, which jsonb cannot hold', issue, 'json_nul');
    return escapeCopy(text);
  },
};

/** Which value policy of ferry.yaml's sync: section decides about values an encoder cannot load, and which. */
export const ENCODER_POLICIES: Partial<
  Record<EncoderKind, { policy: ValueIssue['policy']; values: string }>
> = {
  boolean: { policy: 'invalid_values', values: 'values other than 0 and 1' },
  date: { policy: 'zero_dates', values: 'zero and impossible dates' },
  datetime: { policy: 'zero_dates', values: 'zero and impossible dates' },
  timestamp: { policy: 'zero_dates', values: 'zero and impossible dates' },
  text: { policy: 'invalid_values', values: 'NUL bytes' },
  set: { policy: 'invalid_values', values: 'NUL bytes' },
  json: { policy: 'invalid_values', values: '\\u0000 in a document' },
};
