import { format, inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ErrorCategory, StructuredLLMError } from '../src/index.ts';
import {
  abortedError,
  type MapProviderErrorOptions,
  mapProviderError,
  type ProviderFailure,
  unexpectedAnswerError,
} from '../src/provider-kit.ts';

const KEY = 'sk-acme-0123456789abcdef';

/** An SDK error that stands for the failure it carries, as an SDK's error class would. */
class AcmeError extends Error {
  readonly failure: ProviderFailure;

  constructor(failure: ProviderFailure, message = 'acme failed', options?: ErrorOptions) {
    super(message, options);
    this.failure = failure;
  }
}

const classify = (error: unknown): ProviderFailure | undefined =>
  error instanceof AcmeError ? error.failure : undefined;

function map(error: unknown, options: Partial<MapProviderErrorOptions> = {}): StructuredLLMError {
  return mapProviderError(error, {
    signal: new AbortController().signal,
    secrets: [KEY],
    label: 'Acme',
    classify,
    isUnsupportedMode: (message) => message.includes('response_format is not supported'),
    ...options,
  });
}

/** What a user reads off the error: everything but the cause. */
function shape(error: StructuredLLMError) {
  return {
    category: error.category,
    message: error.message,
    code: error.code,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
  };
}

function headers(entries: Record<string, string>): { get(name: string): string | null } {
  return { get: (name) => entries[name] ?? null };
}

/** Every message and stack along the error's cause chain, as one text. */
function chainText(error: unknown): string {
  let text = '';
  for (let link = error, depth = 0; link instanceof Error && depth < 20; depth++) {
    text += `${link.message}\n${String(link.stack)}\n`;
    link = link.cause;
  }
  return text;
}

describe('mapProviderError: before classifying', () => {
  it('returns a StructuredLLMError as it is, without classifying it', () => {
    const original = new StructuredLLMError({ category: 'validation', message: 'bad' });
    const options = {
      classify: () => {
        throw new Error('must not be called');
      },
    };
    expect(map(original, options)).toBe(original);
  });

  it('reports any failure after the call was aborted as aborted, with the reason as cause', () => {
    const controller = new AbortController();
    const reason = new Error('user left');
    controller.abort(reason);
    const error = map(new AcmeError({ kind: 'http', status: 500, message: 'down' }), {
      signal: controller.signal,
    });
    expect(shape(error)).toMatchObject({ category: 'aborted', message: 'The call was aborted' });
    expect(error.cause).toBe(reason);
    expect(error.retryable).toBe(false);
  });

  it('abortedError builds the same error from a signal', () => {
    const controller = new AbortController();
    controller.abort('stop');
    const error = abortedError(controller.signal);
    expect(error.category).toBe('aborted');
    expect(error.message).toBe('The call was aborted');
    expect(error.cause).toBe('stop');
  });
});

const REFUSED = new Error('connect ECONNREFUSED 127.0.0.1:9');
const UNSUPPORTED = 'response_format is not supported with this model';
const RETRY_IN_3S = headers({ 'retry-after': '3' });

function http(status: number, message: string, headerValues: Record<string, string> = {}) {
  return new AcmeError({ kind: 'http', status, message, headers: headers(headerValues) });
}

function outcome(
  category: ErrorCategory,
  message: string,
  extra: Partial<ReturnType<typeof shape>> = {},
): ReturnType<typeof shape> {
  return {
    category,
    message,
    code: undefined,
    status: undefined,
    retryAfterMs: undefined,
    ...extra,
  };
}

