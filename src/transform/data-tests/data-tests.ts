// Data tests as SQL: each returns the failing rows (dbt's convention), so a test passes with zero rows.
import { quoteString } from '../engines/sql/sql-dialect.js';
import type { RelationResolver } from '../engines/sql/compile-plan.js';
import { renderWith } from '../engines/transform-engine.js';
import type { DataTest } from '../models/model.js';
import { quotePg } from '../../schema/identifiers.js';

export function testName(test: DataTest): string {
  switch (test.kind) {
    case 'not_null':
    case 'unique':
      return `${test.kind}(${test.column})`;
    case 'accepted_values':
      return `accepted_values(${test.column})`;
    case 'relationships':
      return `relationships(${test.column} -> ${test.to}.${test.field})`;
    case 'sql':
      return test.name;
  }
}

/** A test's SQL; `textType` is the engine's text type (VARCHAR needs a length on Spark). */
export function testSql(
  model: string,
  test: DataTest,
  resolve: RelationResolver,
  textType = 'VARCHAR',
): string {
  const rel = resolve({ kind: 'Ref', model });
  if (test.kind === 'sql') return renderWith(test.sql, resolve);
  const c = quotePg(test.column);
  switch (test.kind) {
    case 'not_null':
      return `SELECT * FROM ${rel} WHERE ${c} IS NULL`;
    case 'unique':
      return `SELECT ${c}, count(*) AS n FROM ${rel} WHERE ${c} IS NOT NULL GROUP BY ${c} HAVING count(*) > 1`;
    case 'accepted_values':
      return `SELECT * FROM ${rel} WHERE ${c} IS NOT NULL AND CAST(${c} AS ${textType}) NOT IN (${test.values
        .map((v) => quoteString(String(v)))
        .join(', ')})`;
    case 'relationships':
      return `SELECT * FROM ${rel} AS child WHERE child.${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${resolve(
        {
          kind: 'Ref',
          model: test.to,
        },
      )} AS parent WHERE parent.${quotePg(test.field)} = child.${c})`;
  }
}
