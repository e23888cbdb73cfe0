// The value checks of encode-copy.ts (zero dates, NUL bytes, TINYINT(1) values other than 0/1,
// \u0000 in JSON) as MySQL conditions, so a read that ferry does not decode itself (a Spark JDBC
// read) can apply the same sync.zero_dates / sync.invalid_values policies inside its query, or tell
// which rows ferry must read again and judge itself (the Spark copy).
import type { ValueIssue } from './encode-copy.js';
import type { ColumnMapping, EncoderKind } from './type-mapping.js';
import { quoteMysql } from './identifiers.js';

export interface ValueCheck {
  column: string;
  policy: ValueIssue['policy'];
  code: ValueIssue['code'];
  /** What is wrong, for messages: "a zero date or a date with a zero part". */
  reason: string;
  /** A MySQL condition over the quoted column, true when its value needs the policy. */
  condition: string;
}

type CheckRule = Omit<ValueCheck, 'column' | 'condition'> & { condition: (q: string) => string };

/** The column's text in utf8mb4 as bytes: what ferry's own reader receives, compared byte by byte. */
const utf8Bytes = (q: string) => `CAST(CONVERT(${q} USING utf8mb4) AS BINARY)`;

const ZERO_PART: CheckRule = {
  policy: 'zero_dates',
  code: 'zero_date',
  reason: 'a zero date or a date with a zero part',
  condition: (q) => `(YEAR(${q}) = 0 OR MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0)`,
};
// MySQL computes nothing with an impossible date (2023-02-29, kept under ALLOW_INVALID_DATES):
// date arithmetic on it is NULL, which tells it from a real date.
const IMPOSSIBLE: CheckRule = {
  policy: 'zero_dates',
  code: 'impossible_date',
  reason: 'an impossible date',
  condition: (q) => `DATE_ADD(${q}, INTERVAL 0 DAY) IS NULL`,
};
const NUL_BYTE: CheckRule = {
  policy: 'invalid_values',
  code: 'nul_byte',
  reason: 'a NUL byte, which PostgreSQL text cannot hold',
  condition: (q) => `LOCATE(X'00', ${utf8Bytes(q)}) > 0`,
};

const CHECKS_BY_ENCODER: Readonly<Record<EncoderKind, readonly CheckRule[]>> = {
  integer: [],
  numeric: [],
  float: [],
  bit: [],
  bytes: [],
  time: [],
  uuid: [],
  inet: [],
  boolean: [
    {
      policy: 'invalid_values',
      code: 'not_boolean',
      reason: 'a TINYINT(1) value other than 0 and 1',
      condition: (q) => `${q} NOT IN (0, 1)`,
    },
  ],
  date: [ZERO_PART, IMPOSSIBLE],
  datetime: [ZERO_PART, IMPOSSIBLE],
  timestamp: [ZERO_PART, IMPOSSIBLE],
  text: [NUL_BYTE],
  set: [NUL_BYTE],
  json: [
    {
      policy: 'invalid_values',
      code: 'json_nul',
      reason: 'a \\u0000 escape, which jsonb cannot hold',
      // X'5C7530303030' is the six characters \u0000, spelled in hex so no sql_mode changes it.
      condition: (q) => `LOCATE(X'5C7530303030', ${utf8Bytes(q)}) > 0`,
    },
  ],
};

/** Every check of the columns, in column order; each condition is false for NULL. */
export function valueChecks(mappings: readonly ColumnMapping[]): ValueCheck[] {
  return mappings.flatMap((m) => {
    const q = quoteMysql(m.column.name);
    return CHECKS_BY_ENCODER[m.rule.encoder].map((rule) => ({
      column: m.column.name,
      policy: rule.policy,
      code: rule.code,
      reason: rule.reason,
      condition: `(${q} IS NOT NULL AND ${rule.condition(q)})`,
    }));
  });
}

/**
 * Per column, one condition true whenever any of its checks is: which values a policy must judge.
 * A date's two checks are one here: DATE_ADD(d, INTERVAL 0 DAY) is NULL for a zero date and a
 * zero part too (MariaDB 10.11: 0000-00-00, 2024-00-10, 2024-01-00, 0000-01-01 and 2023-02-29
 * all give NULL, 2024-02-29 does not), which saves MySQL four functions per date and row.
 */
export function valueConditionsByColumn(mappings: readonly ColumnMapping[]): Map<string, string> {
  const byColumn = new Map<string, string>();
  for (const m of mappings) {
    const q = quoteMysql(m.column.name);
    const rules = CHECKS_BY_ENCODER[m.rule.encoder];
    const union = rules.includes(IMPOSSIBLE) ? [IMPOSSIBLE] : rules;
    if (union.length > 0)
      byColumn.set(
        m.column.name,
        `(${q} IS NOT NULL AND (${union.map((r) => r.condition(q)).join(' OR ')}))`,
      );
  }
  return byColumn;
}
