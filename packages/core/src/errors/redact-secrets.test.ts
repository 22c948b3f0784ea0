import { format, inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  causeWithoutSecrets,
  type LogMethods,
  redactDeep,
  redactingLogger,
  redactSecrets,
} from './redact-secrets.ts';

const KEY = 'sk-test-0123456789abcdef';

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactSecrets(`a ${KEY} b ${KEY} c tok-9999`, [KEY, 'tok-9999'])).toBe(
      'a [redacted] b [redacted] c [redacted]',
    );
  });

  it('replaces the longer of two nested secrets whole, and reads secrets as plain text', () => {
    expect(redactSecrets('sk-abcdef', ['sk-abc', 'sk-abcdef'])).toBe('[redacted]');
    expect(redactSecrets('x a.b*c+ y', ['a.b*c+'])).toBe('x [redacted] y');
  });

  it('also replaces the last 8 characters of a long secret, as a masked key shows them', () => {
    expect(redactSecrets(`key sk-…${KEY.slice(-8)} rejected`, [KEY])).toBe(
      'key sk-…[redacted] rejected',
    );
    // A shorter secret has no tail of its own: only the whole of it is replaced.
    expect(redactSecrets('abc sk-short1 rt1', ['sk-short1'])).toBe('abc [redacted] rt1');
  });

  it('ignores undefined and secrets under 4 characters', () => {
    expect(redactSecrets('abc def', [undefined, 'abc', ''])).toBe('abc def');
  });

  it('never leaves a secret in any text (fast-check)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 4 }), (a, b, secret) => {
        expect(redactSecrets(`${a}${secret}${b}${secret}`, [secret])).not.toContain(secret);
      }),
    );
  });
});

describe('causeWithoutSecrets', () => {
  /** Every rendering a user or a log could make of a value. */
  const renderings = (value: unknown): string[] => [
    inspect(value),
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    format('%o', value),
    JSON.stringify(value) ?? '',
  ];

  it('copies an error: name, message, stack and short fields kept, redacted; never the original', () => {
    const original = Object.assign(new TypeError(`bad key ${KEY}`), {
      status: 401,
      code: 'invalid_api_key',
      type: 'authentication_error',
      requestID: `req_${KEY}`,
    });
    const copy = causeWithoutSecrets(original, [KEY]) as Error & Record<string, unknown>;
    expect(copy).toBeInstanceOf(Error);
    expect(copy).not.toBe(original);
    expect(copy.name).toBe('TypeError');
    expect(copy.message).toBe('bad key [redacted]');
    expect(copy.stack).toBe(String(original.stack).split(KEY).join('[redacted]'));
    expect({ ...copy }).toEqual({
      status: 401,
      code: 'invalid_api_key',
      type: 'authentication_error',
      requestID: 'req_[redacted]',
    });
  });

  it('keeps no headers, body, request or other field', () => {
    const original = Object.assign(new Error('401 Unauthorized'), {
      headers: new Headers({
        'www-authenticate': `Bearer realm="x", key="${KEY}"`,
        'x-echo': KEY,
        'retry-after': '2',
      }),
      error: { type: 'error', error: { message: 'no', param: KEY } },
      param: KEY,
      request: { headers: { authorization: `Bearer ${KEY}` } },
    });
    const copy = causeWithoutSecrets(original, [KEY]);
    expect({ ...copy }).toEqual({});
    for (const text of renderings(copy)) expect(text).not.toContain(KEY.slice(-8));
  });

  it('copies the cause chain the same way, 8 links deep', () => {
    const deep = Object.assign(new Error(`connect to https://${KEY}@proxy failed`), {
      code: 'ECONNREFUSED',
      config: { apiKey: KEY },
    });
    let chain: Error = deep;
    for (let i = 0; i < 12; i++) chain = new Error(`link ${i}`, { cause: chain });
    const copy = causeWithoutSecrets(new Error('Connection error.', { cause: deep }), [KEY]);
    const inner = copy?.cause as Error & Record<string, unknown>;
    expect(inner.message).toBe('connect to https://[redacted]@proxy failed');
    expect({ ...inner }).toEqual({ code: 'ECONNREFUSED' });
    let links = 0;
    for (let link = causeWithoutSecrets(chain, [KEY]); link !== undefined; links++) {
      link = link.cause as Error | undefined;
    }
    expect(links).toBe(9);
  });

  it('a non-error gives undefined', () => {
    expect(causeWithoutSecrets(`bad ${KEY}`, [KEY])).toBeUndefined();
    expect(causeWithoutSecrets({ headers: { 'x-echo': KEY } }, [KEY])).toBeUndefined();
    expect(causeWithoutSecrets(undefined, [KEY])).toBeUndefined();
  });

  it('no rendering of the copy shows the key, whatever fields hold it (fast-check)', () => {
    const text = fc
      .array(fc.constantFrom('a', ' ', KEY, KEY.slice(-8), 'Bearer ', '"'), { maxLength: 5 })
      .map((parts) => parts.join(''));
    const field = fc.constantFrom(
      'status',
      'code',
      'type',
      'requestID',
      'param',
      'error',
      'headers',
      'body',
      'response',
    );
    const value = fc.oneof(text, fc.dictionary(text, text), fc.integer());
    fc.assert(
      fc.property(text, fc.dictionary(field, value), text, (message, fields, inner) => {
        const thrown = Object.assign(new Error(message, { cause: new Error(inner) }), fields);
        for (const rendering of renderings(causeWithoutSecrets(thrown, [KEY]))) {
          expect(rendering).not.toContain(KEY.slice(-8));
        }
      }),
    );
  });
});

