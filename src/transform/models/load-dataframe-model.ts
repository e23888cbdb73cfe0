// Loads one DataFrame model (.ts or .js) from the user's models folder with Node's own loader: Node
// 22.18 and later strip the types of a .ts file (erasable syntax only), so nothing is compiled ahead.
// Why a file did not load is told by a table of Node's errors, each with what to do.
import { pathToFileURL } from 'node:url';
import { ConfigError, messageOf } from '../../errors.js';
import { dataframeApi, DataFrame } from '../plan/index.js';
import type { PlanNode } from '../plan/nodes.js';

const ERASABLE =
  'models may use only erasable TypeScript: type annotations, interfaces, `import type`; no enum, namespace or constructor parameter properties (docs/transform.md)';

/** Why Node refused a model file, by error code or message; first match wins. */
const LOAD_FAILURES: readonly {
  match: (code: string | undefined, message: string) => boolean;
  hint: string;
}[] = [
  {
    match: (code) => code === 'ERR_UNKNOWN_FILE_EXTENSION',
    hint: `Node ${process.versions.node} cannot run .ts files; ferry needs Node 22.18 or later for .ts models (or write the model as .js)`,
  },
  { match: (code) => code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', hint: ERASABLE },
  {
    match: (code) => code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
    hint: 'Node does not run .ts files inside node_modules: keep the models folder (transform.models) outside it',
  },
  {
    match: (_, message) => /does not provide an export named/.test(message),
    hint: "a type is imported as a value: write `import type { DataFrameApi } from 'ferry'` (Node erases only `import type`)",
  },
  {
    match: (_, message) =>
      /Unexpected token 'export'|Cannot use import statement outside a module/.test(message),
    hint: 'the nearest package.json makes the model CommonJS: set "type": "module" in it, or put a package.json with {"type": "module"} in the models folder',
  },
  {
    match: (code, message) => code === 'ERR_MODULE_NOT_FOUND' && /package 'ferry'/.test(message),
    hint: 'install ferry in the project that holds the models: npm install ferry (the model imports its types from it)',
  },
];

function hintFor(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = messageOf(error);
  return (
    LOAD_FAILURES.find((f) => f.match(typeof code === 'string' ? code : undefined, message))?.hint ??
    'a .ts model exports `default (api) => DataFrame` and optionally `config`; see docs/transform.md'
  );
}

export async function loadDataFrameModel(
  path: string,
  where: string,
): Promise<{ plan: PlanNode; config: unknown }> {
  let module: { default?: unknown; config?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as typeof module;
  } catch (error) {
    throw new ConfigError(
      `${where}: cannot load the DataFrame model: ${messageOf(error).split('\n')[0]}`,
      [],
      { hint: hintFor(error), cause: error },
    );
  }
  const factory = module.default;
  let frame: unknown;
  try {
    frame =
      typeof factory === 'function'
        ? (factory as (api: typeof dataframeApi) => unknown)(dataframeApi)
        : factory;
  } catch (error) {
    throw new ConfigError(`${where}: the DataFrame model threw: ${messageOf(error)}`, [], { cause: error });
  }
  // A model that builds its frame from the functions it imports from 'ferry' itself (not from the
  // api it receives) holds frames of the package's copy of the plan classes: read the plan by shape.
  const plan = frame instanceof DataFrame ? frame.plan : (frame as { plan?: PlanNode } | undefined)?.plan;
  if (!plan || typeof plan !== 'object' || typeof plan.kind !== 'string')
    throw new ConfigError(`${where}: the default export must return a DataFrame`, [], {
      hint: "export default ({ source, col }) => source('shop', 'orders').filter(col('status').eq('paid'))",
    });
  return { plan, config: module.config ?? {} };
}
