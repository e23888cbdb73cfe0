// The page's built files (npm run build writes them to dist/web/assets/, shipped in the package) and
// the HTML that loads them. Running from source (tsx), the build's output in dist/ is used.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const CANDIDATES = [
  new URL('./assets/', import.meta.url),
  new URL('../../dist/web/assets/', import.meta.url),
];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface Asset {
  body: Buffer;
  type: string;
}

export interface PageAssets {
  /** Where they were found, or undefined when the page is not built. */
  readonly dir: string | undefined;
  /** The HTML shell of every page, or undefined when the page is not built. */
  readonly html: string | undefined;
  file(name: string): Asset | undefined;
}

export function loadAssets(dir?: string): PageAssets {
  const found = dir ?? CANDIDATES.map((u) => fileURLToPath(u)).find((d) => existsSync(`${d}app.js`));
  if (!found) return { dir: undefined, html: undefined, file: () => undefined };
  const files = new Map<string, Asset>();
  const read = (name: string): Asset | undefined => {
    if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name) || !(extname(name) in TYPES)) return undefined;
    const cached = files.get(name);
    if (cached) return cached;
    const path = `${found.endsWith('/') ? found : `${found}/`}${name}`;
    if (!existsSync(path)) return undefined;
    const asset = { body: readFileSync(path), type: TYPES[extname(name)]! };
    files.set(name, asset);
    return asset;
  };
  const stamp = (name: string) =>
    createHash('sha256')
      .update(read(name)?.body ?? '')
      .digest('hex')
      .slice(0, 12);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ferry</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css?v=${stamp('app.css')}">
<script type="module" src="/assets/app.js?v=${stamp('app.js')}"></script>
</head><body><div id="app"></div><noscript>ferry's UI needs JavaScript.</noscript></body></html>`;
  return { dir: found, html, file: read };
}
