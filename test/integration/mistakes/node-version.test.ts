// ferry on a Node.js too old for it (the system Node of many machines): a clear message and exit 2
// before anything runs, instead of "Unknown file extension .ts" when it reaches the TypeScript
// models; and scripts/ferry, the README's way to run it, picks the project's Node and works.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../../src/cli/require-node.js';
import { REPO_ROOT } from '../../support/cli.js';

const run = promisify(execFile);

/** The first node on the original PATH (or in /usr/bin) older than 22.18, if this machine has one. */
function olderNode(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const node = join(dir, 'node');
    if (node === process.execPath || !existsSync(node)) continue;
    try {
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      if (nodeVersionProblem(version)) return node;
    } catch {
      continue;
    }
  }
  return undefined;
}

describe('the Node.js version', () => {
  it('22.18+, 23.6+ and 24+ run ferry; older ones do not', () => {
    for (const ok of ['v22.18.0', '22.20.1', 'v23.6.0', 'v24.0.0', 'v25.1.0'])
      expect(nodeVersionProblem(ok)).toBeUndefined();
    for (const old of ['v20.19.2', 'v22.17.1', 'v22.6.0', 'v23.5.0', 'v18.20.0'])
      expect(nodeVersionProblem(old)).toMatch(/ferry needs Node\.js 22\.18 or later/);
  });

  const node = olderNode();
  it.skipIf(node === undefined)(
    'an older Node gets a clear message and exit 2 before anything runs',
    async () => {
      // A config whose source cannot be reached: had ferry gone on, it would have tried to connect.
      const dir = mkdtempSync(join(tmpdir(), 'ferry-node-'));
      const config = join(dir, 'ferry.yaml');
      writeFileSync(
        config,
        'source: { url: "mysql://u:p@127.0.0.1:1/x" }\ntarget: { url: "postgres://u@127.0.0.1:1/y" }\n',
      );
      const result = await run(
        node!,
        ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), '-c', config, 'models', 'list'],
        {
          cwd: REPO_ROOT,
        },
      ).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(result.stderr).toMatch(
        /^error: ferry needs Node\.js 22\.18 or later .*this is Node 2?\d\.\d+\.\d+/m,
      );
      expect(result.stderr).toMatch(/^hint: install Node\.js 24 .*scripts\/ferry/m);
      expect(result.stderr).not.toMatch(/Unknown file extension|nothing is listening|bug in ferry/);
      expect(result.code).toBe(2);
    },
  );

  it.skipIf(node === undefined)(
    'scripts/ferry runs on the project Node even when an older one comes first on PATH',
    async () => {
      const path = [join(node!, '..'), '/usr/bin', '/bin'].join(delimiter);
      const result = await run(
        join(REPO_ROOT, 'scripts/ferry'),
        ['-c', join(REPO_ROOT, 'ferry.example.yaml'), 'models', 'list'],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, PATH: path },
          timeout: 300_000,
        },
      );
      // The example's TypeScript models load (on the older Node they failed: Unknown file extension ".ts").
      expect(result.stdout).toMatch(/dim_products/);
    },
  );
});
