import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { parseConfig } from '../../../src/config/load.js';
import { sourceConnection, targetConnection } from '../../../src/config/connection.js';
import { ConfigError } from '../../../src/errors.js';
import { forgetSecrets } from '../../../src/observability/redact.js';

// Loading a file registers its passwords for redaction; start each test with none.
beforeEach(() => forgetSecrets());

const minimal = `
source: { url: "mysql://user:pass@127.0.0.1:3306/shop" }
target: { url: "postgres://user@127.0.0.1:5432/warehouse", schema: raw_shop }
streams:
  - { table: "*", mode: full_refresh }
`;

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, 'ferry.yaml', { env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [(error as ConfigError).message, ...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loading ferry.yaml', () => {
  it('accepts the minimal file of the README and fills in defaults', () => {
    const config = parseConfig(minimal, 'ferry.yaml', { env: {} });
    expect(config.target.schema).toBe('raw_shop');
    expect(config.streams).toEqual([{ table: '*', mode: 'full_refresh' }]);
    expect(config.sync.parallel_tables).toBe(2);
    expect(config.defaults.mode).toBe('full_refresh');
  });

  it('accepts the committed example file', () => {
    const config = parseConfig(readFileSync('ferry.example.yaml', 'utf8'), 'ferry.example.yaml', { env: {} });
    expect(config.streams.length).toBeGreaterThan(0);
    expect(sourceConnection(config.source).password).toBe('ferry-dev-pw');
  });

  it('reads ${VAR} and ${VAR:-default} from the environment', () => {
    const config = parseConfig(
      `source: { url: "mysql://u:\${PW}@h:3306/shop" }\ntarget: { url: "postgres://u@\${PGHOST:-db.local}/w" }\n`,
      'ferry.yaml',
      { env: { PW: 'p@ss:w/rd' } },
    );
    expect(config.source.url).toBe('mysql://u:p@ss:w/rd@h:3306/shop');
    expect(targetConnection(config.target).host).toBe('db.local');
  });

  it('lets FERRY_SOURCE_URL and FERRY_TARGET_URL replace the connections of the file', () => {
    const config = parseConfig(
      'source: { host: a, database: x, password: secret1 }\ntarget: { host: b, database: y }\n',
      'ferry.yaml',
      { env: { FERRY_SOURCE_URL: 'mysql://u:pw@src:3307/s', FERRY_TARGET_URL: 'postgres://v@dst/t' } },
    );
    expect(sourceConnection(config.source)).toMatchObject({
      host: 'src',
      port: 3307,
      user: 'u',
      password: 'pw',
      database: 's',
    });
    expect(targetConnection(config.target)).toMatchObject({
      host: 'dst',
      port: 5432,
      user: 'v',
      database: 't',
    });
  });

  it('needs no variable of a connection that FERRY_SOURCE_URL or FERRY_TARGET_URL replaces', () => {
    const text =
      'source: { url: "mysql://ferry:${SRC_PW}@h/shop", tls: { mode: "${TLS_MODE}" } }\ntarget: { url: "postgres://ferry:${DST_PW}@h/w" }\n';
    const config = parseConfig(text, 'ferry.yaml', {
      env: {
        FERRY_SOURCE_URL: 'mysql://u:pw@src/s',
        FERRY_TARGET_URL: 'postgres://v@dst/t',
        TLS_MODE: 'disable',
      },
    });
    expect(config.source.url).toBe('mysql://u:pw@src/s');
    expect(config.target.url).toBe('postgres://v@dst/t');
    // the parts the override keeps (tls) still need theirs
    expect(problemsOf(text, { FERRY_SOURCE_URL: 'mysql://u:pw@src/s', DST_PW: 'x' }).join('\n')).toMatch(
      /source\.tls\.mode: environment variable TLS_MODE is not set/,
    );
    expect(problemsOf(text, { TLS_MODE: 'disable' }).join('\n')).toMatch(/SRC_PW is not set/);
  });

  it('decodes percent-encoded passwords and reads sslmode from the URL', () => {
    const config = parseConfig(
      'source: { url: "mysql://u:a%40b%2Fc@h/s?ssl-mode=REQUIRED" }\ntarget: { url: "postgres://u@h/t?sslmode=verify-full" }\n',
      'ferry.yaml',
      { env: {} },
    );
    expect(sourceConnection(config.source)).toMatchObject({ password: 'a@b/c', tls: { mode: 'require' } });
    expect(targetConnection(config.target).tls.mode).toBe('verify-full');
  });
});

