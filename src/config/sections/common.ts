// Small schema pieces every section uses.
import { z } from 'zod';

export const identifier = z.string().min(1, 'expected a name');

export const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m or 1h');
