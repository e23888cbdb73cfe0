// A small router over the History API: paths like /pipelines/shop, links that change the page
// without reloading it, and query parameters for what a page has open.
import type { ComponentChildren, TargetedMouseEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<(l: Location) => void>();
const current = (): Location => ({
  path: window.location.pathname,
  query: new URLSearchParams(window.location.search),
});

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  const l = current();
  for (const f of listeners) f(l);
}

window.addEventListener('popstate', () => {
  const l = current();
  for (const f of listeners) f(l);
});

export function useLocation(): Location {
  const [location, set] = useState(current());
  useEffect(() => {
    listeners.add(set);
    return () => void listeners.delete(set);
  }, []);
  return location;
}

/** A path with its parts encoded: path('pipelines', name) -> /pipelines/<name>. */
export const path = (...parts: (string | number)[]) =>
  '/' + parts.map((p) => encodeURIComponent(String(p))).join('/');

/** The same path with query parameters (empty ones left out). */
export function withQuery(base: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

export function Link(props: { href: string; children: ComponentChildren; class?: string; title?: string }) {
  const onClick = (e: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} class={props.class} title={props.title}>
      {props.children}
    </a>
  );
}

/** Matches a path against a pattern with :params; returns the decoded params or undefined. */
export function match(pattern: string, pathname: string): Record<string, string> | undefined {
  const a = pattern.split('/');
  const b = pathname.replace(/\/$/, '').split('/');
  if (pathname === '/' && pattern === '/') return {};
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.startsWith(':')) params[a[i]!.slice(1)] = decodeURIComponent(b[i]!);
    else if (a[i] !== b[i]) return undefined;
  }
  return params;
}