describe('a malformed ferry.yaml gives one clear message per problem', () => {
  const cases: Array<[string, string, RegExp, NodeJS.ProcessEnv?]> = [
    ['bad YAML indentation', 'source:\n  url: x\n url: y\n', /not valid YAML|ferry\.yaml:\d+:\d+/],
    ['an unclosed flow mapping', 'source: { url: "mysql://a@b/c"\n', /ferry\.yaml:\d+:\d+/],
    [
      'a duplicate key',
      minimal + 'target: { url: "postgres://x@y/z" }\n',
      /ferry\.yaml:\d+:\d+.*[Dd]uplicate|unique/,
    ],
    ['an empty file', '', /source: required/],
    ['a list at the top level', '- a\n- b\n', /must be a mapping/],
    [
      'an unknown top-level key',
      minimal + 'stream: []\n',
      /ferry\.yaml:\d+:\d+ stream: unknown key \(valid keys: source, target, streams, defaults, sync, cdc, pipelines, orchestration, spark, transform, ui\)/,
    ],
    [
      'an unknown key in a stream',
      minimal.replace('mode: full_refresh', 'mode: full_refresh, curser: id'),
      /streams\[0\]\.curser: unknown key \(valid keys: table, mode, cursor/,
    ],
    [
      'a wrong mode',
      minimal.replace('full_refresh', 'fullrefresh'),
      /streams\[0\]\.mode: expected one of "full_refresh", "incremental"/,
    ],
    [
      'a number where a list is expected',
      minimal.replace(/streams:[\s\S]*/, 'streams: 3\n'),
      /streams: expected array, received number/,
    ],
    [
      'a port that is not a number',
      'source: { host: a, port: "3306x", database: s }\ntarget: { url: "postgres://u@h/t" }\n',
      /source\.port: expected number/,
    ],
    ['a missing source', 'target: { url: "postgres://u@h/t" }\n', /source: required/],
    [
      'a source without url or host',
      'source: { user: a }\ntarget: { url: "postgres://u@h/t" }\n',
      /source: expected either `url` or `host`/,
    ],
    [
      'a missing environment variable',
      minimal.replace('user:pass', 'user:${MYSQL_PASSWORD}'),
      /source\.url: environment variable MYSQL_PASSWORD is not set/,
    ],
    [
      'a bad lookback',
      minimal.replace('mode: full_refresh', 'mode: incremental, cursor: updated_at, lookback: 5 minutes'),
      /streams\[0\]\.lookback: expected a duration such as 30s, 5m or 1h/,
    ],
    [
      'a negative parallelism',
      minimal + 'sync: { parallel_tables: -1 }\n',
      /sync\.parallel_tables: Too small/,
    ],
    [
      'an empty cursor name',
      minimal.replace('mode: full_refresh', 'mode: incremental, cursor: ""'),
      /streams\[0\]\.cursor: expected a name/,
    ],
  ];

  it.each(cases)('%s', (_name, text, pattern, env) => {
    const problems = problemsOf(text, env);
    expect(problems.join('\n')).toMatch(pattern);
    for (const line of problems) expect(line).not.toMatch(/\n\s+at /);
  });

  it('reports every problem at once, each with its place in the file', () => {
    const problems = problemsOf(`
source: { url: "mysql://a@b/c", colour: red }
target: { url: "postgres://u@h/t", schema: 5 }
streams:
  - { table: orders, mode: sometimes }
`);
    expect(problems[0]).toBe('ferry.yaml has 3 problems');
    expect(problems).toContainEqual(expect.stringMatching(/^ferry\.yaml:2:\d+ source\.colour: unknown key/));
    expect(problems).toContainEqual(
      expect.stringMatching(/^ferry\.yaml:3:\d+ target\.schema: expected string, received number/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^ferry\.yaml:5:\d+ streams\[0\]\.mode: expected one of/),
    );
  });

  it('rejects a URL of the wrong database kind when connecting', () => {
    const config = parseConfig(
      'source: { url: "postgres://u@h/t" }\ntarget: { url: "postgres://u@h/t" }\n',
      'ferry.yaml',
      { env: {} },
    );
    expect(() => sourceConnection(config.source)).toThrow(/source\.url has scheme postgres/);
  });
});

describe('the published JSON Schema', () => {
  it('matches the zod schema (run `npm run schema` after changing it)', () => {
    const committed: unknown = JSON.parse(readFileSync('ferry.schema.json', 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
});
