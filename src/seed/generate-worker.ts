// The worker thread's side of table generation: takes the shop model's pools and facts, then generates
// the tables the main thread asks for as UTF-8 LOAD DATA bytes, never more than a few chunks ahead of the reader.
import { parentPort, workerData } from 'node:worker_threads';
import { GENERATORS, ShopModel } from './shop-data.js';
import type { FromWorker, ModelInput, ToWorker } from './generator-thread.js';

if (!parentPort) throw new Error('generate-worker.ts runs as a worker thread of generator-thread.ts');
const port = parentPort;
const encoder = new TextEncoder();
let model: ShopModel | undefined;
let credits = (workerData as { window: number }).window;
let wake: (() => void) | undefined;

async function generate(table: keyof typeof GENERATORS): Promise<void> {
  if (!model) throw new Error('asked for a table before the model');
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
  if (message.kind === 'model') {
    const input: ModelInput = message.model;
    model = new ShopModel(input.seed, input.scale, input.pools, input.facts);
  } else if (message.kind === 'ack') {
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
