import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ConnectionError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observability/logger.js';
import { forgetSecrets, redact, registerSecret } from '../../../src/observability/redact.js';

afterEach(() => forgetSecrets());

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('redaction of secrets', () => {
  it('hides the password of a connection URL but keeps the rest', () => {
    expect(redact('cannot reach mysql://ferry:hunter2@db:3306/shop')).toBe(
      'cannot reach mysql://ferry:***@db:3306/shop',
    );
    expect(redact('postgres://u:p%40ss@h/d?sslmode=require')).toBe('postgres://u:***@h/d?sslmode=require');
  });

  it('hides password= and token: pairs', () => {
    expect(redact('password=hunter2 host=x')).toBe('password=*** host=x');
    expect(redact('{"token": "abc.def"}')).toBe('{"token": "***"}');
  });

  it('hides a registered secret wherever it appears, raw or URL-encoded', () => {
    registerSecret('s3cr3t/p@ss');
    expect(redact('login failed for s3cr3t/p@ss')).toBe('login failed for ***');
    expect(redact('url had s3cr3t%2Fp%40ss in it')).toBe('url had *** in it');
  });

  it('keeps secrets out of error messages, hints and problems', () => {
    registerSecret('topsecret99');
    const error = new ConnectionError('auth failed with topsecret99 at mysql://u:topsecret99@h/d', {
      hint: 'check topsecret99',
    });
    expect(error.message).not.toContain('topsecret99');
    expect(error.hint).not.toContain('topsecret99');
    expect(new ConfigError('bad', ['source.url: mysql://u:pw123456@h/d']).problems[0]).toBe(
      'source.url: mysql://u:***@h/d',
    );
  });

  it.each(['json', 'pretty'] as const)(
    'keeps secrets out of %s log lines, including logged objects and errors',
    (format) => {
      registerSecret('topsecret99');
      const out = capture();
      const logger = createLogger({ format, destination: out.stream, level: 'info' });
      logger.info(
        { url: 'mysql://u:topsecret99@h/d', password: 'topsecret99', nested: { note: 'topsecret99' } },
        'connecting with topsecret99',
      );
      logger.error({ err: new Error('failed: mysql://u:topsecret99@h/d') }, 'boom');
      const text = out.text();
      expect(text).toContain('connecting with ***');
      expect(text).toContain('boom');
      expect(text).not.toContain('topsecret99');
    },
  );
});
