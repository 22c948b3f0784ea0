import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  type BatchStream,
  createProgressEstimator,
  type StructuredLLMService,
  type StructuredStream,
} from '@structllm/core';
import { StreamEvents, StreamRuns, toEventStreamResponse } from '@structllm/http';
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
import { loadAsset } from './assets.ts';
import { renderPage } from './page.ts';
import type { BatchDoneMessage, BatchItemMessage, RunCreated, RunState } from './protocol.ts';
import { renderReactPage } from './react-page.ts';

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
  /** Drops every open connection (the network failing): pages re-attach to their runs. */
  dropConnections(): void;
  close(): Promise<void>;
}

interface Run {
  readonly id: string;
  readonly stream: StructuredStream<unknown>;
  /** The request's progress events and elements, sent on its structured stream. */
  readonly events: StreamEvents;
  /** The page asked for the stream: the request runs (as a resumable `StreamRuns` run). */
  started: boolean;
  ended: boolean;
  close(): Promise<void>;
}

/** A run with no page attached goes on this long (time for a reload), then it is aborted. */
const DETACHED_TTL_MS = 15_000;
/** An ended run is known this long (its state for a page reloaded after the end). */
const ENDED_RUN_KEPT_MS = 5 * 60_000;
const TERMINAL_STATUSES: readonly string[] = ['completed', 'failed', 'aborted'];

interface RunBody {
  prompt?: unknown;
  schema?: unknown;
  model?: unknown;
  fallback?: unknown;
  fault?: unknown;
  maxRetries?: unknown;
  elements?: unknown;
}

interface BatchBody {
  schema?: unknown;
  model?: unknown;
  fault?: unknown;
  count?: unknown;
  concurrency?: unknown;
}

interface Batch {
  readonly stream: BatchStream<unknown>;
  readonly count: number;
  started: boolean;
  close(): Promise<void>;
}

/** The page's batch panel: at most this many requests in one batch. */
const MAX_BATCH = 8;

class BadInput extends Error {}

