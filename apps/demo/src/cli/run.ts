import {
  type AttemptRecord,
  type ElementEvent,
  type ProgressEvent,
  type StreamingResponse,
  type StreamingStructuredRequest,
  StructuredLLMError,
} from '@structllm/core';
import { type Backend, connectBackend, createService, type Env, isUsageError } from '../backend.ts';
import { responseModelFor } from '../schemas.ts';
import { SIMULATED_MODEL_FORMS } from '../simulated/simulated-model.ts';
import { startWebServer } from '../web/server.ts';
import { type CliOptions, HELP, parseCliArgs } from './args.ts';
import { elementLine } from './elements.ts';
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

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** Cancelled by Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

/** Percentages to one decimal in `--json`: `0.1`, not `0.05995502249156459`. */
function percentJson(percent: number): number {
  return Math.round(percent * 10) / 10;
}

/** Listening failed (`EADDRINUSE`, …): one line saying what to do. */
function listenProblem(port: number, thrown: unknown): string {
  const code = (thrown as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${port} is already in use: pick another with --port <n>, or --port 0 for a free one`;
  }
  if (code === 'EACCES') {
    return `no permission to listen on port ${port}: pick one above 1023 with --port <n>, or --port 0 for a free one`;
  }
  return `cannot serve the page on port ${port}: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
}

/**
 * In simulated mode, the model and fallbacks must be ones a fake server serves:
 * otherwise the request would silently go to the fake OpenAI server under a
 * name nothing serves.
 */
function unservedModel(options: CliOptions, backend: Backend, model: string): string | undefined {
  const simulated = backend.simulated;
  if (simulated === undefined) return undefined;
  const flags: Array<[string, string]> = [
    ['--model', model],
    ...options.fallbackModels.map((name): [string, string] => ['--fallback', name]),
  ];
  for (const [flag, name] of flags) {
    if (simulated.serverFor(name) === undefined) {
      return `${flag} "${name}": no simulated server serves it. The simulated servers serve ${SIMULATED_MODEL_FORMS}; set an API key (or --base-url) for real models`;
    }
  }
  return undefined;
}

/** The first line: what really serves the request's model. */
function backendLine(backend: Backend, model: string): string {
  const server = backend.simulated?.serverFor(model);
  if (server === undefined) return backend.description;
  return `embedded simulated model (no API key): a ${server.name} at ${server.baseURL}, reached through ${server.packageName}`;
}

/** The model line, with the server of each fallback when it is another one. */
function modelLine(options: CliOptions, backend: Backend, model: string): string {
  const primary = backend.simulated?.serverFor(model);
  const fallbacks = options.fallbackModels.map((name) => {
    const server = backend.simulated?.serverFor(name);
    return server === undefined || server === primary ? name : `${name} (${server.name})`;
  });
  return `model ${model}${fallbacks.length > 0 ? `, fallbacks ${fallbacks.join(', ')}` : ''}; schema ${options.schema.id}${options.stream ? '' : '; not streaming'}`;
}

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
    if (!options.web) {
      const unserved = unservedModel(options, backend, options.model ?? backend.defaultModel);
      if (unserved !== undefined) {
        io.stderr.write(`error: ${unserved}\n`);
        return EXIT_USAGE;
      }
    }
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
  let web: Awaited<ReturnType<typeof startWebServer>>;
  try {
    web = await startWebServer({
      backend,
      port: options.port,
      ...(options.paceMs === undefined ? {} : { paceMs: options.paceMs }),
    });
  } catch (thrown) {
    io.stderr.write(`error: ${listenProblem(options.port, thrown)}\n`);
    return EXIT_FAILED;
  }
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
    `${colors.bold('Using')} ${backendLine(backend, model)}\n${colors.dim(modelLine(options, backend, model))}\n`,
  );
  const interrupted = () => io.signal?.aborted === true;
  const failureLine = (view: RequestView) =>
    `error: ${batch ? `request #${view.index + 1} ` : ''}failed [${view.error?.category ?? 'unknown'}]: ${view.error?.message ?? 'no result'}\n`;

  const views: RequestView[] = Array.from({ length: count }, (_, index) => newView(index, model));
  // --elements (single request only, checked by the parser): where the array is and what it holds.
  const elements = options.elements ? options.schema.elements : undefined;
  const display = elements === undefined ? {} : { elements: { noun: elements.noun } };
  const renderer: Renderer | undefined = options.json
    ? undefined
    : out.isTTY === true
      ? createTtyRenderer(out, { batch, env: io.env, ...display })
      : createPlainRenderer(out, { batch, ...display });
  const outColors = colorsFor(out, io.env);
  /** Every attempt of the single request, once it ended (for the --elements --json summary). */
  let attempts: readonly AttemptRecord[] = [];

  const onEvent = (index: number, event: ProgressEvent) => {
    const view = views[index];
    if (view === undefined) return;
    if (event.eventType === 'start') view.startedAt ??= Date.now();
    if (event.estimate !== undefined) view.estimate = event.estimate;
    // A failure is printed once, when the request ends; after Ctrl-C only the summary line.
    if ((event.eventType === 'retry' || event.eventType === 'fallback') && !interrupted()) {
      const delivered = event.data?.deliveredElements;
      const detail =
        elements !== undefined && typeof delivered === 'number' && delivered > 0
          ? ` — ${delivered} ${elements.noun} already printed, not printed again`
          : undefined;
      renderer?.note(view, event, detail);
      renderer?.update(view);
    }
  };

  const onElement = (index: number, element: ElementEvent<unknown>) => {
    const view = views[index];
    if (view === undefined || element.error !== undefined) return;
    view.elementsPrinted++;
    if (options.json) {
      out.write(`${JSON.stringify({ index: element.index, element: element.value })}\n`);
    } else {
      renderer?.element(view, elementLine(element.index, element.value, outColors.dim));
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
      view.elementCount = response.elementCount;
      if (response.error?.category === 'aborted' && interrupted()) {
        // Ctrl-C: not a failure to report one by one; the summary line counts it.
        view.status = 'cancelled';
        return;
      }
      if (batch && view.status === 'failed') io.stderr.write(failureLine(view));
    }
    if (options.json && elements !== undefined) {
      // One line per element (written by onElement), then this summary.
      if (response.isComplete) {
        out.write(
          `${JSON.stringify({
            elementCount: response.elementCount ?? view.elementsPrinted,
            replacedElements: view.replacedElements,
            attempt: response.attempt,
            model: response.model,
            attempts,
            isComplete: true,
            result: response.error === undefined ? response.partialResult : undefined,
            ...(response.error === undefined ? {} : { error: response.error.toJSON() }),
          })}\n`,
        );
      }
    } else if (options.json) {
      out.write(
        `${JSON.stringify({
          index,
          attempt: response.attempt,
          model: response.model,
          progressPercent: percentJson(response.progressPercent),
          ...(response.isComplete || view.estimate === undefined
            ? {}
            : { estimate: view.estimate }),
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
    ...(elements === undefined
      ? {}
      : {
          // Each element printed as it arrives, then released: memory stays flat however long the array.
          elementPath: elements.path,
          retainElements: false,
          onElement: (element: ElementEvent<unknown>) => onElement(view.index, element),
        }),
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
      const stream = service.routeStructuredStreaming(request);
      const view = views[0];
      for await (const response of stream) {
        if (view !== undefined && response.isComplete) {
          view.replacedElements = stream.replacedElements;
          attempts = stream.attempts;
        }
        onResponse(0, response);
      }
    }
  }
  renderer?.finish(views);

  const cancelled = views.filter(
    (view) => view.status === 'cancelled' || view.status === 'waiting',
  );
  if (cancelled.length > 0) {
    io.stderr.write(`${interruptionLine(views, cancelled.length, elements?.noun)}\n`);
    return EXIT_INTERRUPTED;
  }
  const failed = views.filter((view) => view.status !== 'complete');
  if (failed.length === 0) return EXIT_OK;
  if (!batch) for (const view of failed) io.stderr.write(failureLine(view));
  return EXIT_FAILED;
}

/** The one line a Ctrl-C ends with: how far the run got. */
function interruptionLine(
  views: readonly RequestView[],
  cancelled: number,
  noun: string | undefined,
): string {
  if (views.length > 1) {
    const complete = views.filter((view) => view.status === 'complete').length;
    const failed = views.filter((view) => view.status === 'failed').length;
    return `interrupted: ${complete + failed} of ${views.length} requests ended (${complete} complete, ${failed} failed), ${cancelled} cancelled`;
  }
  const view = views[0];
  if (view === undefined) return 'interrupted';
  const seconds =
    view.startedAt === undefined
      ? ''
      : `, ${(((view.endedAt ?? Date.now()) - view.startedAt) / 1000).toFixed(1)}s`;
  const printed = noun === undefined ? '' : `; ${view.elementsPrinted} ${noun} printed`;
  return `interrupted at ${view.percent.toFixed(0)}% (attempt ${view.attempt}, ${view.model}${seconds}): cancelled${printed}`;
}
