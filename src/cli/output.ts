// How every command prints its report as JSON (--json): one document on stdout, camelCase keys, times
// as ISO 8601 in UTC (`2026-12-01T12:00:00.000Z`), 64-bit counts as numbers, nothing else on stdout.
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n';
}

export function printJson(value: unknown): void {
  process.stdout.write(toJson(value));
}
