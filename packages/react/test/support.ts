import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonSchema, StructuredLLMService, type StructuredStream } from '@structllm/core';
import { StreamRuns, writeEventStream } from '@structllm/http';
import { createMockProvider, type MockResponse, type MockScript } from '@structllm/testing';

export interface Profile {
  name: string;
  skills: string[];
  years: number;
}

export const profile: Profile = {
  name: 'Ada Lovelace',
  skills: Array.from({ length: 16 }, (_, i) => `skill number ${i}`),
  years: 12,
};

export const profileModel = jsonSchema<Profile>({
  type: 'object',
  properties: {
    name: { type: 'string' },
    skills: { type: 'array', items: { type: 'string' } },
    years: { type: 'integer', minimum: 0 },
  },
  required: ['name', 'skills', 'years'],
});

export interface TestServer {
  readonly url: string;
  /** Requests to POST /generate, with their JSON bodies. */
  readonly bodies: unknown[];
  /** The engine requests started, in order. */
  readonly requests: StructuredStream<Profile>[];
  readonly provider: ReturnType<typeof createMockProvider>;
  close(): Promise<void>;
}

/**
 * A `node:http` server on 127.0.0.1 whose POST /generate streams a request of
 * the mock provider with `@structllm/http`; resumable runs under /runs/<id>
 * when `resumable`; any other path answers `status` with a JSON body.
 */
export async function startServer(
  responses: MockScript | MockResponse,
  options: {
    resumable?: boolean;
    maxRetries?: number;
    /** The server's `coalesceMs` (default 50 ms: text gathered into fewer events). */
    coalesceMs?: number;
  } = {},
): Promise<TestServer> {
  const provider = createMockProvider({
    responses:
      Array.isArray(responses) || typeof responses === 'function' ? responses : [responses],
  });
  const service = new StructuredLLMService({
    providers: [provider],
    defaultModel: 'mock/m',
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  });
  const runs = options.resumable ? new StreamRuns({ resumeUrl: (id) => `/runs/${id}` }) : undefined;
  const bodies: unknown[] = [];
  const requests: StructuredStream<Profile>[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '';
    if (runs !== undefined && url.startsWith('/runs/')) {
      await runs.writeResume(url.slice('/runs/'.length), req, res);
      return;
    }
    if (req.method !== 'POST' || url !== '/generate') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"boom"}');
      return;
    }
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const body = JSON.parse(text) as { prompt: string };
    bodies.push(body);
    const request = service.routeStructuredStreaming({
      prompt: body.prompt,
      responseModel: profileModel,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    });
    requests.push(request);
    void writeEventStream(request, res, {
      ...(runs === undefined ? {} : { runs }),
      ...(options.coalesceMs === undefined ? {} : { coalesceMs: options.coalesceMs }),
    });
  };
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    requests,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