describe('mapProviderError: each kind of failure', () => {
  it.each<[string, unknown, ReturnType<typeof shape>]>([
    [
      'aborted: the SDK noticed the abort before the signal did',
      new AcmeError({ kind: 'aborted' }),
      outcome('aborted', 'The call was aborted'),
    ],
    [
      'timeout: the client-side timeout',
      new AcmeError({ kind: 'timeout' }),
      outcome('timeout', 'The Acme request timed out'),
    ],
    [
      "connection: network, naming the error's own cause",
      new AcmeError({ kind: 'connection' }, 'Connection error.', { cause: REFUSED }),
      outcome('network', 'Could not reach the Acme API (connect ECONNREFUSED 127.0.0.1:9)'),
    ],
    [
      'connection without a cause',
      new AcmeError({ kind: 'connection' }),
      outcome('network', 'Could not reach the Acme API'),
    ],
    [
      'http: retry-after in seconds becomes retryAfterMs',
      http(429, 'slow down', { 'retry-after': '2' }),
      outcome('rate_limit', 'HTTP 429: Acme: slow down', { status: 429, retryAfterMs: 2000 }),
    ],
    [
      'http: retry-after-ms wins over retry-after',
      http(503, 'busy', { 'retry-after-ms': '250', 'retry-after': '9' }),
      outcome('server', 'HTTP 503: Acme: busy', { status: 503, retryAfterMs: 250 }),
    ],
    [
      'http 400 about the output mode: unsupported_mode, so the engine degrades',
      http(400, UNSUPPORTED),
      outcome('bad_request', `HTTP 400: Acme: ${UNSUPPORTED}`, {
        status: 400,
        code: 'unsupported_mode',
      }),
    ],
    [
      'http 422 with the same words: no unsupported_mode (only a 400)',
      http(422, UNSUPPORTED),
      outcome('bad_request', `HTTP 422: Acme: ${UNSUPPORTED}`, { status: 422 }),
    ],
    [
      'http 400 about something else: no unsupported_mode',
      http(400, 'max_tokens is too large'),
      outcome('bad_request', 'HTTP 400: Acme: max_tokens is too large', { status: 400 }),
    ],
    [
      'stream with status 429: rate_limit with retry-after',
      new AcmeError({ kind: 'stream', message: 'too many', status: 429, headers: RETRY_IN_3S }),
      outcome('rate_limit', 'The Acme stream failed: too many', {
        code: 'stream_error',
        status: 429,
        retryAfterMs: 3000,
      }),
    ],
    [
      'stream with another status and a type: no retry-after, the type in the message',
      new AcmeError({
        kind: 'stream',
        message: 'Overloaded',
        status: 529,
        type: 'overloaded_error',
        headers: RETRY_IN_3S,
      }),
      outcome('server', 'The Acme stream failed (overloaded_error): Overloaded', {
        code: 'stream_error',
        status: 529,
      }),
    ],
    [
      'stream without a status: the category the provider read from the body',
      new AcmeError({ kind: 'stream', message: 'flagged', category: 'content_filter' }),
      outcome('content_filter', 'The Acme stream failed: flagged', { code: 'stream_error' }),
    ],
    [
      'stream with neither status nor category: server',
      new AcmeError({ kind: 'stream', message: '?' }),
      outcome('server', 'The Acme stream failed: ?', { code: 'stream_error' }),
    ],
    [
      'a SyntaxError the provider does not classify: a malformed event',
      new SyntaxError('Unexpected token } in JSON'),
      outcome('server', 'The Acme API sent an event that is not valid JSON', {
        code: 'malformed_event',
      }),
    ],
    [
      'any other error: a network failure naming it',
      new TypeError('terminated'),
      outcome('network', 'The Acme connection failed: terminated'),
    ],
    [
      'a thrown string: a network failure naming it',
      'socket hang up',
      outcome('network', 'The Acme connection failed: socket hang up'),
    ],
  ])('%s', (_name, thrown, expected) => {
    const error = map(thrown);
    expect(shape(error)).toEqual(expected);
    // A thrown error stays readable as the cause: a plain copy, never the object itself.
    const cause = error.cause as Error | undefined;
    if (thrown instanceof Error) {
      expect(cause).toBeInstanceOf(Error);
      expect(cause).not.toBe(thrown);
      expect(cause?.message).toBe(thrown.message);
    } else expect(cause).toBeUndefined();
  });

  it.each<[number, ErrorCategory]>([
    [400, 'bad_request'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'bad_request'],
    [408, 'timeout'],
    [422, 'bad_request'],
    [429, 'rate_limit'],
    [500, 'server'],
    [503, 'server'],
    [529, 'server'],
  ])('http %i: category %s, with the status and the API message', (status, category) => {
    expect(shape(map(http(status, 'it went wrong')))).toEqual(
      outcome(category, `HTTP ${status}: Acme: it went wrong`, { status }),
    );
  });

  it('a connection error keeps a copy of its own cause in the chain', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      address: '127.0.0.1',
    });
    const error = map(
      new AcmeError({ kind: 'connection' }, 'Connection error.', { cause: refused }),
    );
    const inner = (error.cause as Error).cause as Error & Record<string, unknown>;
    expect(inner).not.toBe(refused);
    expect(inner.message).toBe(refused.message);
    expect(inner.stack).toBe(refused.stack);
    expect({ ...inner }).toEqual({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
  });

  it('a provider without isUnsupportedMode never reports unsupported_mode', () => {
    const error = mapProviderError(http(400, UNSUPPORTED), {
      signal: new AbortController().signal,
      secrets: [],
      label: 'Acme',
      classify,
    });
    expect(error.code).toBeUndefined();
  });
});

