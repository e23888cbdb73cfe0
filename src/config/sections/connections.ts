// ferry.yaml's source and target sections: where to connect, with TLS.
import { z } from 'zod';
import { identifier } from './common.js';

export const tlsSchema = z
  .strictObject({
    mode: z
      .enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full'])
      .default('prefer')
      .describe(
        'disable: plain TCP; prefer: TLS when offered; require: TLS without certificate checks; verify-ca / verify-full: check the certificate (and the host name)',
      ),
    ca: z.string().optional().describe('Path of a PEM file with the CA certificate(s)'),
    cert: z.string().optional().describe('Path of a PEM client certificate'),
    key: z.string().optional().describe('Path of the PEM key of the client certificate'),
  })
  .describe('TLS settings of a connection');

const connectionFields = {
  url: z.string().optional().describe('Connection URL; the fields below override its parts'),
  host: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().optional(),
  password: z.string().optional().describe('Prefer ${ENV_VAR} over a literal password'),
  database: z.string().optional(),
  tls: tlsSchema.optional(),
  connect_timeout: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Milliseconds to wait for a connection'),
  stall_timeout: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe(
      'Milliseconds without a byte from the server, while ferry waits on it, before ferry checks on a fresh connection that its session still works (0: never)',
    ),
};

function needsUrlOrHost(
  profile: { url?: string | undefined; host?: string | undefined; database?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (!profile.url && !profile.host) {
    ctx.addIssue({ code: 'custom', message: 'expected either `url` or `host` (and `database`)' });
  }
}

export const sourceSchema = z
  .strictObject({
    ...connectionFields,
    url: connectionFields.url.describe('mysql://user:password@host:3306/database (MySQL or MariaDB)'),
  })
  .superRefine(needsUrlOrHost)
  .describe('The MySQL or MariaDB database to replicate from');

export const targetSchema = z
  .strictObject({
    ...connectionFields,
    url: connectionFields.url.describe('postgres://user:password@host:5432/database'),
    schema: identifier.default('public').describe('PostgreSQL schema that receives the replicated tables'),
  })
  .superRefine(needsUrlOrHost)
  .describe('The PostgreSQL database to replicate into');
