// Runs a command under GNU time and returns its wall time, CPU seconds (the whole process tree, from
// the kernel's rusage) and peak memory (the summed resident memory of the tree, sampled in /proc).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleTreeMemory, type TreeSampler } from './proc.js';

export interface Measurement {
  wallSeconds: number;
  exitCode: number;
  cpuSeconds: number;
  /** Peak of the tree's summed resident memory, never below the largest single process. */
  peakMb: number;
  /** The largest single process's maximum resident set (GNU time's %M). */
  largestProcessMb: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with the child's process id once it is spawned (under measure(): GNU time's). */
  onSpawn?: (pid: number) => void;
  /** Exit codes that are results, not failures (ferry verify's 1: differences). Default [0]. */
  exitCodes?: number[];
}

const TIME = '/usr/bin/time';

export async function measure(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-time-'));
  const report = join(dir, 'time.txt');
  let sampler: TreeSampler | undefined;
  try {
    const started = process.hrtime.bigint();
    const { stdout, stderr, code } = await run(TIME, ['-f', '%e %U %S %M', '-o', report, command, ...args], {
      ...options,
      // GNU time is the root: its descendants are the tool's processes.
      onSpawn: (pid) => {
        sampler = sampleTreeMemory(pid);
        options.onSpawn?.(pid);
      },
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const treeMb = sampler?.stop() ?? 0;
    if (!(options.exitCodes ?? [0]).includes(code ?? -1)) {
      throw new Error(
        `${command} ${args.join(' ').slice(0, 200)} exited with ${code}:\n${tail(stderr)}\n${tail(stdout)}`,
      );
    }
    const last = readFileSync(report, 'utf8').trim().split('\n').pop() ?? '';
    const [, user, system, maxKb] = last.split(' ').map(Number);
    const largestProcessMb = (maxKb ?? 0) / 1024;
    return {
      wallSeconds,
      exitCode: code ?? -1,
      cpuSeconds: (user ?? 0) + (system ?? 0),
      peakMb: Math.max(treeMb, largestProcessMb),
      largestProcessMb,
      stdout,
      stderr,
    };
  } finally {
    sampler?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function tail(text: string, lines = 20): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Runs a command to completion, collecting its output. */
export function run(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

export const median = (values: number[]): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
