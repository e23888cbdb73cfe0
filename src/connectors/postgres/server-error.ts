// What PostgreSQL said in an error: its SQLSTATE and its DETAIL line, read from node-postgres's error
// or from the error a ferry error wraps (cause), so callers need not know which one they hold.

type Chain = { code?: unknown; detail?: unknown; cause?: unknown } | undefined;

function* chain(error: unknown): Generator<NonNullable<Chain>> {
  for (let e = error as Chain; e && typeof e === 'object'; e = e.cause as Chain) yield e;
}

/** The SQLSTATE (five characters, such as 23505), or undefined for an error the server did not raise. */
export function sqlState(error: unknown): string | undefined {
  for (const e of chain(error)) if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

/** The DETAIL line (which key is duplicated, which object depends on a table), on one line. */
export function serverDetail(error: unknown): string | undefined {
  for (const e of chain(error))
    if (typeof e.detail === 'string' && e.detail) return e.detail.replace(/\s+/g, ' ').trim();
  return undefined;
}
