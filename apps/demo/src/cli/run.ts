import {
  type ProgressEvent,
  type StreamingResponse,
  type StreamingStructuredRequest,
  StructuredLLMError,
} from '@structllm/core';
import { type Backend, connectBackend, createService, type Env, isUsageError } from '../backend.ts';
import { responseModelFor } from '../schemas.ts';
import { startWebServer } from '../web/server.ts';
import { type CliOptions, HELP, parseCliArgs } from './args.ts';
import {
  colorsFor,
  createPlainRenderer,
  createTtyRenderer,
  newView,
  type Output,
  type Renderer,
  type RequestView,
} from './render.ts';

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Env;
  /** Aborts the run (Ctrl-C); for `--web`, stops the server. */
  readonly signal?: AbortSignal;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function toError(thrown: unknown): StructuredLLMError {
  return StructuredLLMError.is(thrown)
    ? thrown
    : new StructuredLLMError({
        category: 'unknown',
        message: thrown instanceof Error ? thrown.message : String(thrown),
        cause: thrown,
      });
}

/** Runs the demo CLI; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (thrown) {
    io.stderr.write(`error: ${toError(thrown).message}\n`);
    return EXIT_USAGE;
  }
  if (options.help) {
    io.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  let backend: Backend;
  try {
    backend = await connectBackend({
      simulated: options.simulated,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      ...(options.web ? {} : { faults: options.faults }),
      ...(options.paceMs === undefined ? {} : { paceMs: options.paceMs }),
      env: io.env,
    });
  } catch (thrown) {
    const error = toError(thrown);
    io.stderr.write(`error: ${error.message}\n`);
    return isUsageError(error) ? EXIT_USAGE : EXIT_FAILED;
  }
  try {
    return options.web
      ? await serveWeb(options, backend, io)
      : await runRequests(options, backend, io);
  } finally {
    await backend.close();
  }
}

async function serveWeb(options: CliOptions, backend: Backend, io: CliIo): Promise<number> {
  if (options.faults.length > 0) {
    io.stderr.write('note: --fault is chosen per run in the web page\n');
  }
  const web = await startWebServer({
    backend,
    port: options.port,
    ...(options.paceMs === undefined ? {} : { paceMs: options.paceMs }),
  });
  const colors = colorsFor(io.stdout, io.env);
  io.stdout.write(
    `Using ${backend.description}\nstructllm demo page: ${colors.cyan(web.url)}  (metrics: ${web.url}/metrics; Ctrl-C to stop)\n`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal === undefined) return;
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await web.close();
  return EXIT_OK;
}

async function runRequests(options: CliOptions, backend: Backend, io: CliIo): Promise<number> {
  const out = io.stdout;
  const batch = options.batch !== undefined;
  const count = options.batch ?? 1;
  const model = options.model ?? backend.defaultModel;
  const header = options.json ? io.stderr : out;
  const colors = colorsFor(header, io.env);
  header.write(
    `${colors.bold('Using')} ${backend.description}\n${colors.dim(`model ${model}${options.fallbackModels.length > 0 ? `, fallbacks ${options.fallbackModels.join(', ')}` : ''}; schema ${options.schema.id}${options.stream ? '' : '; not streaming'}`)}\n`,
  );

  const views: RequestView[] = Array.from({ length: count }, (_, index) => newView(index, model));
  const renderer: Renderer | undefined = options.json
    ? undefined
    : out.isTTY === true
      ? createTtyRenderer(out, { batch, env: io.env })
      : createPlainRenderer(out, { batch });

  const onEvent = (index: number, event: ProgressEvent) => {
    const view = views[index];
    if (view === undefined) return;
    if (event.eventType === 'start') view.startedAt ??= Date.now();
    if (
      event.eventType === 'retry' ||
      event.eventType === 'fallback' ||
      event.eventType === 'error'
    ) {
      renderer?.note(view, event);
      renderer?.update(view);
    }
  };

  const onResponse = (index: number, response: StreamingResponse<unknown>) => {
    const view = views[index];
    if (view === undefined) return;
    view.startedAt ??= Date.now();
    view.chunks += response.rawChunks?.length ?? 0;
    view.percent = response.progressPercent;
    view.attempt = response.attempt;
    view.model = response.model;
    view.partial = response.partialResult;
    view.status = 'streaming';
    if (response.isComplete) {
      view.endedAt = Date.now();
      view.status = response.error === undefined ? 'complete' : 'failed';
      view.error = response.error;
    }
    if (options.json) {
      out.write(
        `${JSON.stringify({
          index,
          attempt: response.attempt,
          model: response.model,
          progressPercent: response.progressPercent,
          isComplete: response.isComplete,
          partialResult: response.partialResult,
          ...(response.error === undefined ? {} : { error: response.error.toJSON() }),
        })}\n`,
      );
    } else {
      renderer?.update(view);
    }
  };

  const responseModel = responseModelFor(options.schema);
  const requests: StreamingStructuredRequest<unknown>[] = views.map((view) => ({
    prompt: batch ? `${options.prompt} (variant ${view.index + 1} of ${count})` : options.prompt,
    responseModel,
    model,
    fallbackModels: options.fallbackModels,
    enableStreaming: options.stream,
    timeouts: backend.timeouts,
    progressCallback: (event: ProgressEvent) => onEvent(view.index, event),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.chunkSize === undefined ? {} : { streamingChunkSize: options.chunkSize }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
  }));

  const service = createService(backend);
  if (batch) {
    const stream = service.routeStructuredBatch(requests, {
      concurrency: options.concurrency,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
    for await (const response of stream) onResponse(response.index, response);
  } else {
    const [request] = requests;
    if (request !== undefined) {
      for await (const response of service.routeStructuredStreaming(request)) {
        onResponse(0, response);
      }
    }
  }
  renderer?.finish(views);

  const failed = views.filter((view) => view.status !== 'complete');
  if (failed.length === 0) return EXIT_OK;
  for (const view of failed) {
    const error = view.error;
    io.stderr.write(
      `error: ${batch ? `request #${view.index + 1} ` : ''}failed [${error?.category ?? 'unknown'}]: ${error?.message ?? 'no result'}\n`,
    );
  }
  return EXIT_FAILED;
}
