// `ferry ui`: serve the web UI alone (a machine that only watches; its actions queue work for the
// workers elsewhere). Also the UI flags and start-up `ferry server` shares.
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../observability/redact.js';
import type { Orchestrator } from '../orchestration/orchestrator.js';
import { checkBinding } from '../web/security/binding.js';
import type { UiServer } from '../web/server.js';
import type { CommandContext, Register } from './context.js';
import { wholeNumber } from './number-flags.js';

export interface UiFlags {
  host?: string;
  port?: number;
}

export const withUiFlags = (command: Command): Command =>
  command
    .option('--host <address>', 'address the web UI listens on (default ui.host, 127.0.0.1)')
    .option(
      '--port <port>',
      'port of the web UI (default ui.port, 8680; 0 for any free port)',
      wholeNumber(0, 65535),
    );

export interface UiBinding {
  host: string;
  port: number;
  token: string | undefined;
  allowedHosts: readonly string[];
}

/**
 * Where and for whom the UI serves: ferry.yaml's ui section, the flags over it, FERRY_UI_TOKEN over
 * ui.token. Checked before anything connects: off loopback without a token is refused.
 */
export function uiBinding(ctx: CommandContext, flags: UiFlags): UiBinding {
  const settings = ctx.config().ui;
  const token = process.env.FERRY_UI_TOKEN || settings.token;
  const binding = {
    host: flags.host ?? settings.host,
    port: flags.port ?? settings.port,
    token,
    allowedHosts: settings.allowed_hosts,
  };
  if (!Number.isInteger(binding.port) || binding.port < 0 || binding.port > 65535)
    throw new ConfigError(`--port ${flags.port}: expected a port number from 0 to 65535`);
  checkBinding(binding);
  registerSecret(token);
  return binding;
}

/** Starts the UI and prints its address. */
export async function startUi(
  ctx: CommandContext,
  orch: Orchestrator,
  binding: UiBinding,
): Promise<UiServer> {
  const { startUiServer } = await import('../web/server.js');
  const server = await startUiServer({ ...binding, orch, logger: ctx.logger, signal: ctx.signal });
  process.stdout.write(`ferry UI: ${server.url}${binding.token ? ' (sign in with the UI token)' : ''}\n`);
  return server;
}

/** Resolves when the command is stopped (Ctrl-C, SIGTERM). */
export const untilStopped = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

export const registerUi: Register = (program, context) => {
  withUiFlags(
    program
      .command('ui')
      .description('serve the web UI alone: runs, logs, streams, quarantine, verify, models (docs/ui.md)'),
  ).action(async (flags: UiFlags) => {
    const { openOrchestrator } = await import('../orchestration/orchestrator.js');
    const ctx = context();
    const binding = uiBinding(ctx, flags);
    const orch = await openOrchestrator(ctx.project(), ctx.state, ctx.logger);
    try {
      const server = await startUi(ctx, orch, binding);
      await untilStopped(ctx.signal);
      await server.close();
    } finally {
      await orch.close();
    }
  });
};
