// A TCP proxy on loopback between ferry and a real server, for fault tests: it forwards bytes both
// ways and, on the test's word, drops every connection (at once, after a byte count, or when a
// marker passes), stops forwarding while keeping the sockets open, or slows the traffic down.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type Direction = 'toServer' | 'toClient';

interface Pair {
  client: Socket;
  server: Socket;
}

interface Trigger {
  direction: Direction;
  /** Bytes still to forward before the drop (counted over every connection). */
  remaining?: number;
  marker?: Buffer;
  /** With a marker: forward the chunk that holds it before dropping. */
  forwardFirst?: boolean;
  /** drop: reset every connection; stall: stop forwarding, sockets kept open. */
  action: 'drop' | 'stall';
  stall?: StallOptions;
  resolve(): void;
}

export interface StallOptions {
  /** held (default): new connections are accepted and stay silent too; forwarded: they work. */
  newConnections?: 'held' | 'forwarded';
}

export interface TcpProxy {
  host: string;
  port: number;
  /** Bytes forwarded so far, over every connection. */
  readonly forwarded: Record<Direction, number>;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Resets every open connection now; new ones are forwarded as before. */
  dropAll(): void;
  /** Drops every open connection once `bytes` more have passed in `direction`; resolves then. */
  dropAfter(bytes: number, direction: Direction): Promise<void>;
  /** Stops forwarding (as stall()) once `bytes` more have passed in `direction`; resolves then. */
  stallAfter(bytes: number, direction: Direction, options?: StallOptions): Promise<void>;
  /** Drops every open connection when `marker` passes in `direction`; resolves then. */
  dropOn(marker: string, direction: Direction, options?: { forwardFirst?: boolean }): Promise<void>;
  /** Stops forwarding: open connections stay open and silent (and new ones, unless told otherwise). */
  stall(options?: StallOptions): void;
  resume(): void;
  /** Limits each connection to about this many bytes a second each way (undefined: no limit). */
  throttle(bytesPerSecond: number | undefined): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const forwarded: Record<Direction, number> = { toServer: 0, toClient: 0 };
  let accepted = 0;
  let holdNew = false;
  let rate: number | undefined;
  const triggers: Trigger[] = [];

  const dropAll = () => {
    for (const { client, server } of pairs) {
      client.resetAndDestroy();
      server.destroy();
    }
    pairs.clear();
  };

  /** How much of `chunk` passes before a trigger fires, or undefined when none fires. */
  const cut = (chunk: Buffer, direction: Direction): { keep: number; fire: Trigger } | undefined => {
    for (const t of triggers) {
      if (t.direction !== direction) continue;
      if (t.remaining !== undefined && chunk.length >= t.remaining) return { keep: t.remaining, fire: t };
      if (t.marker) {
        const at = chunk.indexOf(t.marker);
        if (at >= 0) return { keep: t.forwardFirst ? chunk.length : at, fire: t };
      }
    }
    return undefined;
  };

  const isSilent = (socket: Socket) => [...silent].some((p) => p.client === socket || p.server === socket);

  const pipe = (from: Socket, to: Socket, direction: Direction) => {
    from.on('data', (chunk: Buffer) => {
      const fired = cut(chunk, direction);
      const part = fired ? chunk.subarray(0, fired.keep) : chunk;
      forwarded[direction] += part.length;
      for (const t of triggers)
        if (t.remaining !== undefined && t.direction === direction) t.remaining -= part.length;
      const flowing = to.write(part);
      if (fired) {
        triggers.splice(triggers.indexOf(fired.fire), 1);
        if (fired.fire.action === 'stall') {
          stall(fired.fire.stall);
          fired.fire.resolve();
          return;
        }
        // Let the kept part reach the kernel before the reset.
        setImmediate(() => {
          dropAll();
          fired.fire.resolve();
        });
        return;
      }
      if (!flowing) {
        from.pause();
        to.once('drain', () => {
          if (!isSilent(from)) from.resume();
        });
      }
      if (rate !== undefined) {
        from.pause();
        setTimeout(
          () => {
            if (!isSilent(from)) from.resume();
          },
          (part.length / rate) * 1000,
        ).unref();
      }
    });
    from.on('error', () => undefined);
    from.on('close', () => to.destroy());
  };

  /** Connections that stay silent until resume(). */
  const silent = new Set<Pair>();
  const stall = (options: StallOptions = {}) => {
    holdNew = (options.newConnections ?? 'held') === 'held';
    for (const pair of pairs) {
      silent.add(pair);
      pair.client.pause();
      pair.server.pause();
    }
  };

  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect(targetPort, targetHost);
    const pair = { client, server: upstream };
    pairs.add(pair);
    client.on('close', () => {
      pairs.delete(pair);
      silent.delete(pair);
    });
    pipe(client, upstream, 'toServer');
    pipe(upstream, client, 'toClient');
    if (holdNew) {
      silent.add(pair);
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    host: '127.0.0.1',
    port,
    forwarded,
    get accepted() {
      return accepted;
    },
    dropAll,
    dropAfter: (bytes, direction) =>
      new Promise((resolve) =>
        triggers.push({ direction, remaining: Math.max(0, bytes), action: 'drop', resolve }),
      ),
    stallAfter: (bytes, direction, options = {}) =>
      new Promise((resolve) =>
        triggers.push({ direction, remaining: Math.max(0, bytes), action: 'stall', stall: options, resolve }),
      ),
    dropOn: (marker, direction, options = {}) =>
      new Promise((resolve) =>
        triggers.push({
          direction,
          marker: Buffer.from(marker),
          forwardFirst: options.forwardFirst ?? false,
          action: 'drop',
          resolve,
        }),
      ),
    stall,
    resume() {
      holdNew = false;
      for (const pair of silent) {
        pair.client.resume();
        pair.server.resume();
      }
      silent.clear();
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
