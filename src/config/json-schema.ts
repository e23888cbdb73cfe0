// The JSON Schema of ferry.yaml, generated from the zod schema (the file is committed as ferry.schema.json).
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'ferry configuration',
  };
}
