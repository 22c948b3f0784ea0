import { describe, expect, it } from 'vitest';
import { useWireServer } from '../../src/conformance/index.ts';

async function post(baseURL: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [], stream: false }),
  });
  return { status: response.status, body: await response.text() };
}

// The tests of each describe run in order: the second proves the first left nothing behind.
describe('useWireServer', () => {
  const server = useWireServer('openai');
  let early: unknown;
  try {
    early = server.baseURL;
  } catch (error) {
    early = error;
  }

  it('is not running while the file is collected, and says so', () => {
    expect(early).toBeInstanceOf(Error);
    expect((early as Error).message).toMatch(/inside a test or hook/);
  });

  it('runs during the tests, answering what a test queues or sets as default', async () => {
    expect(server.dialect).toBe('openai');
    expect(server.baseURL).toBe(`${server.url}/v1`);
    server.enqueue({ kind: 'error', status: 418 });
    server.setDefault({ kind: 'error', status: 429 });
    expect((await post(server.baseURL)).status).toBe(418);
    expect((await post(server.baseURL)).status).toBe(429);
    expect(server.requests).toHaveLength(2);
    expect(server.openResponses).toBe(0);
  });

  it('starts each test with no requests, no queue and the default script restored', async () => {
    expect(server.requests).toHaveLength(0);
    const answer = await post(server.baseURL);
    expect(answer.status).toBe(500);
    expect(answer.body).toContain('no script for this request');
  });
});

describe('useWireServer with a default script', () => {
  const server = useWireServer('anthropic', {
    defaultScript: { kind: 'error', status: 503, message: 'unscripted' },
  });

  it('answers unqueued requests with it', async () => {
    server.setDefault({ kind: 'error', status: 400 });
    const response = await fetch(`${server.baseURL}/v1/messages`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(400);
  });

  it('restores it before the next test', async () => {
    const response = await fetch(`${server.baseURL}/v1/messages`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('unscripted');
  });
});
