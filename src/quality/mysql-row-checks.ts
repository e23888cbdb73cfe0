// The row checks as MySQL conditions over a row's source form, for a read that ferry does not
// decode itself (the Spark copy): a condition is true for every row the check could fail (and
// maybe a few more), and ferry then reads those rows again and judges them with the checks of
// row-checks.ts, so the outcome, the messages and the counts are ferry's own. Where MySQL's
// semantics could differ from JavaScript's (regular expressions beyond printable ASCII, text order
// of binary columns), the condition takes in more rows rather than fewer.
import { quoteMysql } from '../schema/identifiers.js';
import { sourceExpression } from '../schema/spark-select-list.js';
import type { ColumnMapping, EncoderKind } from '../schema/type-mapping.js';
import { planChecks, type RowCheckSpec } from './check-plan.js';
import type { CheckRule } from './check-rules.js';

const NUMERIC: ReadonlySet<EncoderKind> = new Set(['integer', 'numeric', 'float', 'boolean']);

/** A string as a MySQL literal of its UTF-8 bytes: no quoting or sql_mode can change it. */
export const utf8Literal = (text: string) =>
  text === '' ? "_utf8mb4''" : `_utf8mb4 X'${Buffer.from(text, 'utf8').toString('hex')}'`;
const bytesLiteral = (text: string) =>
  text === '' ? "X''" : `X'${Buffer.from(text, 'utf8').toString('hex')}'`;

/** Whether MySQL can compile the pattern (asked once per check before the read). */
export type RegexProbe = (pattern: string) => Promise<boolean>;

/** The stream's row checks (its `checks:` entries) as MySQL conditions. */
export function mysqlRowChecks(
  stream: string,
  rules: readonly CheckRule[],
  mappings: readonly ColumnMapping[],
  compiles: RegexProbe,
): Promise<string[]> {
  const { row } = planChecks(
    stream,
    rules,
    mappings.map((m) => m.column.name),
  );
  return rowCheckConditions(row, mappings, compiles);
}

/** The conditions, one per check that can set a row aside, warn or fail: OR them for "ferry must judge". */
export async function rowCheckConditions(
  specs: readonly RowCheckSpec[],
  mappings: readonly ColumnMapping[],
  compiles: RegexProbe,
): Promise<string[]> {
  const out: string[] = [];
  for (const spec of specs) {
    const m = mappings.find((c) => c.column.name === spec.column);
    if (!m) continue;
    const source = sourceExpression(m, quoteMysql(m.column.name));
    const condition = await mayFail(spec, m, source, compiles);
    out.push(spec.kind === 'not_null' ? condition : `(${source} IS NOT NULL AND (${condition}))`);
  }
  return out;
}

async function mayFail(
  spec: RowCheckSpec,
  m: ColumnMapping,
  source: string,
  compiles: RegexProbe,
): Promise<string> {
  const encoder = m.rule.encoder;
  const binary = encoder === 'bytes';
  const text = `CAST(${source} AS CHAR CHARACTER SET utf8mb4)`;
  // Compared byte for byte: UTF-8 bytes order like code points, and no collation folds case or pads.
  const bytes = binary ? source : `CAST(${text} AS BINARY)`;
  switch (spec.kind) {
    case 'not_null':
      return `${source} IS NULL`;
    case 'accepted_values': {
      const bool: Record<string, string> = { true: '1', false: '0' };
      const accepted = encoder === 'boolean' ? spec.values.map((v) => bool[v] ?? v) : spec.values;
      return accepted.length === 0 ? 'TRUE' : `${bytes} NOT IN (${accepted.map(bytesLiteral).join(', ')})`;
    }
    case 'min':
    case 'max': {
      const below = spec.kind === 'min' ? '<' : '>';
      if (NUMERIC.has(encoder)) {
        // JavaScript compares Number(text) with Number(bound): doubles on both sides here too.
        const bound = Number(spec.bound);
        if (!Number.isFinite(bound)) return 'TRUE';
        return `CAST(${source} AS DOUBLE) ${below} CAST('${String(bound)}' AS DOUBLE)`;
      }
      // JavaScript orders strings by UTF-16 code units, the same as code points but for characters
      // above U+FFFF against U+E000..U+FFFF; the bytes of a binary value are decoded first there.
      if (binary) return 'TRUE';
      return `${bytes} ${below} ${bytesLiteral(String(spec.bound))} OR ${text} REGEXP ${utf8Literal('[\\x{E000}-\\x{10FFFF}]')}`;
    }
    case 'regex': {
      if (binary || !(await compiles(spec.pattern))) return 'TRUE';
      // MySQL's regular expressions (PCRE2 in MariaDB, ICU in MySQL) agree with JavaScript's on
      // printable ASCII; any other character sends the row to ferry's own check.
      const subject = `${text} COLLATE utf8mb4_bin`;
      return `NOT (${subject} REGEXP ${utf8Literal(spec.pattern)}) OR ${subject} REGEXP ${utf8Literal('[^ -~]')}`;
    }
    case 'max_length':
      return binary ? `LENGTH(${source}) > ${spec.length}` : `CHAR_LENGTH(${text}) > ${spec.length}`;
  }
}
