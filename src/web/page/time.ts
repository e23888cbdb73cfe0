// Times as people read them, always with seconds and the zone (the browser's, or UTC when chosen in
// the header), and durations in seconds, minutes and hours.
import { useEffect, useState } from 'preact/hooks';

export type ZoneChoice = 'local' | 'UTC';

const KEY = 'ferry.zone';
const zoneListeners = new Set<(z: ZoneChoice) => void>();

export function currentZone(): ZoneChoice {
  try {
    return localStorage.getItem(KEY) === 'UTC' ? 'UTC' : 'local';
  } catch {
    return 'local';
  }
}

export function setZone(zone: ZoneChoice): void {
  try {
    localStorage.setItem(KEY, zone);
  } catch {
    // private mode: the choice lasts for this page only
  }
  for (const l of zoneListeners) l(zone);
}

/** The zone choice, re-rendering when it changes. */
export function useZone(): ZoneChoice {
  const [zone, set] = useState(currentZone());
  useEffect(() => {
    zoneListeners.add(set);
    return () => void zoneListeners.delete(set);
  }, []);
  return zone;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: ZoneChoice): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      ...(zone === 'UTC' ? { timeZone: 'UTC' } : {}),
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formats.set(zone, f);
  }
  return f;
}

/** "2026-05-01 14:03:07 CEST": date, time with seconds, zone. */
export function formatTime(iso: string, zone: ZoneChoice): string {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** The zone's short name now, for chart captions. */
export function zoneName(zone: ZoneChoice): string {
  return formatTime(new Date().toISOString(), zone).split(' ')[2] ?? zone;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  if (seconds < 3600)
    return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : n.toLocaleString('en-US');
}
