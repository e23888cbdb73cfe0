#!/usr/bin/env node
// ferry's command-line entry: runs the program of program.ts (commands and global flags) and turns
// errors into exit codes (the table in docs/cli.md: src/errors.ts EXIT).
// First: on a Node.js too old for ferry, say so and exit 2 before anything else loads.
import './require-node.js';
import { CommanderError } from 'commander';
import { ConfigError, EXIT, exitCodeOf, isFerryError, messageOf } from '../errors.js';
import { redact } from '../observability/redact.js';
import { buildProgram } from './program.js';

/** Prints an error for people (message, problems, hint) and returns its exit code. */
export function printError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.success : EXIT.usage;
  if (isFerryError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error instanceof ConfigError)
      for (const problem of error.problems) process.stderr.write(`  ${problem}\n`);
    if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    if (debug && error.stack) process.stderr.write(redact(error.stack) + '\n');
    return error.exitCode;
  }
  process.stderr.write(`error: ${messageOf(error)}\n`);
  process.stderr.write('This is a bug in ferry; please report it with the output of `ferry --debug`.\n');
  if (debug && error instanceof Error && error.stack) process.stderr.write(redact(error.stack) + '\n');
  return EXIT.bug;
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${name}: stopping cleanly (press Ctrl-C again to quit at once)\n`);
    controller.abort(new Error(`interrupted by ${name}`));
    // A clean stop takes seconds; a process that cannot stop (a server not answering) must not hang on.
    setTimeout(() => process.exit(130), 30_000).unref();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Whatever escapes every handler (an error event nobody listens to) is a bug in ferry: exit 70
  // with its message, not Node's default exit 1, which reads as "a stream failed".
  for (const event of ['uncaughtException', 'unhandledRejection'] as const)
    process.on(event, (error: unknown) => process.exit(printError(error, true)));
  const program = buildProgram(controller.signal);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const debug = argv.includes('--debug');
    if (!controller.signal.aborted) return printError(error, debug);
    // Interrupted: 130 wins over whatever the stopping work reported (docs/cli.md, "Exit codes").
    if (isFerryError(error)) return exitCodeOf([EXIT.interrupted, printError(error, debug)]);
    // The cancel reached a driver call mid-flight: what it reports is the interruption itself.
    process.stderr.write(`error: ${messageOf(controller.signal.reason)}; work in progress was rolled back\n`);
    return EXIT.interrupted;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(printError(error, true)),
);
