// A real headless Chromium for the web UI's tests, driven by playwright-core (Debian's chromium,
// found or installed by scripts/chromium.sh; FERRY_CHROMIUM names another). Every page of it fails
// the test on a console error, an uncaught exception or a dialog (an XSS alert would be one), and
// screenshots go to test-results/ui/ (gitignored).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'ui');

/** The flags that work in this sandbox (no GPU, no network beyond the test's server). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  try {
    return execFileSync(join(REPO_ROOT, 'scripts/chromium.sh'), ['path'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      "no Chromium for the browser tests: run `make test` (it installs Debian's chromium), or `apt-get install chromium`, or set FERRY_CHROMIUM (scripts/chromium.sh explains the Ubuntu snap case)",
    );
  }
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new page whose console errors, page errors and dialogs are collected in `problems`. */
  page(): Promise<Page>;
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(options: { timezone?: string } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ferry-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
    timezoneId: options.timezone ?? 'Europe/Berlin',
    locale: 'en-GB',
    timeout: 60_000,
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught on ${page.url()}: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`a ${d.type()} dialog opened on ${page.url()}: ${d.message()}`);
      void d.dismiss();
    });
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    async page() {
      const existing = context.pages().find((p) => p.url() === 'about:blank');
      return existing ?? (await context.newPage());
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
