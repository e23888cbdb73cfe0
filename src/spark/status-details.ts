// Reads the google.rpc.Status that Spark Connect puts in a failed call's grpc-status-details-bin
// trailer, and the ErrorInfo inside it (reason = exception class; metadata: errorClass, errorId,
// sqlState, classes). Two small messages, so a minimal protobuf wire reader does the job.

export interface ErrorInfo {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

type Field = { number: number; bytes?: Uint8Array; varint?: bigint };

function* fieldsOf(buffer: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buffer.length) throw new RangeError('truncated varint');
      const byte = buffer[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buffer.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wireType = key & 7;
    if (wireType === 0) yield { number, varint: varint() };
    else if (wireType === 2) {
      const length = Number(varint());
      if (pos + length > buffer.length) throw new RangeError('truncated field');
      yield { number, bytes: buffer.subarray(pos, pos + length) };
      pos += length;
    } else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }
}

const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');

function readErrorInfo(buffer: Uint8Array): ErrorInfo {
  const info: ErrorInfo = { reason: '', domain: '', metadata: {} };
  for (const field of fieldsOf(buffer)) {
    if (field.number === 1) info.reason = text(field.bytes);
    else if (field.number === 2) info.domain = text(field.bytes);
    else if (field.number === 3 && field.bytes) {
      let key = '';
      let value = '';
      for (const entry of fieldsOf(field.bytes)) {
        if (entry.number === 1) key = text(entry.bytes);
        else if (entry.number === 2) value = text(entry.bytes);
      }
      info.metadata[key] = value;
    }
  }
  return info;
}

/** The ErrorInfo of a Status trailer, or undefined when there is none (or it cannot be read). */
export function errorInfoOf(statusDetails: Uint8Array | undefined): ErrorInfo | undefined {
  if (!statusDetails) return undefined;
  try {
    for (const field of fieldsOf(statusDetails)) {
      if (field.number !== 3 || !field.bytes) continue; // Status.details: repeated Any
      let typeUrl = '';
      let value: Uint8Array | undefined;
      for (const any of fieldsOf(field.bytes)) {
        if (any.number === 1) typeUrl = text(any.bytes);
        else if (any.number === 2) value = any.bytes;
      }
      if (typeUrl.endsWith('/google.rpc.ErrorInfo') && value) return readErrorInfo(value);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
