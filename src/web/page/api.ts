// Talking to ferry's server: JSON reads and the POSTs of the actions (same origin, JSON bodies, the
// session cookie sent by the browser), and the one event stream that says the run history changed.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiErrorJson } from '../api-types.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(text.trim() || response.statusText, response.status);
  }
  if (!response.ok) {
    const e = body as ApiErrorJson;
    throw new ApiError(e.error ?? response.statusText, response.status, e.hint);
  }
  return body as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(
    await fetch(path, { headers: { Accept: 'application/json' }, ...(signal ? { signal } : {}) }),
  );
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

type Listener = () => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

/** Calls `listener` whenever the server says the run history changed; returns the unsubscribe. */
export function onHistoryChange(listener: Listener): () => void {
  listeners.add(listener);
  if (!source) {
    source = new EventSource('/api/events');
    let first = true;
    source.addEventListener('history', () => {
      // The first mark only says where the history stands now.
      if (first) first = false;
      else for (const l of listeners) l();
    });
  }
  return () => {
    listeners.delete(listener);
  };
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  reload: () => void;
}

/** Reads a JSON endpoint, again when `path` changes, and (live) whenever the run history changes. */
export function useJson<T>(path: string | null, live = true): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (path === null) return;
    if (shown.current !== path) {
      shown.current = path;
      setData(undefined);
    }
    const abort = new AbortController();
    getJson<T>(path, abort.signal).then(
      (d) => {
        setData(d);
        setError(undefined);
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(String(e), 0));
      },
    );
    return () => abort.abort();
  }, [path, tick]);
  useEffect(() => (live ? onHistoryChange(() => setTick((t) => t + 1)) : undefined), [live]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
