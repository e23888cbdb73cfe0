// Generates the shop's tables on a worker thread, so the CPU work of making rows runs on another core
// while the main thread streams them to MySQL. Credits bound the chunks in flight: memory stays flat.
import { Worker } from 'node:worker_threads';
import type { Pools } from './pools.js';
import type { ShopFacts } from './shop-data.js';
import type { ShopTable } from './shop-schema.js';

/** Drawn once in the main thread and copied to each worker (cheaper than every worker drawing them). */
export interface ModelInput {
  seed: number;
  scale: number;
  pools: Pools;
  facts: ShopFacts;
}
export type ToWorker =
  { kind: 'model'; model: ModelInput } | { kind: 'generate'; table: ShopTable } | { kind: 'ack' };
export type FromWorker =
  { kind: 'chunk'; bytes: Uint8Array; lines: number } | { kind: 'end' } | { kind: 'error'; message: string };

export interface ByteChunk {
  bytes: Uint8Array;
  lines: number;
}

/** Where the worker's code is: the .ts source under tsx or vitest, the compiled .js in dist/. */
function workerEntry(): { url: URL; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './generate-worker.ts' : './generate-worker.js', import.meta.url);
  // From source, the worker needs tsx's loader to resolve the `.js` imports to `.ts` files.
  return {
    url,
    execArgv: fromSource ? [...process.execArgv, '--import', import.meta.resolve('tsx')] : process.execArgv,
  };
}

export class GeneratorThread {
  private readonly worker: Worker;
  private failure: Error | undefined;
  private readonly inbox: FromWorker[] = [];
  private notify: (() => void) | undefined;

  /** Starts the thread; it loads its code while the caller prepares the model. */
  constructor(window = 4) {
    const { url, execArgv } = workerEntry();
    // window: the chunks the worker may send before the reader has taken them
    this.worker = new Worker(url, { workerData: { window }, execArgv });
    this.worker.on('message', (message: FromWorker) => {
      this.inbox.push(message);
      this.wake();
    });
    this.worker.on('error', (error) => {
      this.failure ??= error;
      this.wake();
    });
    this.worker.on('exit', (code) => {
      this.failure ??= new Error(`the seed generator thread stopped (exit code ${code})`);
      this.wake();
    });
  }

  private wake(): void {
    const resolve = this.notify;
    this.notify = undefined;
    resolve?.();
  }

  start(model: ModelInput): void {
    this.worker.postMessage({ kind: 'model', model } satisfies ToWorker);
  }

  /** The table's LOAD DATA bytes, chunk by chunk. One table at a time per thread. */
  async *rows(table: ShopTable): AsyncGenerator<ByteChunk> {
    if (this.failure) throw this.failure;
    this.worker.postMessage({ kind: 'generate', table } satisfies ToWorker);
    for (;;) {
      while (this.inbox.length === 0 && !this.failure)
        await new Promise<void>((resolve) => (this.notify = resolve));
      const message = this.inbox.shift();
      if (!message) throw this.failure!;
      if (message.kind === 'end') return;
      if (message.kind === 'error') throw new Error(`generating ${table} failed: ${message.message}`);
      yield message;
      this.worker.postMessage({ kind: 'ack' } satisfies ToWorker);
    }
  }

  /** Stops the thread; a reader still waiting gets an error. */
  async close(): Promise<void> {
    this.failure ??= new Error('the seed generator thread was closed');
    this.wake();
    await this.worker.terminate();
  }
}
