// Removes passwords and tokens from any text before it reaches a log, an error or a terminal.

const secrets = new Set<string>();

/** Registers a value (a password, a token) that must never be printed. Short values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 3) secrets.add(value);
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/\s]*)@/gi;
const KEY_VALUE = /\b(password|passwd|pwd|token|secret)(["']?\s*[=:]\s*["']?)([^\s"',;&}]+)/gi;

export function redact(text: string): string {
  let out = text.replace(URL_PASSWORD, '$1***@').replace(KEY_VALUE, '$1$2***');
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return out;
}

/** Clears the registry; for tests. */
export function forgetSecrets(): void {
  secrets.clear();
}
