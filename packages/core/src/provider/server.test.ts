import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serverOf } from './server.ts';

describe('serverOf', () => {
  it('takes the host and the port, written or the scheme default', () => {
    expect(serverOf('https://api.openai.com/v1')).toEqual({ address: 'api.openai.com', port: 443 });
    expect(serverOf('http://127.0.0.1:11434/v1')).toEqual({ address: '127.0.0.1', port: 11434 });
    expect(serverOf('http://[::1]:8080')).toEqual({ address: '::1', port: 8080 });
    expect(serverOf('http://localhost')).toEqual({ address: 'localhost', port: 80 });
  });

  it('keeps no credentials, path or query, and gives nothing for what does not parse', () => {
    expect(serverOf('https://user:sk-secret@llm.internal:8443/v1?key=sk-secret')).toEqual({
      address: 'llm.internal',
      port: 8443,
    });
    expect(serverOf('not a url')).toBeUndefined();
    expect(serverOf(undefined)).toBeUndefined();
  });

  it('never returns a password or query text, whatever the URL', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.string({ minLength: 8 }).map((s) => `~${s}`),
        (url, secret) => {
          const withSecret = url.replace('://', `://user:${encodeURIComponent(secret)}@`);
          const server = serverOf(withSecret);
          expect(server?.address).toBe(new URL(url).hostname.replace(/^\[|\]$/g, ''));
          expect(JSON.stringify(server)).not.toContain(encodeURIComponent(secret));
        },
      ),
      { numRuns: 50 },
    );
  });
});
