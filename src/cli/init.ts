// `ferry init [dir]`: scaffold a project of the user's own (ferry.yaml, models/, package.json, .gitignore).
import type { Command } from 'commander';
import { scaffoldProject, type ScaffoldResult } from '../init/scaffold.js';
import { version } from '../version.js';
import type { Register } from './context.js';
import { printJson } from './output.js';

export const registerInit: Register = (program: Command) => {
  program
    .command('init [directory]')
    .description(
      'scaffold a project: ferry.yaml, models/ with a SQL and a DataFrame model, package.json, .gitignore',
    )
    .option('--force', 'overwrite ferry.yaml, the example models and tsconfig.json when they exist')
    .option('--json', 'print what was written as JSON')
    .action((directory: string | undefined, flags: { force?: boolean; json?: boolean }) => {
      const result = scaffoldProject({
        directory: directory ?? '.',
        force: flags.force === true,
        ferryRange: `^${version}`,
      });
      if (flags.json) printJson({ ...result, next: nextSteps(result, directory) });
      else process.stdout.write(renderInit(result, directory) + '\n');
    });
};

function nextSteps(result: ScaffoldResult, directory: string | undefined): string[] {
  return [
    ...(directory && directory !== '.' ? [`cd ${directory}`] : []),
    ...(result.installNeeded ? ['npm install'] : []),
    'set source.url and target.url in ferry.yaml (or FERRY_SOURCE_URL and FERRY_TARGET_URL)',
    'npx ferry doctor',
    'npx ferry sync',
    'npx ferry transform',
  ];
}

function renderInit(result: ScaffoldResult, directory: string | undefined): string {
  const lines = result.files.map(
    (f) => `${f.action.padEnd(11)} ${f.path}${f.added ? ` (added ${f.added.join(', ')})` : ''}`,
  );
  return [
    `ferry project in ${result.directory}:`,
    ...lines.map((l) => `  ${l}`),
    'next:',
    ...nextSteps(result, directory).map((s) => `  ${s}`),
  ].join('\n');
}
