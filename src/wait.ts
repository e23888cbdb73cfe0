// A pause that ends early when its signal aborts (the scheduler's tick, a stream's backoff): it
// resolves either way, so the caller checks the signal after it.

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
