import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  type ElementEvent,
  type ProgressEvent,
  StructuredLLMError,
  type StructuredLLMService,
  type StructuredStream,
} from '@structllm/core';
import { createPrometheusObserver, type PrometheusObserver } from '@structllm/prometheus';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { type Backend, createService } from '../backend.ts';
import { EXAMPLE_SCHEMAS, findSchema, responseModelFor } from '../schemas.ts';
import {
  FAULT_DESCRIPTIONS,
  FAULTS,
  type FaultName,
  isFault,
  startSimulatedModel,
} from '../simulated/simulated-model.ts';
import { renderPage } from './page.ts';

export interface WebServerOptions {
  readonly backend: Backend;
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Simulated model: milliseconds between chunks for the page's runs. */
  readonly paceMs?: number;
}

export interface WebServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly app: Hono;
  readonly metrics: PrometheusObserver;
  close(): Promise<void>;
}

interface Run {
  readonly id: string;
  readonly stream: StructuredStream<unknown>;
  started: boolean;
  /** Set once the page listens: forwards lifecycle events to it. */
  send: ((event: string, data: unknown) => void) | undefined;
  close(): Promise<void>;
}

interface RunBody {
  prompt?: unknown;
  schema?: unknown;
  model?: unknown;
  fallback?: unknown;
  fault?: unknown;
  maxRetries?: unknown;
  elements?: unknown;
}

class BadInput extends Error {}

