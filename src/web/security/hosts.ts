// The Host header allow-list, against DNS rebinding: a page on evil.example whose name is made to
// point at 127.0.0.1 sends `Host: evil.example`, and gets nothing. Allowed: localhost and loopback
// addresses, this machine's own addresses, the address the server listens on, and configured names.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isLoopback } from './binding.js';

export interface HostCheck {
  (hostHeader: string | undefined): boolean;
}

/** Splits "name:port", "[::1]:port" or "name" into its name (lower case, no brackets) and port. */
export function splitHost(header: string): { name: string; port: string | undefined } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(header) ?? /^([^:]+)(?::(\d+))?$/.exec(header);
  if (!m) return { name: header.toLowerCase(), port: undefined };
  return { name: m[1]!.toLowerCase(), port: m[2] };
}

export function hostAllowList(options: {
  host: string;
  port: () => number;
  allowed: readonly string[];
}): HostCheck {
  const own = new Set<string>([options.host.toLowerCase().replace(/^\[|\]$/g, '')]);
  for (const list of Object.values(networkInterfaces()))
    for (const address of list ?? []) own.add(address.address.toLowerCase());
  const named = options.allowed.map((entry) => splitHost(entry));
  return (header) => {
    if (!header) return false;
    const { name, port } = splitHost(header);
    // Configured names: with their port when they give one, any port otherwise (behind a proxy).
    if (named.some((n) => n.name === name && (n.port === undefined || n.port === port))) return true;
    // A browser leaves out the port when it is 80.
    const ours = Number(port ?? 80) === options.port();
    if (!ours) return false;
    if (name === 'localhost' || (isIP(name) !== 0 && isLoopback(name))) return true;
    return isIP(name) !== 0 && own.has(name);
  };
}
