// Loads ferry.yaml: YAML parsing, environment interpolation, FERRY_*_URL overrides, and schema
// validation that reports every problem at once with its place in the file.
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../observability/redact.js';
import { interpolate } from './interpolate.js';
import { configSchema, type FerryConfig } from './schema.js';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
}

export function loadConfigFile(file: string, options: LoadOptions = {}): FerryConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`config file ${file} not found`, [], {
        hint: 'create one with `cp ferry.example.yaml ferry.yaml`, or pass --config FILE',
      });
    }
    throw new ConfigError(`cannot read config file ${file}: ${code ?? String(error)}`);
  }
  return parseConfig(text, file, options);
}

export function parseConfig(text: string, file = 'ferry.yaml', options: LoadOptions = {}): FerryConfig {
  const env = options.env ?? process.env;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
      return `${file}${at ? `:${at.line}:${at.col}` : ''}: ${e.message.split('\n')[0]}`;
    });
    throw new ConfigError(`${file} is not valid YAML`, problems);
  }
  const place = (path: (string | number)[]) => locate(doc, lines, file, path);

  const raw: unknown = doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${file} must be a mapping with source, target and streams`, [
      `${file}: expected keys source, target, streams`,
    ]);
  }
  const { value, problems } = interpolate(raw, env);
  // A connection that FERRY_SOURCE_URL / FERRY_TARGET_URL replaces needs none of its variables.
  const missing = problems.filter((m) => !replacedByOverride(m.path, env));
  if (missing.length > 0) {
    throw new ConfigError(
      `${file} refers to environment variables that are not set`,
      missing.map(
        (m) =>
          `${place(m.path)}${formatPath(m.path)}: environment variable ${m.variable} is not set (use \${${m.variable}:-default} for a default)`,
      ),
    );
  }
  applyUrlOverrides(value as Record<string, unknown>, env);

  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, place));
    throw new ConfigError(
      `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      problems,
      { hint: 'see ferry.example.yaml for a commented example, or ferry.schema.json for every key' },
    );
  }
  registerSecret(parsed.data.source.password);
  registerSecret(parsed.data.target.password);
  return parsed.data;
}

const CONNECTION_PARTS = ['url', 'host', 'port', 'user', 'password', 'database'];
const OVERRIDES = { source: 'FERRY_SOURCE_URL', target: 'FERRY_TARGET_URL' } as const;

function replacedByOverride(path: readonly (string | number)[], env: NodeJS.ProcessEnv): boolean {
  const [section, part] = path;
  const variable = OVERRIDES[section as keyof typeof OVERRIDES] as string | undefined;
  return variable !== undefined && !!env[variable] && CONNECTION_PARTS.includes(String(part));
}

/** FERRY_SOURCE_URL and FERRY_TARGET_URL replace the file's connection (url and its parts). */
function applyUrlOverrides(config: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [key, variable] of Object.entries(OVERRIDES)) {
    const url = env[variable];
    if (!url) continue;
    const current = (config[key] ?? {}) as Record<string, unknown>;
    const rest = Object.entries(current).filter(([part]) => !CONNECTION_PARTS.includes(part));
    config[key] = { ...Object.fromEntries(rest), url };
  }
}

function describeIssue(issue: z.core.$ZodIssue, place: (path: (string | number)[]) => string): string[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const full = [...path, key];
      return `${place(full)}${formatPath(full)}: unknown key${validKeysHint(path)}`;
    });
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return [
      `${place(path)}${formatPath(path)}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
    ];
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return [
      `${place(path)}${formatPath(path)}: required, ${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')}`,
    ];
  }
  return [`${place(path)}${formatPath(path)}: ${issue.message.replace(/^Invalid input: /, '')}`];
}

/** Lists the valid keys at a path of the schema, for "unknown key" messages. */
function validKeysHint(path: (string | number)[]): string {
  let node: SchemaNode | undefined = unwrap(configSchema as unknown as SchemaNode);
  for (const part of path) {
    if (!node) return '';
    node = typeof part === 'number' ? node.element : node.shape?.[part];
    node = node && unwrap(node);
  }
  if (!node?.shape) return '';
  return ` (valid keys: ${Object.keys(node.shape)
    .filter((k) => k !== '$schema')
    .join(', ')})`;
}

/** The parts of a zod schema object that the key lookup walks. */
interface SchemaNode {
  shape?: Record<string, SchemaNode>;
  element?: SchemaNode;
  def?: { innerType?: SchemaNode; in?: SchemaNode };
}

/** Looks through default(), optional() and pipe wrappers to the object or array inside. */
function unwrap(node: SchemaNode): SchemaNode {
  let current = node;
  for (let i = 0; i < 10; i++) {
    const inner = current.def?.innerType ?? current.def?.in;
    if (!inner) break;
    current = inner;
  }
  return current;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(top level)' : out;
}

/** "ferry.yaml:12:5 " for the node at a path, or the file name alone when it is absent. */
function locate(doc: Document, lines: LineCounter, file: string, path: (string | number)[]): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range && (depth === path.length || isMap(node) || isSeq(node))) {
      const { line, col } = lines.linePos(range[0]);
      return `${file}:${line}:${col} `;
    }
  }
  return `${file} `;
}