function text(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadInput(`${field} must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Serves the demo page: a form, a progress bar and the object growing over
 * SSE, pause/resume/cancel wired to the running StructuredStream, and
 * `/metrics` from the Prometheus observer. Binds to 127.0.0.1.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { backend } = options;
  const metrics = createPrometheusObserver();
  const sharedService = createService(backend, { observers: [metrics] });
  const runs = new Map<string, Run>();

  /** In simulated mode a run with a fault gets its own simulated model, so the fault hits that run only. */
  async function serviceFor(
    fault: FaultName | undefined,
  ): Promise<{ service: StructuredLLMService; close: () => Promise<void> }> {
    if (backend.kind !== 'simulated' || (fault === undefined && options.paceMs === undefined)) {
      return { service: sharedService, close: async () => {} };
    }
    const simulated = await startSimulatedModel({
      ...(fault === undefined ? {} : { faults: [fault] }),
      ...(options.paceMs === undefined ? {} : { paceMs: options.paceMs }),
    });
    const service = createService(
      { ...backend, providers: simulated.providers, simulated },
      { observers: [metrics] },
    );
    return { service, close: () => simulated.close() };
  }

  const app = new Hono();

  app.get('/', (c) =>
    c.html(
      renderPage({
        backend: backend.description,
        simulated: backend.kind === 'simulated',
        defaultModel: backend.defaultModel,
        models: backend.suggestedModels,
        schemas: EXAMPLE_SCHEMAS.map((schema) => ({
          id: schema.id,
          label: schema.label,
          prompt: schema.defaultPrompt,
          elements: schema.elements !== undefined,
        })),
        faults:
          backend.kind === 'simulated'
            ? FAULTS.map((fault) => ({
                id: fault,
                label: `${fault}: ${FAULT_DESCRIPTIONS[fault]}`,
              }))
            : [],
      }),
    ),
  );

  app.get('/metrics', async (c) => {
    c.header('content-type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.post('/api/runs', async (c) => {
    let body: RunBody;
    try {
      body = (await c.req.json()) as RunBody;
    } catch {
      return c.json({ error: 'the body must be JSON' }, 400);
    }
    let schemaId: string;
    let prompt: string | undefined;
    let model: string;
    let fallbackModels: string[];
    let fault: FaultName | undefined;
    let maxRetries: number | undefined;
    let elements = false;
    try {
      if (body.elements !== undefined && body.elements !== null) {
        if (typeof body.elements !== 'boolean')
          throw new BadInput('elements must be true or false');
        elements = body.elements;
      }
      if (body.maxRetries !== undefined && body.maxRetries !== null) {
        if (
          typeof body.maxRetries !== 'number' ||
          !Number.isInteger(body.maxRetries) ||
          body.maxRetries < 0 ||
          body.maxRetries > 10
        ) {
          throw new BadInput('maxRetries must be a whole number from 0 to 10');
        }
        maxRetries = body.maxRetries;
      }
      schemaId = text(body.schema, 'schema') ?? 'profile';
      prompt = text(body.prompt, 'prompt');
      model = text(body.model, 'model') ?? backend.defaultModel;
      fallbackModels = (text(body.fallback, 'fallback') ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      const faultName = text(body.fault, 'fault');
      if (faultName !== undefined) {
        if (!isFault(faultName)) throw new BadInput(`unknown fault "${faultName}"`);
        if (backend.kind !== 'simulated') {
          throw new BadInput('faults need the embedded simulated model');
        }
        fault = faultName;
      }
    } catch (error) {
      if (error instanceof BadInput) return c.json({ error: error.message }, 400);
      throw error;
    }
    const schema = findSchema(schemaId);
    if (schema === undefined) return c.json({ error: `unknown schema "${schemaId}"` }, 400);
    const elementPath = elements ? schema.elements?.path : undefined;
    if (elements && elementPath === undefined) {
      return c.json({ error: `schema "${schema.id}" has no array to list item by item` }, 400);
    }

    const id = randomUUID();
    const { service, close } = await serviceFor(fault);
    const stream = service.routeStructuredStreaming({
      prompt: prompt ?? schema.defaultPrompt,
      responseModel: responseModelFor(schema),
      model,
      fallbackModels,
      ...(maxRetries === undefined ? {} : { maxRetries }),
      timeouts: backend.timeouts,
      // Elements: each item sent to the page as it arrives, then released (retainElements: false).
      ...(elementPath === undefined
        ? {}
        : {
            elementPath,
            retainElements: false,
            onElement: (element: ElementEvent<unknown>) => {
              if (element.error === undefined) {
                runs.get(id)?.send?.('element', { index: element.index, value: element.value });
              }
            },
          }),
      progressCallback: (event: ProgressEvent) => {
        if (event.eventType === 'progress') return;
        runs.get(id)?.send?.('event', {
          eventType: event.eventType,
          message: event.message,
          progressPercent: event.progressPercent,
          timestamp: event.timestamp,
        });
      },
    });
    runs.set(id, { id, stream, started: false, send: undefined, close });
    // A run nobody listens to is dropped after a minute.
    setTimeout(() => {
      const run = runs.get(id);
      if (run !== undefined && !run.started) {
        runs.delete(id);
        run.stream.abort(new Error('nobody listened'));
        void run.close();
      }
    }, 60_000).unref();
    return c.json({ id, model, schema: schema.id, fault: fault ?? null, elements }, 201);
  });

  app.get('/api/runs/:id/events', (c) => {
    const run = runs.get(c.req.param('id'));
    if (run === undefined || run.started) return c.json({ error: 'no such run' }, 404);
    run.started = true;
    return streamSSE(c, async (sse) => {
      let chain = Promise.resolve();
      const send = (event: string, data: unknown) => {
        // Serialise now: partial results are live objects that keep changing.
        const payload = JSON.stringify(data);
        chain = chain.then(() => sse.writeSSE({ event, data: payload })).catch(() => {});
      };
      run.send = send;
      sse.onAbort(() => run.stream.abort(new Error('the page went away')));
      const startedAt = Date.now();
      let chunks = 0;
      let lastSent = 0;
      let lastAttempt = 0;
      send('status', { status: 'streaming' });
      try {
        for await (const response of run.stream) {
          chunks += response.rawChunks?.length ?? 0;
          const now = Date.now();
          if (response.isComplete || response.attempt !== lastAttempt || now - lastSent >= 40) {
            lastSent = now;
            lastAttempt = response.attempt;
            send('response', {
              attempt: response.attempt,
              model: response.model,
              progressPercent: response.progressPercent,
              chunks,
              elapsedMs: now - startedAt,
              partialResult: response.partialResult,
            });
          }
          if (response.isComplete) {
            const attempts = run.stream.attempts;
            if (response.error === undefined) {
              send('done', {
                result: response.partialResult,
                attempts,
                elapsedMs: now - startedAt,
                ...(response.elementCount === undefined
                  ? {}
                  : { elementCount: response.elementCount }),
              });
            } else {
              send('failed', {
                category: response.error.category,
                message: response.error.message,
                attempts,
              });
            }
          }
        }
      } catch (thrown) {
        const error = StructuredLLMError.is(thrown) ? thrown : undefined;
        send('failed', {
          category: error?.category ?? 'unknown',
          message: thrown instanceof Error ? thrown.message : String(thrown),
          attempts: run.stream.attempts,
        });
      } finally {
        await chain;
        runs.delete(run.id);
        await run.close();
      }
    });
  });

  const control = (action: 'pause' | 'resume' | 'cancel') =>
    app.post(`/api/runs/:id/${action}`, (c) => {
      const run = runs.get(c.req.param('id'));
      if (run === undefined) return c.json({ error: 'no such run (finished?)' }, 404);
      if (action === 'pause') run.stream.pause();
      else if (action === 'resume') run.stream.resume();
      else run.stream.abort(new Error('cancelled from the page'));
      if (action !== 'cancel') run.send?.('status', { status: run.stream.status });
      return c.json({ status: run.stream.status });
    });
  control('pause');
  control('resume');
  control('cancel');

  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port ?? 3000, hostname: host }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    app,
    metrics,
    close: async () => {
      for (const run of runs.values()) {
        run.stream.abort(new Error('server closing'));
        await run.close();
      }
      runs.clear();
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
