// A stream's `checks:` and `dedup:` entries as ferry.yaml gives them. config/sections/streams.ts
// validates them; its inferred types are assignable to these, so quality needs nothing of config.
import type { Severity } from '../schema/row-outcome.js';

export interface CheckRule {
  column?: string | undefined;
  name?: string | undefined;
  severity: Severity;
  not_null?: true | undefined;
  unique?: true | undefined;
  accepted_values?: (string | number | boolean)[] | undefined;
  min?: number | string | undefined;
  max?: number | string | undefined;
  regex?: string | undefined;
  max_length?: number | undefined;
  relationship?: { stream: string; column: string } | undefined;
  expression?: string | undefined;
}

export interface DedupRule {
  key: string[];
  cursor?: string | undefined;
}
