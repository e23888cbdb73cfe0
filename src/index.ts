// ferry's package entry (`import type { DataFrameApi } from 'ferry'`): the DataFrame API a .ts model
// receives, its types, and the shape of a model's config. The command line is the `ferry` bin.
import type { DataFrame } from './transform/plan/index.js';
import type { DataFrameApi } from './transform/plan/index.js';

export * from './transform/plan/index.js';
export type { ModelConfigInput as ModelConfig, Materialization } from './transform/models/model.js';
export type { EngineName } from './transform/plan/functions.js';

/** A DataFrame model: the default export of a .ts file in the models folder. */
export type DataFrameModel = (api: DataFrameApi) => DataFrame;
