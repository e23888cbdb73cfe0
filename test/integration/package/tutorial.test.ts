// docs/tutorial.md, run as a reader runs it: every `$ ` command of its console blocks in one bash
// session, from an empty directory, with the packed ferry installed there (`npm install ferry` is the
// tarball of this checkout) and the files its `<!-- file: -->` / `<!-- append: -->` blocks give
// written where the session stands; each command's standard output is compared in shape (numbers,
// times and column widths aside) with what the page shows, so the page cannot drift from the tool.
// The page's databases `shop` and `warehouse` are this file's own (renamed in the commands and
// files); the servers are the project's, with the page's user and password. ```sh blocks (Docker)
// are shown, not run. FERRY_TUTORIAL_UPDATE=1 writes the real output into the page instead.
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/cli.js';
import { createTestDatabases, type TestDatabases } from '../../support/databases.js';

const PAGE = join(REPO_ROOT, 'docs', 'tutorial.md');
/** Where the page says the reader works (`ferry init` prints it). */
const PAGE_DIR = '/tmp/tutorial';

type Step =
  | { kind: 'run'; command: string; expected: string[]; lines: [number, number] }
  | { kind: 'write'; path: string; text: string; append: boolean };

/** The page's steps in order: commands with the output shown after them, and files to write. */
function stepsOf(page: string): Step[] {
  const lines = page.split('\n');
  const steps: Step[] = [];
  let i = 0;
  while (i < lines.length) {
    const file = /^<!-- (file|append): (\S+) -->$/.exec(lines[i]!);
    if (file) {
      while (!lines[i]!.startsWith('```')) i += 1;
      const end = lines.indexOf('```', i + 1);
      steps.push({
        kind: 'write',
        path: file[2]!,
        text: lines.slice(i + 1, end).join('\n') + '\n',
        append: file[1] === 'append',
      });
      i = end + 1;
      continue;
    }
    if (lines[i] === '```console') {
      const end = lines.indexOf('```', i + 1);
      let step: Extract<Step, { kind: 'run' }> | undefined;
      for (let j = i + 1; j < end; j += 1) {
        const line = lines[j]!;
        if (line.startsWith('$ ')) {
          step = { kind: 'run', command: line.slice(2), expected: [], lines: [j + 1, j + 1] };
          steps.push(step);
        } else if (step) {
          step.expected.push(line);
          step.lines[1] = j + 1;
        }
      }
      i = end + 1;
      continue;
    }
    i += 1;
  }
  return steps;
}

/** A line's shape: numbers, box and rule runs, and spacing made uniform. */
function shape(line: string): string {
  return line.replace(/\d+/g, '0').replace(/─+/g, '─').replace(/-{2,}/g, '--').replace(/\s+/g, ' ').trim();
}

