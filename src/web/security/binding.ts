// Where the UI may listen: loopback needs nothing; any other address needs a token, or the server
// refuses to start (a UI that can trigger runs and discard rows must not be open to a network).
import { isIP } from 'node:net';
import { ConfigError } from '../../errors.js';

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

/** Whether an address (or name) only reaches this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

export interface Binding {
  host: string;
  port: number;
  token: string | undefined;
}

/** Refuses a binding off loopback without a token, saying how to give one. */
export function checkBinding(binding: Binding): void {
  if (binding.token !== undefined && binding.token.length < 16)
    throw new ConfigError('the UI token is too short: it needs at least 16 characters', [], {
      hint: 'make one with `openssl rand -hex 24` and set FERRY_UI_TOKEN (or ui.token: ${FERRY_UI_TOKEN})',
    });
  if (isLoopback(binding.host) || binding.token) return;
  throw new ConfigError(
    `the UI would listen on ${binding.host}, which other machines can reach, without a token`,
    [],
    {
      hint: 'set FERRY_UI_TOKEN (or ui.token: ${FERRY_UI_TOKEN} in ferry.yaml) to a long random value (`openssl rand -hex 24`), or listen on 127.0.0.1 and reach it through an SSH tunnel or a proxy',
    },
  );
}
