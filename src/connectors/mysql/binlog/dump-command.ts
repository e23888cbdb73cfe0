// The replication commands on a mysql2 connection: COM_REGISTER_SLAVE (so the server lists ferry
// in SHOW SLAVE HOSTS) and COM_BINLOG_DUMP / COM_BINLOG_DUMP_GTID, whose answer is an endless
// stream of packets, each an OK byte and one binlog event. mysql2 does the handshake, TLS and packet
// framing; these commands hand each event's bytes to a callback, as read-packets.ts does for rows.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface Packet {
  buffer: Buffer;
  offset: number;
  end: number;
}

interface CoreConnection {
  writePacket(packet: { length(): number; writeHeader(sequenceId: number): void; buffer: Buffer }): void;
}

type State = (packet: Packet | undefined, connection: CoreConnection) => State | null;

// mysql2's base Command: it resets the sequence id, turns error packets into 'error' events, and
// calls the current state method for every packet. Its package exports do not list it.
const require = createRequire(import.meta.url);
const Command = require(
  join(dirname(require.resolve('mysql2')), 'lib', 'commands', 'command.js'),
) as new () => {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
};

/** A command packet: 4 header bytes (length, sequence id) that mysql2 fills in, then the payload. */
class RawPacket {
  readonly buffer: Buffer;
  constructor(payload: Buffer) {
    this.buffer = Buffer.concat([Buffer.alloc(4), payload]);
  }
  length(): number {
    return this.buffer.length;
  }
  writeHeader(sequenceId: number): void {
    this.buffer.writeUIntLE(this.buffer.length - 4, 0, 3);
    this.buffer[3] = sequenceId;
  }
}

const COM_BINLOG_DUMP = 0x12;
const COM_REGISTER_SLAVE = 0x15;
const COM_BINLOG_DUMP_GTID = 0x1e;

/** Sends one command and waits for its OK packet. */
export class RegisterReplica extends Command {
  constructor(private readonly payload: Buffer) {
    super();
  }
  start: State = (_packet, connection) => {
    connection.writePacket(new RawPacket(this.payload));
    return this.ok;
  };
  ok: State = () => null;
}

/** COM_REGISTER_SLAVE: server id, report host, user, password, port, rank, master id. */
export function registerPayload(serverId: number, host: string): Buffer {
  const name = Buffer.from(host.slice(0, 60), 'utf8');
  const out = Buffer.alloc(1 + 4 + 1 + name.length + 1 + 1 + 2 + 4 + 4);
  let at = out.writeUInt8(COM_REGISTER_SLAVE, 0);
  at = out.writeUInt32LE(serverId, at);
  at = out.writeUInt8(name.length, at);
  at += name.copy(out, at);
  at = out.writeUInt8(0, at); // user
  at = out.writeUInt8(0, at); // password
  at = out.writeUInt16LE(0, at); // port
  at = out.writeUInt32LE(0, at); // replication rank
  out.writeUInt32LE(0, at); // master id
  return out;
}

/** COM_BINLOG_DUMP: position (4 bytes), flags, server id, file name (MariaDB also takes GTIDs this way). */
export function dumpPayload(serverId: number, file: string, position: number): Buffer {
  const name = Buffer.from(file, 'utf8');
  const out = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
  let at = out.writeUInt8(COM_BINLOG_DUMP, 0);
  at = out.writeUInt32LE(position, at);
  at = out.writeUInt16LE(0, at); // flags: block and wait for new events
  at = out.writeUInt32LE(serverId, at);
  name.copy(out, at);
  return out;
}

/** COM_BINLOG_DUMP_GTID (MySQL): flags, server id, file name, position (8 bytes), the encoded GTID set. */
export function dumpGtidPayload(serverId: number, gtidSet: Buffer): Buffer {
  const out = Buffer.alloc(1 + 2 + 4 + 4 + 8 + 4 + gtidSet.length);
  let at = out.writeUInt8(COM_BINLOG_DUMP_GTID, 0);
  at = out.writeUInt16LE(0, at); // flags: block; the server reads the GTID set whatever they say
  at = out.writeUInt32LE(serverId, at);
  at = out.writeUInt32LE(0, at); // no file name: the server finds the first file the set does not cover
  at = out.writeBigUInt64LE(4n, at);
  at = out.writeUInt32LE(gtidSet.length, at);
  gtidSet.copy(out, at);
  return out;
}

export interface DumpHandlers {
  /** One binlog event in buf[start, end). The buffer stays valid after the call. */
  event(buf: Buffer, start: number, end: number): void;
  /** The server ended the stream (it only does for non-blocking dumps, or when it shuts down). */
  end(): void;
}

export class BinlogDump extends Command {
  constructor(
    private readonly payload: Buffer,
    private readonly handlers: DumpHandlers,
  ) {
    super();
  }
  start: State = (_packet, connection) => {
    connection.writePacket(new RawPacket(this.payload));
    return this.stream;
  };
  stream: State = (packet) => {
    if (!packet) return this.stream;
    const first = packet.buffer[packet.offset];
    if (first === 0xfe && packet.end - packet.offset < 9) {
      this.handlers.end();
      return null;
    }
    this.handlers.event(packet.buffer, packet.offset + 1, packet.end);
    return this.stream;
  };
}