describe('redactDeep and redactingLogger', () => {
  it('copies nested values with every string and key redacted, headers and maps as objects', () => {
    const headers = new Headers({ authorization: `Bearer ${KEY}`, 'x-echo': KEY });
    const body = { error: { message: `Incorrect API key provided: ${KEY}` }, [KEY]: 1, n: 2 };
    const copy = redactDeep(
      { headers, body, list: [KEY, 3, null], map: new Map([['k', KEY]]), error: new Error(KEY) },
      [KEY],
    );
    expect(JSON.stringify(copy)).not.toContain(KEY);
    expect(copy).toMatchObject({
      headers: { authorization: 'Bearer [redacted]', 'x-echo': '[redacted]' },
      body: { error: { message: 'Incorrect API key provided: [redacted]' }, '[redacted]': 1, n: 2 },
      list: ['[redacted]', 3, null],
      map: { k: '[redacted]' },
      error: { message: '[redacted]' },
    });
  });

  it('survives cycles and deep values, and leaves the original alone', () => {
    const cyclic: Record<string, unknown> = { key: KEY };
    cyclic.self = cyclic;
    let deep: unknown = KEY;
    for (let i = 0; i < 50; i++) deep = { deep };
    const copy = redactDeep({ cyclic, deep }, [KEY]) as { cyclic: Record<string, unknown> };
    expect(copy.cyclic.self).toBe('[circular]');
    expect(JSON.stringify(copy)).not.toContain(KEY);
    expect(cyclic.key).toBe(KEY);
  });

  it('a wrapped logger passes every call on, redacted, at the same level', () => {
    const calls: [string, unknown[]][] = [];
    const record =
      (level: string) =>
      (...args: unknown[]) =>
        calls.push([level, args]);
    const target: LogMethods = {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
    };
    const logger = redactingLogger(target, [KEY]);
    logger.debug('response', { status: 401, body: `key ${KEY}` });
    logger.error(`failed with ${KEY}`);
    expect(calls).toEqual([
      ['debug', ['response', { status: 401, body: 'key [redacted]' }]],
      ['error', ['failed with [redacted]']],
    ]);
  });
});
