// The stored form of a quarantined row: its values as read from MySQL, as JSON. Text stays text;
// bytes, and text jsonb cannot hold (NUL), become { base64 }. Replay turns them back into values.
import { type Failure, type SetAsideRow, type SourceRow, describeFailures } from '../schema/row-outcome.js';

export type StoredValue = string | null | { base64: string };

export function storedValue(value: string | Buffer | null): StoredValue {
  if (value === null) return null;
  if (typeof value === 'string')
    return value.includes('\u0000') ? { base64: Buffer.from(value, 'utf8').toString('base64') } : value;
  return { base64: value.toString('base64') };
}

/** Back from the stored form: bytes for binary columns, text otherwise. */
export function valueOf(stored: unknown, binary: boolean): string | Buffer | null {
  if (stored === null || stored === undefined) return null;
  if (typeof stored === 'object' && 'base64' in stored && typeof stored.base64 === 'string') {
    const bytes = Buffer.from(stored.base64, 'base64');
    return binary ? bytes : bytes.toString('utf8');
  }
  if (typeof stored === 'string') return binary ? Buffer.from(stored, 'utf8') : stored;
  // Hand-edited rows may hold numbers or booleans; MySQL would have printed them as text.
  return typeof stored === 'boolean' ? (stored ? '1' : '0') : JSON.stringify(stored);
}

export interface RowShape {
  names: readonly string[];
  primaryKey: readonly string[];
}

export function recordMaker(shape: RowShape) {
  const keyIndexes = shape.primaryKey.map((k) => shape.names.indexOf(k));
  const keyOf = (row: SourceRow): Record<string, StoredValue> | null =>
    keyIndexes.length === 0
      ? null
      : Object.fromEntries(keyIndexes.map((i) => [shape.names[i]!, storedValue(row[i] ?? null)]));
  const rowObject = (row: SourceRow): Record<string, StoredValue> =>
    Object.fromEntries(shape.names.map((n, i) => [n, storedValue(row[i] ?? null)]));
  return {
    keyOf,
    rowObject,
    setAside: (row: SourceRow, failures: Failure[]): SetAsideRow => ({
      primaryKey: keyOf(row),
      row: rowObject(row),
      reason: describeFailures(failures),
      failures,
    }),
  };
}