/** Whether the actual lines have the expected shape; a `...` line stands for any lines. */
function sameShape(expected: string[], actual: string[]): boolean {
  const e = expected.map(shape).filter(Boolean);
  const a = actual.map(shape).filter(Boolean);
  const match = (i: number, j: number): boolean => {
    if (i === e.length) return j === a.length;
    if (e[i] === '...') return a.slice(j).some((_, k) => match(i + 1, j + k)) || match(i + 1, a.length);
    return j < a.length && e[i] === a[j] && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/** One bash session: commands run in turn, each with its stdout and exit code. */
class Session {
  private readonly bash: ChildProcessWithoutNullStreams;
  private stdout = '';
  stderr = '';
  private count = 0;

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env });
    this.bash.stdout.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.bash.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  async run(command: string, ms = 120_000): Promise<{ stdout: string; code: number }> {
    const marker = `__tutorial_step_${(this.count += 1)}__`;
    this.stdout = '';
    this.stderr = '';
    // stdin closed for the command (the session's own stdin carries the next commands); its exit
    // code is kept as $? for a following `echo $?`
    this.bash.stdin.write(
      `{ ${command}\n} </dev/null; __rc=$?; printf '\\n${marker} %s\\n' "$__rc"; (exit $__rc)\n`,
    );
    const deadline = Date.now() + ms;
    const done = new RegExp(`\\n${marker} (\\d+)\\n`);
    for (;;) {
      const found = done.exec(this.stdout);
      if (found) return { stdout: this.stdout.slice(0, found.index), code: Number(found[1]) };
      if (Date.now() > deadline || this.bash.exitCode !== null)
        throw new Error(`${command}: no end after ${ms} ms\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.bash.stdin.end();
    this.bash.kill();
  }
}

let db: TestDatabases;
let work: string;
let tarball: string;

beforeAll(async () => {
  db = await createTestDatabases('tutorial');
  work = mkdtempSync(join(tmpdir(), 'ferry-tutorial-'));
  // `make test` builds first; pack what the build made
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
    { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 },
  );
  tarball = join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/tutorial.md', () => {
  it('compares outputs by shape: numbers and column widths aside, never the words', () => {
    const page = ['│ orders │ in sync │ 1000   │', 'run 3 succeeded in 0.2 s'];
    expect(sameShape(page, ['│ orders │ in sync │ 998 │', 'run 12 succeeded in 1.75 s'])).toBe(true);
    expect(sameShape(page, ['│ orders │ DIFFERENT │ 1000 │', 'run 3 succeeded in 0.2 s'])).toBe(false);
    expect(sameShape(page, page.slice(0, 1))).toBe(false);
    expect(sameShape(['first', '...', 'last'], ['first', 'a', 'b', 'last'])).toBe(true);
  });

  it('runs every command of the page, with the output the page shows', async () => {
    const page = readFileSync(PAGE, 'utf8');
    const steps = stepsOf(page);
    expect(steps.filter((s) => s.kind === 'run').length).toBeGreaterThan(20);
    const rename = (text: string) =>
      text
        .replace(/\b(mariadb -u ferry |:3306\/)shop\b/g, `$1${db.name}`)
        .replace(/\b(psql |:5432\/)warehouse\b/g, `$1${db.name}`)
        .replace(/^npm install ferry$/, `npm install --prefer-offline --no-audit --no-fund ${tarball}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // the project's Node first, as the reader's `node` (>= 22.18)
      PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
      NO_COLOR: '1',
    };
    for (const name of Object.keys(env))
      if (/^(FERRY_|MYSQL_|PG)/.test(name) || name === 'npm_config_prefix') delete env[name];
    const session = new Session(work, env);
    const problems: string[] = [];
    const updates: { lines: [number, number]; output: string[] }[] = [];
    try {
      for (const [index, step] of steps.entries()) {
        if (step.kind === 'write') {
          const { stdout: cwd } = await session.run('pwd');
          const path = join(cwd.trim(), step.path);
          (step.append ? appendFileSync : writeFileSync)(path, rename(step.text));
          continue;
        }
        const { stdout, code } = await session.run(rename(step.command));
        const next = steps[index + 1];
        const checked = next?.kind === 'run' && next.command === 'echo $?';
        if (code !== 0 && !checked)
          problems.push(`$ ${step.command}\nexited ${code}:\n${session.stderr.slice(-2000)}`);
        const output = stdout
          .replaceAll(work, PAGE_DIR)
          .replaceAll(db.name, 'shop')
          .split('\n')
          .map((l) => l.trimEnd());
        while (output.at(-1) === '') output.pop();
        updates.push({ lines: step.lines, output });
        if (!sameShape(step.expected, output))
          problems.push(
            `$ ${step.command}\nthe page shows:\n${step.expected.join('\n')}\nferry printed:\n${output.join('\n')}`,
          );
      }
    } finally {
      session.close();
    }
    if (process.env.FERRY_TUTORIAL_UPDATE === '1') {
      const lines = page.split('\n');
      for (const { lines: range, output } of updates.reverse())
        lines.splice(range[0], range[1] - range[0], ...output);
      writeFileSync(PAGE, lines.join('\n'));
      return;
    }
    expect(problems, problems.join('\n\n')).toEqual([]);
  }, 300_000);
});
