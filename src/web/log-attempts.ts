// A task's log split into its attempts at the header each attempt starts with ("--- attempt N at
// <time> ---", written by state/pipeline-runs.ts startAttempt). Shared by the server and the page.

export interface AttemptLog {
  attempt: number;
  startedAt: string | null;
  text: string;
}

const HEADER = /^--- attempt (\d+) at (\S+) ---$/;

export function splitAttempts(log: string): AttemptLog[] {
  const parts = log.split(/^(?=--- attempt \d+ at \S+ ---$)/m).filter((p) => p.length > 0);
  return parts.map((text, i) => {
    const m = HEADER.exec(text.split('\n')[0] ?? '');
    return { attempt: m ? Number(m[1]) : i + 1, startedAt: m ? m[2]! : null, text };
  });
}
