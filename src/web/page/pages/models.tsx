// Models: the lineage graph of models/ with each model's last build state, and a model's build and
// its data tests' last results.
import type { ModelsJson } from '../../api-types.js';
import { useJson } from '../api.js';
import { Duration, Empty, ErrorNote, Heading, Loading, StateBadge, Time } from '../components/basics.js';
import { Lineage } from '../components/lineage.js';
import { navigate, useLocation, withQuery } from '../router.js';
import { formatCount } from '../time.js';

function TestTable({ tests }: { tests: ModelsJson['otherTests'] }) {
  if (tests.length === 0) return <p class="muted">No data tests.</p>;
  return (
    <table class="list">
      <thead>
        <tr>
          <th>Test</th>
          <th>Result</th>
          <th class="num">Failing rows</th>
          <th>Ran</th>
        </tr>
      </thead>
      <tbody>
        {tests.map((t) => (
          <tr key={t.test}>
            <td>
              {t.test}
              {t.error ? <div class="error-text">{t.error}</div> : null}
              {t.sample?.map((s, i) => (
                <code key={i} class="sample">
                  {s}
                </code>
              ))}
            </td>
            <td>
              <StateBadge state={t.status} />
            </td>
            <td class="num">{formatCount(t.failures)}</td>
            <td>
              <Time iso={t.at} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelsPage() {
  const location = useLocation();
  const { data, error } = useJson<ModelsJson>('/api/models');
  const picked = location.query.get('node') ?? undefined;
  const node = data?.nodes.find((n) => n.id === picked);
  return (
    <>
      <Heading title="Models" />
      <ErrorNote error={error} />
      {!data ? (
        error ? null : (
          <Loading what="the models" />
        )
      ) : (
        <>
          <p class="muted">
            Into schema {data.schema} with the {data.engine} engine.{' '}
            {data.lastRun ? (
              <>
                Last transform: <StateBadge state={data.lastRun.status} /> run {data.lastRun.runId} on{' '}
                {data.lastRun.engine}, <Time iso={data.lastRun.finishedAt} />.
              </>
            ) : (
              'No transform has run yet.'
            )}
          </p>
          {data.lastRun?.error ? <pre class="task-error">{data.lastRun.error}</pre> : null}
          {data.problem ? (
            <div class="error">
              <strong>The models cannot be read:</strong> {data.problem}
            </div>
          ) : null}
          {data.nodes.length === 0 ? (
            data.problem ? null : (
              <Empty>No models in the models folder.</Empty>
            )
          ) : (
            <Lineage
              graph={data}
              selected={picked}
              onPick={(id) => navigate(withQuery('/models', { node: id }))}
            />
          )}
          {data.otherTests.length > 0 ? (
            <section>
              <h2>Tests over several models</h2>
              <TestTable tests={data.otherTests} />
            </section>
          ) : null}
          {node ? (
            <aside class="panel" aria-label={`model ${node.name}`}>
              <header>
                <h2>{node.name}</h2>
                <button type="button" class="close" onClick={() => navigate('/models')} aria-label="close">
                  ×
                </button>
              </header>
              {node.kind === 'source' ? (
                <p>A source table the models read.</p>
              ) : (
                <>
                  <dl class="facts">
                    <dt>Materialized</dt>
                    <dd>{node.materialized}</dd>
                    <dt>Written in</dt>
                    <dd>
                      {node.language === 'sql' ? 'SQL' : 'the DataFrame API'}: {node.path}
                    </dd>
                    <dt>Last build</dt>
                    <dd>
                      {node.build ? (
                        <>
                          <StateBadge state={node.build.status} /> <Time iso={node.build.at} /> on{' '}
                          {node.build.engine}
                        </>
                      ) : (
                        'never built'
                      )}
                    </dd>
                    {node.build ? (
                      <>
                        <dt>Took</dt>
                        <dd>
                          <Duration seconds={node.build.seconds} />
                        </dd>
                        <dt>Rows</dt>
                        <dd>{node.build.rows === null ? '–' : formatCount(node.build.rows)}</dd>
                      </>
                    ) : null}
                  </dl>
                  {node.build?.error ? <pre class="task-error">{node.build.error}</pre> : null}
                  <h3>Data tests</h3>
                  <TestTable tests={node.tests} />
                </>
              )}
            </aside>
          ) : null}
        </>
      )}
    </>
  );
}
