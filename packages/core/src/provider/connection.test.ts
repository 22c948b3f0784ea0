import { afterEach, describe, expect, it, vi } from 'vitest';
import { StructuredLLMError } from '../errors/structured-llm-error.ts';
import { resolveConnection } from './connection.ts';

const target = { label: 'Acme', environmentPrefix: 'ACME_TEST', factory: 'createAcmeProvider' };

describe('resolveConnection', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('takes the key and base URL from the environment when not given', () => {
    vi.stubEnv('ACME_TEST_API_KEY', ' sk-env ');
    vi.stubEnv('ACME_TEST_BASE_URL', 'http://127.0.0.1:9/v1');
    const connection = resolveConnection({}, target);
    expect(connection.apiKey).toBe('sk-env');
    expect(connection.baseURL).toBe('http://127.0.0.1:9/v1');
    expect(connection.clientOptions).toEqual({ baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });
  });

  it('prefers the settings over the environment, and passes on only what is set', () => {
    vi.stubEnv('ACME_TEST_API_KEY', 'sk-env');
    const fetch = vi.fn<typeof globalThis.fetch>();
    const headers = { 'x-team': 'a' };
    const connection = resolveConnection(
      { apiKey: 'sk-given', headers, fetch, timeout: 5000 },
      target,
    );
    expect(connection.apiKey).toBe('sk-given');
    expect(connection.baseURL).toBeUndefined();
    expect(connection.clientOptions).toEqual({
      defaultHeaders: { 'x-team': 'a' },
      fetch,
      timeout: 5000,
      maxRetries: 0,
    });
    expect(connection.clientOptions.defaultHeaders).not.toBe(headers);
  });

  it('without a key: an auth error naming the variable and the factory, never thrown by itself', () => {
    const connection = resolveConnection({}, target);
    expect(connection.apiKey).toBeUndefined();
    const error = connection.missingKeyError();
    expect(error).toBeInstanceOf(StructuredLLMError);
    expect(error).toMatchObject({
      category: 'auth',
      code: 'missing_api_key',
      retryable: false,
      message:
        'No Acme API key: set the ACME_TEST_API_KEY environment variable or pass apiKey to createAcmeProvider',
    });
  });
});
