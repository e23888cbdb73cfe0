// The worker thread's side of table generation: builds the shop model once, then generates the tables
// the main thread asks for as UTF-8 LOAD DATA bytes, never more than a few chunks ahead of the reader.
import { parentPort, workerData } from 'node:worker_threads';
import { buildPools } from './pools.js';
import { GENERATORS, ShopModel } from './shop-data.js';
import type { FromWorker, ToWorker, WorkerInput } from './generator-thread.js';

if (!parentPort) throw new Error('generate-worker.ts runs as a worker thread of generator-thread.ts');
const port = parentPort;
const input = workerData as WorkerInput;
const model = new ShopModel(input.seed, input.scale, buildPools(input.seed));
const encoder = new TextEncoder();

let credits = input.window;
let wake: (() => void) | undefined;

async function generate(table: keyof typeof GENERATORS): Promise<void> {
  for (const chunk of GENERATORS[table](model).rows()) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    // encode() gives the bytes their own ArrayBuffer, so they move to the main thread without a copy
    const bytes = encoder.encode(chunk.text);
    port.postMessage({ kind: 'chunk', bytes, lines: chunk.lines } satisfies FromWorker, [bytes.buffer]);
  }
  port.postMessage({ kind: 'end' } satisfies FromWorker);
}

port.on('message', (message: ToWorker) => {
  if (message.kind === 'ack') {
    credits++;
    const resolve = wake;
    wake = undefined;
    resolve?.();
  } else {
    generate(message.table).catch((error: unknown) => {
      // an exception in a message handler would end the thread; report it to the reader instead
      port.postMessage({
        kind: 'error',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies FromWorker);
    });
  }
});
