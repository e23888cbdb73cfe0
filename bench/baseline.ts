// Another commit of ferry, built for the bench's slowdown check (slowdown.ts): the commit's files
// (`git archive`, so the repository gains no worktree entry) in a cache directory outside the
// checkout, with their own `npm ci` and `npm run build`, reused by later runs of the same commit.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './measure.js';

export interface FerryBuild {
  /** The full commit id ("working tree" changes are named in `label`). */
  commit: string;
  /** Short id and subject line, for the report. */
  label: string;
  /** The directory holding dist/cli/main.js and node_modules/. */
  root: string;
}

const BUILT = '.ferry-bench-built';

async function git(args: string[]): Promise<string> {
  const r = await run('git', args);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** "a0ef904 (Spark: one partitionedRead() builds ...)": the short id and the subject, cut. */
async function describe(commit: string): Promise<string> {
  const [short, subject = ''] = (await git(['log', '-1', '--format=%h%n%s', commit])).split('\n');
  return `${short} (${subject.length > 60 ? subject.slice(0, 57) + '...' : subject})`;
}

/** The checkout's own build (the bench builds it first unless FERRY_BENCH_NO_BUILD=1). */
export async function currentBuild(): Promise<FerryBuild> {
  const commit = await git(['rev-parse', 'HEAD']);
  const dirty = (await git(['status', '--porcelain', '--untracked-files=no', '--', 'src'])) !== '';
  return {
    commit,
    label: `${await describe(commit)}${dirty ? ' (with uncommitted changes in src/)' : ''}`,
    root: process.cwd(),
  };
}

/** Builds `ref` (any commit name git knows) once into the cache and returns where it is. */
export async function buildCommit(ref: string, log: (line: string) => void): Promise<FerryBuild> {
  const commit = await git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const cache = process.env.FERRY_CACHE_DIR ?? join(homedir(), '.cache', 'ferry');
  const root = join(cache, 'bench-builds', commit);
  const build: FerryBuild = { commit, label: await describe(commit), root };
  if (existsSync(join(root, BUILT))) return build;
  log(`building ferry at ${build.label} into ${root} (once: git archive, npm ci, npm run build)`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const steps: [string, string[]][] = [
    ['bash', ['-c', `set -o pipefail; git archive --format=tar ${commit} | tar -x -C '${root}'`]],
    ['npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', root]],
    ['npm', ['run', '--silent', '--prefix', root, 'build']],
  ];
  for (const [command, args] of steps) {
    const r = await run(command, args, { cwd: command === 'npm' ? root : process.cwd() });
    if (r.code !== 0) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`building ${build.label}: ${command} ${args.join(' ')} failed:\n${r.stderr.trim()}`);
    }
  }
  writeFileSync(join(root, BUILT), `${commit}\n`);
  return build;
}
