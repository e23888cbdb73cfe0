// Writes ferry.schema.json from the zod schema, so editors can validate and autocomplete ferry.yaml.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.js';

const file = new URL('../ferry.schema.json', import.meta.url);
writeFileSync(file, JSON.stringify(configJsonSchema(), null, 2) + '\n');
console.log(`wrote ${file.pathname}`);