describe('mapProviderError: secrets', () => {
  it('redacts the key from every message and from the cause', () => {
    const failures: ProviderFailure[] = [
      { kind: 'http', status: 401, message: `Incorrect API key provided: ${KEY}` },
      { kind: 'stream', message: `bad key ${KEY}`, type: 'authentication_error', status: 401 },
    ];
    for (const failure of failures) {
      const error = map(new AcmeError(failure, `the key ${KEY} is wrong`));
      expect(error.message).not.toContain(KEY);
      expect(error.message).toContain('[redacted]');
      expect((error.cause as Error).message).toBe('the key [redacted] is wrong');
    }
    const fallback = map(new Error(`fetch to https://x/?key=${KEY} failed`));
    expect(fallback.message).toBe(
      'The Acme connection failed: fetch to https://x/?key=[redacted] failed',
    );
    expect((fallback.cause as Error).message).toBe('fetch to https://x/?key=[redacted] failed');
  });

  it('redacts a clean cause whose own cause mentions the key, keeping the redacted detail', () => {
    const deep = new Error(`connect to https://${KEY}@proxy failed`);
    const error = map(new AcmeError({ kind: 'connection' }, 'Connection error.', { cause: deep }));
    expect(error.message).toBe(
      'Could not reach the Acme API (connect to https://[redacted]@proxy failed)',
    );
    expect(chainText(error.cause)).toContain('connect to https://[redacted]@proxy failed');
    expect(chainText(error.cause)).not.toContain(KEY);
  });

  it('keeps no SDK field a server echoed the key into: headers, error body, request', () => {
    const responseHeaders = new Headers({
      'www-authenticate': `Bearer realm="x", key="${KEY}"`,
      'x-echo': KEY,
      'retry-after': '3',
      'x-request-id': `req_${KEY}`,
    });
    const failure: ProviderFailure = {
      kind: 'http',
      status: 401,
      message: 'Incorrect API key',
      headers: responseHeaders,
    };
    const sdkError = Object.assign(new AcmeError(failure, 'bad'), {
      status: 401,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      requestID: 'req_123',
      param: KEY,
      error: { message: 'Incorrect API key', param: KEY },
      headers: responseHeaders,
      request: { headers: { authorization: `Bearer ${KEY}` } },
    });
    const error = map(sdkError);
    const cause = error.cause as Error & Record<string, unknown>;
    expect(cause).not.toBe(sdkError);
    expect({ ...cause }).toEqual({
      status: 401,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      requestID: 'req_123',
      // Only the headers worth keeping, redacted.
      headers: { 'retry-after': '3', 'x-request-id': 'req_[redacted]' },
    });
    for (const rendering of [
      inspect(error),
      inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      format('%o', error),
      JSON.stringify(error),
      JSON.stringify(cause),
    ]) {
      expect(rendering).not.toContain(KEY);
      expect(rendering).not.toContain(KEY.slice(-8));
    }
  });

  it('leaves the key nowhere in the message or the cause chain, whatever was thrown (fast-check)', () => {
    const text = fc
      .array(fc.constantFrom('a', ' ', ':', KEY, 'sk-', '{"x":1}'), { maxLength: 6 })
      .map((parts) => parts.join(''));
    const failure: fc.Arbitrary<ProviderFailure | undefined> = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom<ProviderFailure>(
        { kind: 'aborted' },
        { kind: 'timeout' },
        { kind: 'connection' },
      ),
      fc.record({
        kind: fc.constant('http' as const),
        status: fc.integer({ min: 400, max: 599 }),
        message: text,
      }),
      fc.record({
        kind: fc.constant('stream' as const),
        message: text,
        status: fc.option(fc.integer({ min: 400, max: 599 }), { nil: undefined }),
        type: fc.option(text, { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(failure, text, text, text, (described, outer, middle, inner) => {
        const chain = new Error(middle, { cause: new Error(inner) });
        const thrown =
          described === undefined
            ? new Error(outer, { cause: chain })
            : new AcmeError(described, outer, { cause: chain });
        const error = map(thrown);
        expect(error.message).not.toContain(KEY);
        expect(chainText(error.cause)).not.toContain(KEY);
        expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
          KEY,
        );
      }),
    );
  });
});

describe('unexpectedAnswerError', () => {
  it('is a retryable server failure that names what came, never its content', () => {
    const cases: Array<[unknown, string]> = [
      ['<html><title>Portal</title></html>', 'a body that is not JSON'],
      ['  ', 'an empty body'],
      [{}, 'a JSON object of another shape'],
      [[1], 'a JSON array'],
      [null, 'no JSON value'],
      [42, 'a JSON number'],
    ];
    for (const [body, words] of cases) {
      const error = unexpectedAnswerError('Acme', body, 'a completion');
      expect(shape(error)).toEqual({
        category: 'server',
        code: 'unexpected_answer',
        message: `The Acme API answered with ${words} instead of a completion (is a proxy or captive portal in the way?)`,
        status: undefined,
        retryAfterMs: undefined,
      });
      expect(error.retryable).toBe(true);
    }
  });
});
