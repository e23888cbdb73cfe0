// Writes the benchmark's sections of docs/benchmarks.md and keeps every other "## " section of the
// file (other benchmarks write their own sections there) as it was.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Section {
  title: string;
  body: string;
}

const PREAMBLE = '# Benchmarks';

/** Splits markdown into its preamble and "## " sections. */
function splitSections(text: string): { preamble: string; sections: Section[] } {
  const lines = text.split('\n');
  const sections: Section[] = [];
  const preamble: string[] = [];
  let current: Section | undefined;
  for (const line of lines) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      current = { title: heading[1]!.trim(), body: '' };
      sections.push(current);
    } else if (current) current.body += line + '\n';
    else preamble.push(line);
  }
  return { preamble: preamble.join('\n'), sections };
}

/** Replaces (or adds, in order, before the foreign sections) the sections this benchmark owns. */
export function writeSections(path: string, preamble: string, owned: Section[]): void {
  const old = existsSync(path) ? splitSections(readFileSync(path, 'utf8')) : { preamble: '', sections: [] };
  const ownedTitles = new Set(owned.map((s) => s.title));
  const foreign = old.sections.filter((s) => !ownedTitles.has(s.title) && !LEGACY.has(s.title));
  const parts = [`${PREAMBLE}\n\n${preamble.trim()}\n`];
  for (const s of owned) parts.push(`## ${s.title}\n\n${s.body.trim()}\n`);
  for (const s of foreign) parts.push(`## ${s.title}\n${s.body.replace(/\n+$/, '')}\n`);
  writeFileSync(path, parts.join('\n'));
}

/** Replaces one "## " section in place (or adds it at the end), keeping every other line of the file. */
export function replaceSection(path: string, section: Section): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : `${PREAMBLE}\n`;
  const lines = text.split('\n');
  const heading = `## ${section.title}`;
  const block = [heading, '', ...section.body.trim().split('\n'), ''];
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${block.join('\n')}`);
    return;
  }
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  writeFileSync(path, [...lines.slice(0, start), ...block, ...lines.slice(end)].join('\n').trimEnd() + '\n');
}

/** Titles this benchmark used to write (removed when it rewrites the file). */
const LEGACY = new Set<string>(['Peak memory']);

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const seconds = (s: number) => (Number.isFinite(s) ? s.toFixed(2) : 'n/a');
export const megabytes = (mb: number) => (Number.isFinite(mb) ? `${Math.round(mb)} MB` : 'n/a');
export const ratio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a');
export const verdict = (ok: boolean | undefined) =>
  ok === undefined ? 'not measured' : ok ? 'met' : 'missed';
