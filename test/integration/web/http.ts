// Plain HTTP requests to the UI for its tests: any headers (a forged Host, a foreign Origin), the
// whole answer, and the first events of an event stream.
import { request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function http(url: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} in 30 s`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export async function json<T>(url: string, options: RequestOptions = {}): Promise<T> {
  const answer = await http(url, { ...options, headers: { Accept: 'application/json', ...options.headers } });
  if (answer.status !== 200) throw new Error(`${url}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body) as T;
}

export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads an event stream until `count` events came, the stream ended, or the time is up; returns the
 * status and the events (a refused stream answers at once with its status and no events).
 */
export function events(
  url: string,
  options: { count: number; timeoutMs?: number; headers?: Record<string, string> },
): Promise<{ status: number; events: ServerEvent[] }> {
  return new Promise((resolve, reject) => {
    const found: ServerEvent[] = [];
    const req = request(url, { headers: { Accept: 'text/event-stream', ...options.headers } }, (res) => {
      let buffer = '';
      const done = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, events: found });
      };
      const timer = setTimeout(done, options.timeoutMs ?? 20_000);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: ServerEvent = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'event') e.event = value;
            else if (field === 'data') e.data += value;
            else if (field === 'id') e.id = value;
          }
          found.push(e);
          if (found.length >= options.count) return done();
        }
      });
      res.on('end', done);
    });
    req.on('error', (error) => (found.length > 0 ? resolve({ status: 200, events: found }) : reject(error)));
    req.end();
  });
}
