// One line of `ferry doctor`'s report: what was checked, what was found, and how to fix a problem.
export type Status = 'ok' | 'warn' | 'fail';

export interface Finding {
  side: 'source' | 'target';
  check: string;
  status: Status;
  found: string;
  fix?: string;
}
