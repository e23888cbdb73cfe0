// Small pieces every page uses: a time with seconds and zone, a duration, a state badge, loading
// and error notes, and the page heading.
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.js';
import { formatDuration, formatTime, useZone } from '../time.js';

export function Time({ iso }: { iso: string | null | undefined }) {
  const zone = useZone();
  if (!iso) return <span class="muted">–</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso, zone)}
    </time>
  );
}

export function Duration({ seconds }: { seconds: number | null | undefined }) {
  return <span class="num">{formatDuration(seconds)}</span>;
}

const LABELS: Record<string, string> = {
  up_for_retry: 'up for retry',
  upstream_failed: 'upstream failed',
  in_sync: 'in sync',
};

export function StateBadge({ state }: { state: string }) {
  return (
    <span class={`badge state-${state.replace(/[^a-z_]/g, '')}`}>
      {LABELS[state] ?? state.replace(/_/g, ' ')}
    </span>
  );
}

export function ErrorNote({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{error.message}</strong>
      {error.hint ? <div class="hint">{error.hint}</div> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted loading">Loading {what}…</p>;
}

export function Heading({ title, children }: { title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-head">
      <h1>{title}</h1>
      <div class="actions">{children}</div>
    </header>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
