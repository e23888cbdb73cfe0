// The SELECT list of a Spark copy: one expression per encoder of ferry's type mapping.
import { describe, expect, it } from 'vitest';
import { mapColumn } from '../../../src/schema/type-mapping.js';
import { sparkSelectList } from '../../../src/schema/spark-select-list.js';
import { sourceColumn as column } from '../../support/source-column.js';

describe('sparkSelectList', () => {
  it.each([
    [column('n', 'int', 'int(11)'), 'CAST(`n` AS SIGNED) AS `n`'],
    [
      column('flag', 'tinyint', 'tinyint(1)'),
      "CASE `flag` WHEN 0 THEN 'false' WHEN 1 THEN 'true' ELSE CAST(`flag` AS CHAR CHARACTER SET utf8mb4) END AS `flag`",
    ],
    [
      column('amount', 'decimal', 'decimal(65,30)', { precision: 65, scale: 30 }),
      'CAST(`amount` AS CHAR CHARACTER SET utf8mb4) AS `amount`',
    ],
    [
      column('b', 'bit', 'bit(3)', { precision: 3 }),
      "CAST(LPAD(BIN(`b`), 3, '0') AS CHAR CHARACTER SET utf8mb4) AS `b`",
    ],
    [column('raw', 'blob', 'blob'), '`raw` AS `raw`'],
    [
      column('odd`name', 'varchar', 'varchar(10)', { maxLength: 10 }),
      'CAST(`odd``name` AS CHAR CHARACTER SET utf8mb4) AS `odd``name`',
    ],
  ])('selects %o as %s', (col, expected) => {
    expect(sparkSelectList([mapColumn(col)])).toBe(expected);
  });

  it('turns a SET into a PostgreSQL array literal', () => {
    const list = sparkSelectList([mapColumn(column('tags', 'set', "set('a','b')", { members: ['a', 'b'] }))]);
    expect(list).toMatch(/^CASE WHEN `tags` = '' THEN '\{\}' ELSE CONCAT\('\{"'/);
  });
});
