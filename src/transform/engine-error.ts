// Errors of the transform stage: an engine failed or lacks a feature (exit code 6), or the models
// folder is wrong (configuration, exit code 2).
import { FerryError, type FerryErrorOptions } from '../errors.js';

export class EngineError extends FerryError {
  constructor(message: string, options: FerryErrorOptions = {}) {
    super('engine', message, options);
    this.name = 'EngineError';
  }
}

export const PORTABLE_SQL_HINT =
  'see "Portable SQL" in docs/transform.md for what runs on every engine, or set `engines: [postgres]` in the model config';
