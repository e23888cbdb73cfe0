// The layout docs/architecture.md describes, checked on the code: imports point one way down the
// layers (cli -> orchestration -> replication | verify | transform -> quality | spark -> state ->
// connectors -> schema -> errors / observability), no folder imports a folder that imports it back,
// config reaches only the top layers, and the state schema's name is written only in src/state/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Higher layers may import lower ones (and their own); never the other way. */
const LAYER: Record<string, number> = {
  'index.ts': 11,
  cli: 10,
  web: 9,
  orchestration: 8,
  replication: 7,
  verify: 7,
  transform: 7,
  doctor: 7,
  seed: 7,
  init: 7,
  quality: 6,
  spark: 6,
  state: 5,
  config: 4.5,
  connectors: 4,
  schema: 3,
  observability: 1,
  'errors.ts': 1,
  'version.ts': 1,
  'wait.ts': 1,
};

/** config holds the file's schema and the compiled project: only these may import it. */
const CONFIG_USERS = new Set(['cli', 'orchestration', 'config']);
/** The entry points below the orchestrator take the compiled project's parts, by type. */
const PROJECT_TYPE_USERS = new Set(['replication', 'verify', 'transform']);

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const pattern =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (const m of text.matchAll(pattern)) {
    const spec = m[3] ?? m[4]!;
    const target = normalize(join(dirname(file), spec.replace(/\.js$/, '.ts')));
    found.push({ from: relative(SRC, file), to: relative(SRC, target), typeOnly: m[2] !== undefined });
  }
  return found;
}

const top = (path: string) => path.split('/')[0]!;

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf).filter((i) => !i.to.startsWith('..'));

describe('the layers', () => {
  it('every top-level part of src/ has a layer', () => {
    const parts = new Set(files.map((f) => top(relative(SRC, f))));
    expect([...parts].filter((p) => !(p in LAYER))).toEqual([]);
  });

  it('imports never point up a layer', () => {
    const upward = imports.filter((i) => {
      const [a, b] = [top(i.from), top(i.to)];
      if (a === b || b === 'config' || a === 'config') return false;
      return LAYER[b]! > LAYER[a]!;
    });
    expect(upward.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('config is imported by cli and orchestration, and its compiled project by the entry points, by type', () => {
    const wrong = imports.filter((i) => {
      if (top(i.to) !== 'config' || CONFIG_USERS.has(top(i.from))) return false;
      return !(PROJECT_TYPE_USERS.has(top(i.from)) && i.typeOnly && i.to === 'config/project.ts');
    });
    expect(wrong.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('config imports nothing above the connection specs', () => {
    const wrong = imports.filter(
      (i) => top(i.from) === 'config' && top(i.to) !== 'config' && LAYER[top(i.to)]! > LAYER.connectors!,
    );
    expect(wrong.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('no folder of src/ imports a folder that imports it back', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports) {
      const [a, b] = [top(i.from), top(i.to)];
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a)!.add(b);
    }
    const cycles: string[] = [];
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
      if (from === to) return true;
      if (seen.has(from)) return false;
      seen.add(from);
      return [...(edges.get(from) ?? [])].some((next) => reaches(next, to, seen));
    };
    for (const [a, targets] of edges)
      for (const b of targets) if (a < b && reaches(b, a)) cycles.push(`${a} <-> ${b}`);
    expect(cycles).toEqual([]);
  });
});

describe("ferry's own names", () => {
  it('the state schema is named only inside src/state/', () => {
    const named = files
      .filter((f) => !relative(SRC, f).startsWith('state/') && relative(SRC, f) !== 'schema/identifiers.ts')
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, n) => ({ where: `${relative(SRC, f)}:${n + 1}`, line }))
          .filter(({ line }) => /["'`.\s(]_ferry(?![_a-z])/.test(line) && !/^\s*(\/\/|\/\*|\*)/.test(line)),
      );
    expect(named.map((n) => `${n.where}: ${n.line.trim()}`)).toEqual([]);
  });

  it('names ferry puts into user schemas are defined once, in schema/identifiers.ts', () => {
    const spelled = files
      .filter((f) => relative(SRC, f) !== 'schema/identifiers.ts')
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, n) => ({ where: `${relative(SRC, f)}:${n + 1}`, line }))
          .filter(
            ({ line }) =>
              /_ferry_(stage|spark|new|delta|synced_at|deleted_at)\b/.test(line) &&
              !/^\s*(\/\/|\/\*|\*)/.test(line),
          ),
      );
    expect(spelled.map((n) => `${n.where}: ${n.line.trim()}`)).toEqual([]);
  });
});
