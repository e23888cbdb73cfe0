// The reference docs cannot drift from the code: every key of the config schema (ferry.schema.json,
// generated from the code) is described in docs/configuration.md, in the section of the nearest
// enclosing key that has one; every option of every command (read from the real commander program)
// is in docs/cli.md, in its command's section; and ferry seed --help gives the row count docs/seed.md
// gives.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Section {
  heading: string;
  text: string;
}

/** Each heading of a markdown file with its text up to the next heading of the same or a higher level. */
function sections(markdown: string): Section[] {
  const lines = markdown.split('\n');
  const out: Section[] = [];
  const levelOf = (line: string) => /^(#+) /.exec(line)?.[1]?.length ?? 0;
  lines.forEach((line, i) => {
    const level = levelOf(line);
    if (!level) return;
    let end = i + 1;
    while (end < lines.length && !(levelOf(lines[end]!) > 0 && levelOf(lines[end]!) <= level)) end++;
    out.push({ heading: line, text: lines.slice(i, end).join('\n') });
  });
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a code span of the text names the key (`key`, `a.key`, `key: value`, `key` in a list). */
function namesKey(text: string, key: string): boolean {
  const word = new RegExp(`(^|[^\\w$-])${escape(key)}($|[^\\w-])`);
  return [...text.matchAll(/`([^`\n]+)`/g)].some((m) => word.test(m[1]!));
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  [other: string]: unknown;
}

/** Every property of the schema with the keys enclosing it, e.g. [pipelines, tasks, kind]. */
function schemaKeys(node: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const n of node) schemaKeys(n, path, out);
    return out;
  }
  const schema = node as SchemaNode;
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    const p = [...path, key];
    if (!out.some((o) => o.join('.') === p.join('.'))) out.push(p);
    schemaKeys(value, p, out);
  }
  for (const [key, value] of Object.entries(schema)) if (key !== 'properties') schemaKeys(value, path, out);
  return out;
}

describe('docs/configuration.md', () => {
  const doc = read('docs/configuration.md');
  const parts = sections(doc);
  const keys = schemaKeys(JSON.parse(read('ferry.schema.json')));

  it('reads the schema', () => {
    expect(keys.length).toBeGreaterThan(90);
    expect(keys.map((k) => k.join('.'))).toContain('sync.parallel_chunks');
  });

  /** Keys that several objects of the schema have (defaults: and pipelines.*.defaults:): no heading of theirs. */
  const objects = keys.filter((k) =>
    keys.some((o) => o.length > k.length && o.join('.').startsWith(`${k.join('.')}.`)),
  );
  const ambiguous = (key: string) => objects.filter((o) => o.at(-1) === key).length > 1;

  it('describes every key of ferry.schema.json where its enclosing key is described', () => {
    const missing = keys.filter((path) => {
      const key = path.at(-1)!;
      // The nearest enclosing key with a heading of its own (`sync`, `checks`), else the whole file.
      const scope =
        path
          .slice(0, -1)
          .reverse()
          .filter((k) => !ambiguous(k))
          .map((k) => parts.find((s) => s.heading.includes(`\`${k}\``)))
          .find(Boolean)?.text ?? doc;
      return !namesKey(scope, key);
    });
    expect(missing.map((p) => p.join('.'))).toEqual([]);
  });

  it('says that columns naming what the table lacks are an error', () => {
    const row = doc.split('\n').find((l) => l.startsWith('| `columns`'))!;
    expect(row).not.toMatch(/ignored/);
    expect(row).toMatch(/error/);
  });
});

/** Every command of the program (subcommands too) with its path, e.g. [quarantine, list]. */
function commands(program: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return program.commands.flatMap((c) => [
    { path: [...path, c.name()], command: c },
    ...commands(c, [...path, c.name()]),
  ]);
}

describe('docs/cli.md', () => {
  const doc = read('docs/cli.md');
  const parts = sections(doc);
  const all = commands(buildProgram(new AbortController().signal));
  const sectionOf = (name: string) =>
    parts.find((s) => /^## /.test(s.heading) && new RegExp(`ferry ${escape(name)}\\b`).test(s.heading));

  it('reads the program', () => {
    expect(all.map((c) => c.path.join(' '))).toEqual(expect.arrayContaining(['sync', 'quarantine list']));
  });

  it('has a section for every command', () => {
    const without = [...new Set(all.map((c) => c.path[0]!))].filter((name) => !sectionOf(name));
    expect(without).toEqual([]);
  });

  it("describes every option of every command in the command's section", () => {
    const missing = all.flatMap(({ path, command }) => {
      const text = sectionOf(path[0]!)?.text ?? '';
      return command.options
        .map((o) => o.long ?? o.short!)
        .filter((flag) => !new RegExp(`${escape(flag)}(?![\\w-])`).test(text))
        .map((flag) => `ferry ${path.join(' ')} ${flag}`);
    });
    expect(missing).toEqual([]);
  });

  it('describes every global option', () => {
    const program = buildProgram(new AbortController().signal);
    const global = program.options.map((o) => o.long!).filter((f) => !doc.includes(f));
    expect(global).toEqual([]);
  });
});

describe('ferry seed', () => {
  it('--help gives the row count of docs/seed.md', () => {
    const seed = buildProgram(new AbortController().signal).commands.find((c) => c.name() === 'seed')!;
    const help = seed.helpInformation();
    const rows = (text: string) => /about ([\d,]+) rows/.exec(text)?.[1];
    expect(rows(help)).toBeDefined();
    expect(rows(help)).toBe(rows(read('docs/seed.md')));
    expect(rows(help)).toBe(rows(read('docs/cli.md')));
  });
});
