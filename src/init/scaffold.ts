// `ferry init`'s work: a project of the user's own from the files in templates/ (ferry.yaml, a SQL and
// a DataFrame model with their tests, tsconfig.json), a package.json that depends on ferry and a
// .gitignore. Files that exist are refused as a whole, before anything is written (or overwritten
// with force); an existing package.json or .gitignore is only added to, never replaced.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, messageOf } from '../errors.js';

const TEMPLATES = fileURLToPath(new URL('./templates/', import.meta.url));

/** Files copied as they are: project path -> template path. */
const COPIED: readonly [string, string][] = [
  ['ferry.yaml', 'ferry.yaml'],
  ['models/paid_orders.sql', 'models/paid_orders.sql'],
  ['models/customer_revenue.ts', 'models/customer_revenue.ts'],
  ['models/schema.yml', 'models/schema.yml'],
  ['tsconfig.json', 'tsconfig.json'],
];

export interface ScaffoldOptions {
  directory: string;
  /** Overwrite the copied files that exist. */
  force: boolean;
  /** The version range the new package.json asks for, e.g. ^0.1.0. */
  ferryRange: string;
}

export interface ScaffoldedFile {
  path: string;
  action: 'created' | 'overwritten' | 'updated' | 'unchanged';
  /** What an update added. */
  added?: string[];
}

export interface ScaffoldResult {
  directory: string;
  files: ScaffoldedFile[];
  /** The package.json's dependencies changed: `npm install` next. */
  installNeeded: boolean;
}

interface PendingWrite {
  file: ScaffoldedFile;
  text: string;
}

export function scaffoldProject(options: ScaffoldOptions): ScaffoldResult {
  const root = resolve(options.directory);
  const at = (path: string) => join(root, path);
  const writes: PendingWrite[] = [];
  const existing = COPIED.filter(([path]) => existsSync(at(path))).map(([path]) => path);
  if (existing.length > 0 && !options.force)
    throw new ConfigError(
      `ferry init: ${existing.length === 1 ? 'a file exists' : 'files exist'} in ${root}: ${existing.join(', ')}; nothing was written`,
      [],
      {
        hint: 'ferry init --force overwrites them (package.json and .gitignore are only ever added to), or init another directory: ferry init <dir>',
      },
    );
  for (const [path, template] of COPIED)
    writes.push({
      file: { path, action: existing.includes(path) ? 'overwritten' : 'created' },
      text: readFileSync(join(TEMPLATES, template), 'utf8'),
    });

  const manifest = packageJson(at('package.json'), basename(root), options.ferryRange);
  if (manifest.write) writes.push(manifest.write);
  else writes.push({ file: { path: 'package.json', action: 'unchanged' }, text: '' });
  // .ts models are ES modules: a package that is not "type": "module" gets one for the models folder.
  if (!manifest.esm && !existsSync(at('models/package.json')))
    writes.push({ file: { path: 'models/package.json', action: 'created' }, text: '{ "type": "module" }\n' });
  writes.push(gitignore(at('.gitignore')));

  for (const { file, text } of writes) {
    if (file.action === 'unchanged') continue;
    mkdirSync(dirname(at(file.path)), { recursive: true });
    writeFileSync(at(file.path), text);
  }
  return {
    directory: root,
    files: writes.map((w) => w.file),
    installNeeded: manifest.write !== undefined && manifest.dependencyAdded,
  };
}

/** The project's package.json: a new one, or the user's with ferry added to its dependencies. */
function packageJson(
  file: string,
  folderName: string,
  range: string,
): { write?: PendingWrite; esm: boolean; dependencyAdded: boolean } {
  if (!existsSync(file)) {
    const created = {
      name: packageName(folderName),
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: {
        doctor: 'ferry doctor',
        sync: 'ferry sync',
        transform: 'ferry transform',
        verify: 'ferry verify',
      },
      dependencies: { ferry: range },
      engines: { node: '>=22.18' },
    };
    return {
      write: {
        file: { path: 'package.json', action: 'created' },
        text: JSON.stringify(created, null, 2) + '\n',
      },
      esm: true,
      dependencyAdded: true,
    };
  }
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(
      `ferry init: ${file} is not valid JSON: ${messageOf(error)}; nothing was written`,
      [],
      {
        hint: 'fix package.json (or move it away) and run ferry init again',
      },
    );
  }
  const esm = manifest.type === 'module';
  const dependencies = (manifest.dependencies ?? {}) as Record<string, string>;
  const devDependencies = (manifest.devDependencies ?? {}) as Record<string, string>;
  if ('ferry' in dependencies || 'ferry' in devDependencies) return { esm, dependencyAdded: false };
  manifest.dependencies = { ...dependencies, ferry: range };
  return {
    write: {
      file: { path: 'package.json', action: 'updated', added: [`dependencies.ferry ${range}`] },
      text: JSON.stringify(manifest, null, 2) + '\n',
    },
    esm,
    dependencyAdded: true,
  };
}

/** A new .gitignore, or the lines of ferry's that the user's lacks, appended. */
function gitignore(file: string): PendingWrite {
  const template = readFileSync(join(TEMPLATES, 'gitignore'), 'utf8');
  if (!existsSync(file)) return { file: { path: '.gitignore', action: 'created' }, text: template };
  const current = readFileSync(file, 'utf8');
  const have = new Set(current.split('\n').map((l) => l.trim()));
  const missing = template
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#') && !have.has(l.trim()));
  if (missing.length === 0) return { file: { path: '.gitignore', action: 'unchanged' }, text: '' };
  return {
    file: { path: '.gitignore', action: 'updated', added: missing },
    text: `${current}${current.endsWith('\n') || current === '' ? '' : '\n'}# ferry\n${missing.join('\n')}\n`,
  };
}

/** npm's rules for a package name: lowercase, URL-safe, not starting with . or _. */
function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 214);
  return name || 'ferry-project';
}
