// Runs the ferry command line from source in a child process, as a user would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Modules Node loads before ferry (--import), after tsx. */
  preload?: string[];
}

const nodeArgs = (options: CliOptions) => [
  '--import',
  'tsx',
  ...(options.preload ?? []).flatMap((p) => ['--import', p]),
  MAIN,
];

function environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_LOG_FORMAT: 'json', NO_COLOR: '1', ...extra };
  // Tests pass connections explicitly; an override from the developer's shell must not leak in.
  if (!('FERRY_SOURCE_URL' in extra)) delete env.FERRY_SOURCE_URL;
  if (!('FERRY_TARGET_URL' in extra)) delete env.FERRY_TARGET_URL;
  return env;
}

export function runFerry(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs(options), ...args],
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: environment(options.env),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts ferry without waiting for it (for kill tests). */
export function spawnFerry(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [...nodeArgs(options), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: environment(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