function wholeNumber(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadInput(`${field} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

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
  // One estimator for every run of this server: a schema's first answer is estimated from
  // the schema alone, later ones from learned sizes (the page shows which).
  const progressEstimator = createProgressEstimator();
  const sharedService = createService(backend, { observers: [metrics], progressEstimator });
  const runs = new Map<string, Run>();
  // A run's stream has the run's id: the page re-attaches at /api/runs/<id>/stream.
  let starting: string | undefined;
  const streamRuns = new StreamRuns({
    resumeUrl: (id) => `/api/runs/${id}/stream`,
    detachedTtlMs: DETACHED_TTL_MS,
    generateId: () => starting ?? randomUUID(),
  });
  let closing = false;

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
      { observers: [metrics], progressEstimator },
    );
    return { service, close: () => simulated.close() };
  }

  function faultOf(value: unknown): FaultName | undefined {
    const name = text(value, 'fault');
    if (name === undefined) return undefined;
    if (!isFault(name)) throw new BadInput(`unknown fault "${name}"`);
    if (backend.kind !== 'simulated')
      throw new BadInput('faults need the embedded simulated model');
    return name;
  }

  const batches = new Map<string, Batch>();
  const app = new Hono();
  // The faults the pages offer: the simulated model's only.
  const faultOptions =
    backend.kind === 'simulated'
      ? FAULTS.map((fault) => ({ id: fault, label: `${fault}: ${FAULT_DESCRIPTIONS[fault]}` }))
      : [];

  // The browser module, uPlot from node_modules, and the icon (browsers ask for /favicon.ico).
  app.get('/assets/:name', async (c) => {
    const asset = loadAsset(c.req.param('name'));
    if (asset === undefined) return c.notFound();
    const { contentType, body } = await asset;
    c.header('content-type', contentType);
    c.header('cache-control', 'no-cache');
    return c.body(body);
  });
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301));

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
        faults: faultOptions,
        maxBatch: MAX_BATCH,
      }),
    ),
  );

  // The same runs, read with @structllm/react's useStructuredStream (react-app.tsx).
  app.get('/react', (c) =>
    c.html(
      renderReactPage({
        schemas: EXAMPLE_SCHEMAS.map((schema) => ({
          id: schema.id,
          label: schema.label,
          prompt: schema.defaultPrompt,
        })),
        faults: faultOptions,
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
      maxRetries = wholeNumber(body.maxRetries, 'maxRetries', 0, 10);
      schemaId = text(body.schema, 'schema') ?? 'profile';
      prompt = text(body.prompt, 'prompt');
      model = text(body.model, 'model') ?? backend.defaultModel;
      fallbackModels = (text(body.fallback, 'fallback') ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      fault = faultOf(body.fault);
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
    // Progress events (lifecycle, estimate) and elements go on the run's structured stream.
    const events = new StreamEvents();
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
            onElement: events.onElement,
          }),
      progressCallback: events.progressCallback,
    });
    let closed: Promise<void> | undefined;
    runs.set(id, {
      id,
      stream,
      events,
      started: false,
      ended: false,
      close: () => {
        closed ??= close();
        return closed;
      },
    });
    // A run nobody listens to is dropped after a minute.
    setTimeout(() => {
      const run = runs.get(id);
      if (run !== undefined && !run.started) {
        runs.delete(id);
        run.stream.abort(new Error('nobody listened'));
        void run.close();
      }
    }, 60_000).unref();
    const created: RunCreated = { id, model, schema: schema.id, fault: fault ?? null, elements };
    return c.json(created, 201);
  });

  // The run's structured stream, as `@structllm/http` sends it: resumable, so a page that
  // reloads, or whose connection drops, re-attaches at /api/runs/<id>/stream.
  app.get('/api/runs/:id/events', (c) => {
    const run = runs.get(c.req.param('id'));
    if (run === undefined || run.started) return c.json({ error: 'no such run' }, 404);
    run.started = true;
    starting = run.id;
    let response: Response;
    try {
      response = toEventStreamResponse(run.stream, {
        runs: streamRuns,
        events: run.events,
        signal: c.req.raw.signal,
      });
    } finally {
      starting = undefined;
    }
    void whenEnded(run);
    return response;
  });
  app.get('/api/runs/:id/stream', (c) => streamRuns.resumeResponse(c.req.param('id'), c.req.raw));

  // Where the run stands (a reloaded page asks whether it is paused).
  app.get('/api/runs/:id', (c) => {
    const run = runs.get(c.req.param('id'));
    if (run === undefined) return c.json({ error: 'no such run' }, 404);
    const body: RunState = { status: run.stream.status };
    return c.json(body);
  });

  /** Frees the run's resources once it ends; it stays known a while for a reloaded page. */
  async function whenEnded(run: Run): Promise<void> {
    while (!TERMINAL_STATUSES.includes(run.stream.status)) {
      await new Promise((resolve) => setTimeout(resolve, 100).unref());
      if (closing) return;
    }
    run.ended = true;
    await run.close();
    setTimeout(() => runs.delete(run.id), ENDED_RUN_KEPT_MS).unref();
  }

  const control = (action: 'pause' | 'resume' | 'cancel') =>
    app.post(`/api/runs/:id/${action}`, (c) => {
      const run = runs.get(c.req.param('id'));
      if (run === undefined || run.ended) return c.json({ error: 'no such run (finished?)' }, 404);
      if (action === 'pause') run.stream.pause();
      else if (action === 'resume') run.stream.resume();
      else run.stream.abort(new Error('cancelled from the page'));
      const body: RunState = { status: run.stream.status };
      return c.json(body);
    });
  control('pause');
  control('resume');
  control('cancel');

  // The batch panel: n variants of the prompt through routeStructuredBatch, one bar each.
  app.post('/api/batches', async (c) => {
    let body: BatchBody;
    try {
      body = (await c.req.json()) as BatchBody;
    } catch {
      return c.json({ error: 'the body must be JSON' }, 400);
    }
    let count: number;
    let concurrency: number;
    let model: string;
    let fault: FaultName | undefined;
    let schemaId: string;
    try {
      count = wholeNumber(body.count, 'count', 1, MAX_BATCH) ?? 4;
      concurrency = wholeNumber(body.concurrency, 'concurrency', 1, MAX_BATCH) ?? 2;
      model = text(body.model, 'model') ?? backend.defaultModel;
      schemaId = text(body.schema, 'schema') ?? 'profile';
      fault = faultOf(body.fault);
    } catch (error) {
      if (error instanceof BadInput) return c.json({ error: error.message }, 400);
      throw error;
    }
    const schema = findSchema(schemaId);
    if (schema === undefined) return c.json({ error: `unknown schema "${schemaId}"` }, 400);
    const { service, close } = await serviceFor(fault);
    const responseModel = responseModelFor(schema);
    const stream = service.routeStructuredBatch(
      Array.from({ length: count }, (_, index) => ({
        prompt: `${schema.defaultPrompt} (variant ${index + 1} of ${count})`,
        responseModel,
        model,
        timeouts: backend.timeouts,
      })),
      { concurrency },
    );
    const id = randomUUID();
    batches.set(id, { stream, count, started: false, close });
    setTimeout(() => {
      const batch = batches.get(id);
      if (batch !== undefined && !batch.started) {
        batches.delete(id);
        batch.stream.abort(new Error('nobody listened'));
        void batch.close();
      }
    }, 60_000).unref();
    return c.json({ id, count, concurrency, schema: schema.id, model }, 201);
  });

  app.get('/api/batches/:id/events', (c) => {
    const id = c.req.param('id');
    const batch = batches.get(id);
    if (batch === undefined || batch.started) return c.json({ error: 'no such batch' }, 404);
    batch.started = true;
    return streamSSE(c, async (sse) => {
      let chain = Promise.resolve();
      const send = (event: string, data: BatchItemMessage | BatchDoneMessage) => {
        const payload = JSON.stringify(data);
        chain = chain.then(() => sse.writeSSE({ event, data: payload })).catch(() => {});
      };
      sse.onAbort(() => batch.stream.abort(new Error('the page went away')));
      const startedAt = Date.now();
      const lastSent = new Map<number, { at: number; attempt: number }>();
      try {
        for await (const response of batch.stream) {
          const now = Date.now();
          const last = lastSent.get(response.index);
          if (
            response.isComplete ||
            last === undefined ||
            last.attempt !== response.attempt ||
            now - last.at >= 40
          ) {
            lastSent.set(response.index, { at: now, attempt: response.attempt });
            send('item', {
              index: response.index,
              status: !response.isComplete
                ? 'streaming'
                : response.error === undefined
                  ? 'complete'
                  : 'failed',
              progressPercent: response.progressPercent,
              attempt: response.attempt,
              ...(response.error === undefined ? {} : { category: response.error.category }),
            });
          }
        }
        const results = await batch.stream.results;
        const fulfilled = results.filter((result) => result.status === 'fulfilled').length;
        send('done', {
          elapsedMs: Date.now() - startedAt,
          fulfilled,
          rejected: results.length - fulfilled,
        });
      } finally {
        await chain;
        batches.delete(id);
        await batch.close();
      }
    });
  });

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
    dropConnections: () => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    },
    close: async () => {
      closing = true;
      for (const run of runs.values()) {
        run.stream.abort(new Error('server closing'));
        await run.close();
      }
      runs.clear();
      for (const batch of batches.values()) {
        batch.stream.abort(new Error('server closing'));
        await batch.close();
      }
      batches.clear();
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
