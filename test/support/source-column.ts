// A SourceColumn as introspection would describe it, for unit tests of the type mapping's users.
import type { SourceColumn } from '../../src/schema/source-table.js';

export function sourceColumn(
  name: string,
  dataType: string,
  columnType: string,
  extra: Partial<SourceColumn> = {},
): SourceColumn {
  return {
    name,
    position: 1,
    dataType,
    columnType,
    nullable: true,
    unsigned: columnType.includes('unsigned'),
    maxLength: null,
    precision: null,
    scale: null,
    fsp: null,
    charset: null,
    collation: null,
    members: null,
    generated: false,
    defaultValue: null,
    extra: '',
    comment: '',
    ...extra,
  };
}
