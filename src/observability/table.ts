// Terminal tables without lines between rows, so long reports stay readable.
import Table from 'cli-table3';

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

export function compactTable(
  head: string[],
  options: { colWidths?: number[]; wordWrap?: boolean } = {},
): Table.Table {
  return new Table({ head, chars: COMPACT, style: { head: [], border: [] }, ...options });
}
