import { StructuredLLMError } from '@structllm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorTexts, findSecret } from '../../src/index.ts';

const KEY = 'sk-test-4f9c2b7e1d3a5c6b8e0f2a4c6e8b0d1f';

describe('findSecret', () => {
  it('finds the key, `Bearer <key>` and the key’s last 8 characters, saying where', () => {
    expect(findSecret(`Incorrect API key provided: ${KEY}.`, KEY)).toEqual({
      form: 'secret',
      text: 0,
      offset: 28,
    });
    expect(findSecret(['fine', `headers: {"authorization":"bearer ${KEY}"}`], KEY)).toEqual({
      form: 'bearer',
      text: 1,
      offset: 27,
    });
    expect(findSecret(`Incorrect API key provided: sk-test-****${KEY.slice(-8)}`, KEY)).toEqual({
      form: 'tail',
      text: 0,
      offset: 40,
    });
  });

  it('finds nothing in texts that show a redacted key or a shorter tail', () => {
    expect(findSecret('Incorrect API key provided: [redacted]', KEY)).toBeUndefined();
    expect(findSecret(['Bearer [redacted]', 'sk-…0d1f', ''], KEY)).toBeUndefined();
    expect(findSecret([], KEY)).toBeUndefined();
  });

  it('takes the tail length as an option', () => {
    expect(findSecret('sk-…0d1f', KEY, { tailLength: 4 })).toMatchObject({ form: 'tail' });
    expect(() => findSecret('x', KEY, { tailLength: 0 })).toThrow(RangeError);
  });

  it('treats the secret as text, not as a pattern', () => {
    const secret = 'a.b*c+d?e(f)[g]';
    expect(findSecret('aXbbbcdde(f)[g]', secret)).toBeUndefined();
    expect(findSecret(`Bearer ${secret}`, secret)).toMatchObject({ form: 'bearer' });
  });

  it('refuses a secret too short to search for', () => {
    expect(() => findSecret('anything', 'k')).toThrow(/too short/);
  });

  it('finds a secret wherever it is put, and never reports text that lacks it', () => {
    const secret = fc.string({ minLength: 8, maxLength: 40 });
    fc.assert(
      fc.property(fc.string(), secret, fc.string(), (before, key, after) => {
        expect(findSecret(`${before}${key}${after}`, key)).toBeDefined();
      }),
    );
    fc.assert(
      fc.property(fc.string(), secret, (text, key) => {
        fc.pre(!text.includes(key.slice(-8)));
        expect(findSecret(text, key)).toBeUndefined();
      }),
    );
  });

  it('never repeats the secret in what it returns', () => {
    const leak = findSecret(`key=${KEY}`, KEY);
    expect(JSON.stringify(leak)).not.toContain(KEY.slice(-8));
  });
});

describe('errorTexts', () => {
  it('collects message, stack and toJSON of the error and of each cause', () => {
    const root = new Error('socket closed for sk-root');
    const cause = new Error('fetch failed', { cause: root });
    const error = new StructuredLLMError({
      category: 'network',
      message: 'Could not reach the API',
      cause,
    });
    const texts = errorTexts(error);
    expect(texts).toContain('Could not reach the API');
    expect(texts).toContain('fetch failed');
    expect(texts).toContain('socket closed for sk-root');
    expect(texts.some((text) => text.includes('"category":"network"'))).toBe(true);
    for (const stack of [error.stack, cause.stack, root.stack]) expect(texts).toContain(stack);
  });

  it('takes a thrown non-error, and stops a cause cycle', () => {
    expect(errorTexts('plain string')).toContain('plain string');
    const looped = new Error('a');
    (looped as { cause?: unknown }).cause = looped;
    // Visited once: its stack is there twice (as the stack, and as an own property).
    expect(errorTexts(looped).filter((text) => text === looped.stack)).toHaveLength(2);
  });

  it('shows what console.log, %o and JSON show, and every own field down the chain', () => {
    const headers = new Headers({ 'www-authenticate': `Bearer realm="x", key="${KEY}"` });
    const sdkError = Object.assign(new Error('401 Unauthorized'), { headers });
    Object.defineProperty(sdkError, 'hidden', { value: { param: `hidden ${KEY}` } });
    const error = new StructuredLLMError({ category: 'auth', message: 'no', cause: sdkError });
    // Message, stack and toJSON are clean: only the other renderings find the key.
    expect(findSecret([error.message, String(error.stack), JSON.stringify(error)], KEY)).toBe(
      undefined,
    );
    const texts = errorTexts(error);
    expect(findSecret(texts, KEY)).toMatchObject({ form: 'secret' });
    expect(texts.some((text) => text.includes(`hidden ${KEY}`))).toBe(true);
    // Any value: a response or an event holding the error, or a plain object.
    const response = { isComplete: true, error };
    expect(findSecret(errorTexts(response), KEY)).toBeDefined();
    expect(errorTexts({ echoed: KEY.slice(-8) })).toContain(`{"echoed":"${KEY.slice(-8)}"}`);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(errorTexts(cyclic).some((text) => text.includes('[Circular'))).toBe(true);
  });
});
