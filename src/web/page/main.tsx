// The UI's page: the header (navigation, time zone), and the page the path names.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render, type JSX } from 'preact';
import { Link, match, useLocation } from './router.js';
import { setZone, useZone } from './time.js';
import { ModelsPage } from './pages/models.js';
import { Overview } from './pages/overview.js';
import { PipelinePage } from './pages/pipeline.js';
import { QuarantinePage } from './pages/quarantine.js';
import { RunPage } from './pages/run.js';
import { StreamPage, StreamsPage } from './pages/streams.js';
import { VerifyPage, VerifyRunPage } from './pages/verify.js';

const NAV = [
  ['/', 'Overview'],
  ['/streams', 'Streams'],
  ['/quarantine', 'Quarantine'],
  ['/verify', 'Verify'],
  ['/models', 'Models'],
] as const;

/** The pages by path pattern; the first that matches is shown. */
const ROUTES: [string, (p: Record<string, string>) => JSX.Element][] = [
  ['/', () => <Overview />],
  ['/pipelines/:name', (p) => <PipelinePage key={p.name} name={p.name!} />],
  ['/runs/:id', (p) => <RunPage key={p.id} runId={p.id!} />],
  ['/streams', () => <StreamsPage />],
  ['/streams/:table', (p) => <StreamPage key={p.table} table={p.table!} />],
  ['/quarantine', () => <QuarantinePage />],
  ['/verify', () => <VerifyPage />],
  ['/verify/:id', (p) => <VerifyRunPage key={p.id} runId={p.id!} />],
  ['/models', () => <ModelsPage />],
];

function Page({ path }: { path: string }) {
  for (const [pattern, show] of ROUTES) {
    const params = match(pattern, path);
    if (params) return show(params);
  }
  return (
    <p class="empty">
      No page at this address. <Link href="/">Overview</Link>
    </p>
  );
}

function App() {
  const location = useLocation();
  const zone = useZone();
  const section = (href: string) =>
    href === '/'
      ? location.path === '/' || location.path.startsWith('/pipelines') || location.path.startsWith('/runs')
      : location.path.startsWith(href);
  return (
    <>
      <nav class="top">
        <Link href="/" class="brand">
          ferry
        </Link>
        {NAV.map(([href, label]) => (
          <Link key={href} href={href} class={section(href) ? 'current' : ''}>
            {label}
          </Link>
        ))}
        <span class="spacer" />
        <label class="zone">
          times in{' '}
          <select
            value={zone}
            onChange={(e) => setZone((e.target as HTMLSelectElement).value === 'UTC' ? 'UTC' : 'local')}
            aria-label="time zone"
          >
            <option value="local">this browser's zone</option>
            <option value="UTC">UTC</option>
          </select>
        </label>
        <form method="post" action="/logout" class="logout">
          <button type="submit" class="link">
            sign out
          </button>
        </form>
      </nav>
      <main>
        <Page path={location.path} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
