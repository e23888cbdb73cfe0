// Decodes the Arrow IPC streams of ExecutePlan responses into ferry rows. Values keep their exact
// meaning: 64-bit integers as bigint, decimals as exact text, dates as YYYY-MM-DD, timestamps as
// ISO text with microseconds (with Z when Spark's type is a time-zone-aware TIMESTAMP, without
// for TIMESTAMP_NTZ), binary as Buffer, arrays as arrays, maps as Map, structs as objects.
import { SchemaError } from '../errors.js';
import { makeVector, tableFromIPC, TimeUnit, Type, type Data, type DataType } from 'apache-arrow';

export type SparkValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | SparkValue[]
  | Map<SparkValue, SparkValue>
  | { [field: string]: SparkValue };

export type SparkRow = Record<string, SparkValue>;

export interface DecodedBatch {
  columns: string[];
  rows: SparkRow[];
}

const MICROS_PER_SECOND = 1_000_000n;

export class DuplicateColumnError extends SchemaError {
  constructor(name: string, columns: readonly string[]) {
    super(`the result has more than one column named ${name} (columns: ${columns.join(', ')})`, {
      hint: 'give the columns distinct names (alias one of them) before collecting the result',
    });
    this.name = 'DuplicateColumnError';
  }
}

/** Microseconds since the epoch as YYYY-MM-DDTHH:MM:SS.ffffff (UTC). */
export function formatMicros(micros: bigint): string {
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, -5); // drop ".000Z"
  return `${base}.${fraction.toString().padStart(6, '0')}`;
}

/** Days since the epoch as YYYY-MM-DD. */
export function formatDays(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** An unscaled integer and a scale as exact decimal text: (12345n, 2) is "123.45". */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Reads a little-endian two's complement integer of `words` 32-bit words. */
function readWords(values: Uint32Array, start: number, words: number): bigint {
  let result = 0n;
  for (let w = words - 1; w >= 0; w--) result = (result << 32n) | BigInt(values[start + w]!);
  const bits = BigInt(words * 32);
  return result >= 1n << (bits - 1n) ? result - (1n << bits) : result;
}

function timestampMicros(type: DataType, raw: bigint): bigint {
  const unit = (type as unknown as { unit: TimeUnit }).unit;
  if (unit === TimeUnit.SECOND) return raw * MICROS_PER_SECOND;
  if (unit === TimeUnit.MILLISECOND) return raw * 1000n;
  if (unit === TimeUnit.NANOSECOND) return raw / 1000n;
  return raw;
}

/** Every value of one column chunk, in order. */
function columnValues(data: Data): SparkValue[] {
  const length = data.length;
  const out = new Array<SparkValue>(length);
  const valid = (i: number) => data.typeId !== Type.Null && data.getValid(i);
  switch (data.typeId) {
    case Type.Null:
      return out.fill(null);
    case Type.Decimal: {
      const type = data.type as unknown as { scale: number; bitWidth: number };
      const words = type.bitWidth / 32;
      const values = data.values as unknown as Uint32Array;
      for (let i = 0; i < length; i++)
        out[i] = valid(i) ? formatDecimal(readWords(values, i * words, words), type.scale) : null;
      return out;
    }
    case Type.Timestamp: {
      const zoned = Boolean((data.type as unknown as { timezone: string | null }).timezone);
      const values = data.values as unknown as BigInt64Array;
      for (let i = 0; i < length; i++) {
        out[i] = valid(i) ? formatMicros(timestampMicros(data.type, values[i]!)) + (zoned ? 'Z' : '') : null;
      }
      return out;
    }
    case Type.Date: {
      const unit = (data.type as unknown as { unit: number }).unit;
      const values = data.values as unknown as Int32Array | BigInt64Array;
      for (let i = 0; i < length; i++) {
        if (!valid(i)) out[i] = null;
        else
          out[i] =
            unit === 0
              ? formatDays(Number(values[i]))
              : new Date(Number(values[i])).toISOString().slice(0, 10);
      }
      return out;
    }
    case Type.Struct: {
      const type = data.type as unknown as { children: { name: string }[] };
      const children = data.children.map(columnValues);
      for (let i = 0; i < length; i++) {
        if (!valid(i)) {
          out[i] = null;
          continue;
        }
        const row: { [field: string]: SparkValue } = {};
        type.children.forEach((field, c) => (row[field.name] = children[c]![i]!));
        out[i] = row;
      }
      return out;
    }
    case Type.List:
    case Type.Map: {
      const offsets = data.valueOffsets as unknown as Int32Array;
      const child = data.children[0]!;
      const items = columnValues(child);
      for (let i = 0; i < length; i++) {
        if (!valid(i)) {
          out[i] = null;
          continue;
        }
        const slice = items.slice(offsets[i], offsets[i + 1]);
        if (data.typeId === Type.List) out[i] = slice;
        else {
          const [keyField, valueField] = (child.type as unknown as { children: { name: string }[] }).children;
          out[i] = new Map(
            slice.map((entry) => {
              const pair = entry as { [field: string]: SparkValue };
              return [pair[keyField!.name]!, pair[valueField!.name]!] as const;
            }),
          );
        }
      }
      return out;
    }
    default: {
      const vector = makeVector(data);
      for (let i = 0; i < length; i++) {
        if (!valid(i)) {
          out[i] = null;
          continue;
        }
        const value: unknown = vector.get(i);
        out[i] = value instanceof Uint8Array ? Buffer.from(value) : (value as SparkValue);
      }
      return out;
    }
  }
}

/** Decodes one ArrowBatch payload (an IPC stream) into rows keyed by column name. */
export function decodeArrowBatch(payload: Uint8Array): DecodedBatch {
  const table = tableFromIPC(payload);
  const columns = table.schema.fields.map((field) => field.name);
  const duplicate = columns.find((name, i) => columns.indexOf(name) !== i);
  if (duplicate !== undefined) {
    // Rows are keyed by column name: a second column of the same name would overwrite the first.
    throw new DuplicateColumnError(duplicate, columns);
  }
  const rows: SparkRow[] = [];
  for (const batch of table.batches) {
    const values = batch.data.children.map(columnValues);
    for (let r = 0; r < batch.numRows; r++) {
      const row: SparkRow = {};
      for (let c = 0; c < columns.length; c++) row[columns[c]!] = values[c]![r]!;
      rows.push(row);
    }
  }
  return { columns, rows };
}
