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
  it('keeps a clean error, drops one whose message or stack shows a secret, and non-errors', () => {
    const clean = new Error('boom');
    expect(causeWithoutSecrets(clean, [KEY])).toBe(clean);
    expect(causeWithoutSecrets(new Error(`bad key ${KEY}`), [KEY])).toBeUndefined();
    const stacked = new Error('fine');
    stacked.stack = `Error: fine\n    at ${KEY}`;
    expect(causeWithoutSecrets(stacked, [KEY])).toBeUndefined();
    expect(causeWithoutSecrets('a string', [KEY])).toBeUndefined();
  });

  it('drops a clean error whose cause chain shows a secret further down', () => {
    const deep = new Error(`connect to https://${KEY}@proxy failed`);
    const middle = new Error('fetch failed', { cause: deep });
    expect(causeWithoutSecrets(new Error('Connection error.', { cause: middle }), [KEY])).toBe(
      undefined,
    );
    const clean = new Error('Connection error.', { cause: new Error('ECONNREFUSED') });
    expect(causeWithoutSecrets(clean, [KEY])).toBe(clean);
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
