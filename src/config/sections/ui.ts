// ferry.yaml's ui section: where `ferry server` and `ferry ui` serve the web UI, and who may use it.
import { z } from 'zod';

export const uiSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe(
        'Address the web UI listens on. Loopback (127.0.0.1, ::1, localhost) by default; any other address needs a token',
      ),
    port: z.number().int().min(0).max(65535).default(8680).describe('Port of the web UI (0: any free port)'),
    token: z
      .string()
      .min(16, 'expected a token of at least 16 characters (e.g. `openssl rand -hex 24`)')
      .optional()
      .describe(
        'Token a browser signs in with (and /metrics scrapers send as a bearer token); required off loopback. FERRY_UI_TOKEN sets it too. Use ${FERRY_UI_TOKEN} rather than writing it here',
      ),
    allowed_hosts: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Host names the UI answers to besides localhost and its own addresses (the name in the browser, behind a proxy): a request for any other Host is refused, against DNS rebinding',
      ),
  })
  .describe('The web UI of `ferry server` and `ferry ui` (docs/ui.md)');
