// Builds the web UI's page (src/web/page) into dist/web/assets: one JavaScript bundle (Preact,
// uPlot and ferry's page code, minified) and one stylesheet. `npm run build` runs it; so do the
// browser tests, so they always drive the page as the source has it.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function buildPage(outdir = `${ROOT}dist/web/assets`): Promise<void> {
  await build({
    entryPoints: [`${ROOT}src/web/page/main.tsx`],
    outdir,
    entryNames: 'app',
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['es2022', 'chrome120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    tsconfig: `${ROOT}src/web/page/tsconfig.json`,
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildPage();
