import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonSchema, StructuredLLMService } from '@structllm/core';
import { createMockProvider, type MockResponse, type MockScript } from '@structllm/testing';

export interface Order {
  id: number;
  customer: string;
  items: { sku: string; qty: number }[];
}

export const order: Order = {
  id: 7,
  customer: 'Ada Lovelace',
  items: Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${i}`, qty: i + 1 })),
};

export const orderModel = jsonSchema<Order>({
  type: 'object',
  properties: {
    id: { type: 'integer' },
    customer: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
        required: ['sku', 'qty'],
      },
    },
  },
  required: ['id', 'customer', 'items'],
});

/** A service over the mock provider, retrying at once. */
export function serviceFor(responses: MockScript | MockResponse) {
  const provider = createMockProvider({
    responses:
      Array.isArray(responses) || typeof responses === 'function' ? responses : [responses],
  });
  const service = new StructuredLLMService({
    providers: [provider],
    defaultModel: 'mock/m',
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
  });
  return { provider, service };
}

/** A `node:http` server on 127.0.0.1; `close` ends every connection. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    void Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
