// Runs a command under GNU time and returns its wall time, CPU seconds and peak resident memory
// (the largest process of the command's tree, from the kernel's rusage).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measurement {
  wallSeconds: number;
  cpuSeconds: number;
  peakMb: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const TIME = '/usr/bin/time';

export async function measure(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-time-'));
  const report = join(dir, 'time.txt');
  try {
    const started = process.hrtime.bigint();
    const { stdout, stderr, code } = await run(
      TIME,
      ['-f', '%e %U %S %M', '-o', report, command, ...args],
      options,
    );
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) {
      throw new Error(
        `${command} ${args.join(' ').slice(0, 200)} exited with ${code}:\n${tail(stderr)}\n${tail(stdout)}`,
      );
    }
    const last = readFileSync(report, 'utf8').trim().split('\n').pop() ?? '';
    const [, user, system, maxKb] = last.split(' ').map(Number);
    return {
      wallSeconds,
      cpuSeconds: (user ?? 0) + (system ?? 0),
      peakMb: (maxKb ?? 0) / 1024,
      stdout,
      stderr,
    };
  } finally {
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
