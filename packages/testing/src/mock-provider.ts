import {
  type FinishReason,
  type OutputMode,
  StructuredLLMError,
  type StructuredProvider,
  type Usage,
} from '@structllm/core';
import {
  httpError,
  type ProviderCall,
  type ProviderCapabilities,
  type ProviderPart,
  type ProviderResult,
} from '@structllm/core/provider';
import { chunkText } from './chunk-text.ts';

/** What the mock model does for one call. */
export interface MockResponse {
  /** The JSON text the model writes. */
  readonly text?: string;
  /** Or a value, written as JSON (pretty-printed, as models do). */
  readonly json?: unknown;
  /** Exact chunks to send; by default the text is cut every `chunkSize` characters. */
  readonly chunks?: readonly string[];
  /** Default 8. */
  readonly chunkSize?: number;
  /** Wait before each chunk (a timer: use fake timers in tests). Default 0: no wait, no timer. */
  readonly delayMs?: number;
  /** Wait before the first chunk. */
  readonly firstChunkDelayMs?: number;
  /** Default 'stop'. */
  readonly finishReason?: FinishReason;
  readonly usage?: Usage;
  readonly id?: string;
  readonly model?: string;
  /** Fail before any output: an error, or an HTTP status mapped as providers map it. */
  readonly error?:
    | StructuredLLMError
    | { readonly status: number; readonly retryAfterMs?: number; readonly message?: string };
  /** After this many chunks, fail mid-stream with `midStreamError` (default: a retryable server error). */
  readonly failAfterChunks?: number;
  readonly midStreamError?: StructuredLLMError;
  /** After this many chunks, send nothing more until the call is aborted. */
  readonly stallAfterChunks?: number;
  /** After this many chunks, end the stream without a finish part (a dropped connection). */
  readonly truncateAfterChunks?: number;
}

export type MockScript =
  | readonly MockResponse[]
  | ((call: ProviderCall, index: number) => MockResponse);

export interface MockProviderOptions {
  /** Routing prefix. Default 'mock'. */
  readonly id?: string;
  /** One response per call, in order (the last one repeats), or a function of the call. */
  readonly responses: MockScript;
  /** Default true. */
  readonly streaming?: boolean;
  /** Default: every mode. */
  readonly modes?: readonly OutputMode[];
  /** Per-model capabilities, overriding `streaming` and `modes`. */
  readonly supports?: (model: string) => ProviderCapabilities;
  /**
   * The provider's `abortEndsReads`. Default true: every wait of the mock's streams
   * ends once the call's signal aborts. False has the engine watch the abort for
   * every read, as for a provider that does not say so.
   */
  readonly abortEndsReads?: boolean;
}

export interface MockProvider extends StructuredProvider {
  /** Every call received, in order. */
  readonly calls: ProviderCall[];
  /** Calls currently running (streams not yet finished). */
  readonly inFlight: number;
  /** Highest number of calls running at once. */
  readonly maxInFlight: number;
}

const ALL_MODES: readonly OutputMode[] = ['json_schema', 'tool', 'json_object', 'prompt'];

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(abortReason(signal));
    else signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
  });
}

function abortReason(signal: AbortSignal): StructuredLLMError {
  return StructuredLLMError.is(signal.reason)
    ? signal.reason
    : new StructuredLLMError({
        category: 'aborted',
        message: 'The call was aborted',
        cause: signal.reason,
      });
}

function toError(error: NonNullable<MockResponse['error']>): StructuredLLMError {
  if (StructuredLLMError.is(error)) return error;
  return httpError(error.status, error.message ?? 'mock provider error', {
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
}

function textOf(response: MockResponse): string {
  if (response.chunks !== undefined) return response.chunks.join('');
  if (response.text !== undefined) return response.text;
  if (response.json !== undefined) return JSON.stringify(response.json, null, 2);
  return '';
}

function chunksOf(response: MockResponse): string[] {
  if (response.chunks !== undefined) return [...response.chunks];
  return chunkText(textOf(response), response.chunkSize ?? 8);
}

/**
 * A scriptable provider for tests: scripted text in chunks, delays, HTTP-style
 * errors, mid-stream failures, stalls and truncation, with every call recorded.
 * It honours the call's abort signal like a real provider.
 */
export function createMockProvider(options: MockProviderOptions): MockProvider {
  const calls: ProviderCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const responseFor = (call: ProviderCall): MockResponse => {
    const index = calls.length;
    calls.push(call);
    const script = options.responses;
    if (typeof script === 'function') return script(call, index);
    const response = script[Math.min(index, script.length - 1)];
    if (response === undefined) throw new Error('createMockProvider: `responses` is empty');
    return response;
  };

  async function* stream(
    response: MockResponse,
    signal: AbortSignal,
  ): AsyncGenerator<ProviderPart> {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      yield {
        type: 'metadata',
        id: response.id ?? `mock-${calls.length}`,
        model: response.model ?? 'mock-model',
      };
      const chunks = chunksOf(response);
      for (let i = 0; i < chunks.length; i++) {
        if (i === response.failAfterChunks) {
          throw (
            response.midStreamError ??
            new StructuredLLMError({
              category: 'server',
              message: 'mock: the stream broke mid-way',
            })
          );
        }
        if (i === response.stallAfterChunks) await waitForAbort(signal);
        if (i === response.truncateAfterChunks) return;
        const delay = i === 0 ? (response.firstChunkDelayMs ?? response.delayMs) : response.delayMs;
        if (delay !== undefined && delay > 0) await wait(delay, signal);
        if (signal.aborted) throw abortReason(signal);
        yield { type: 'text-delta', delta: chunks[i] as string };
      }
      if (response.failAfterChunks !== undefined && response.failAfterChunks >= chunks.length) {
        throw (
          response.midStreamError ??
          new StructuredLLMError({
            category: 'server',
            message: 'mock: the stream broke at the end',
          })
        );
      }
      if (response.stallAfterChunks !== undefined && response.stallAfterChunks >= chunks.length) {
        await waitForAbort(signal);
      }
      if (response.truncateAfterChunks !== undefined) return;
      yield {
        type: 'finish',
        finishReason: response.finishReason ?? 'stop',
        ...(response.usage === undefined ? {} : { usage: response.usage }),
      };
    } finally {
      inFlight--;
    }
  }

  return {
    specificationVersion: 'v1',
    id: options.id ?? 'mock',
    abortEndsReads: options.abortEndsReads ?? true,
    calls,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    supports(model) {
      if (options.supports !== undefined) return options.supports(model);
      return { streaming: options.streaming ?? true, modes: options.modes ?? ALL_MODES };
    },
    async doStream(call) {
      const response = responseFor(call);
      if (call.signal.aborted) throw abortReason(call.signal);
      if (response.error !== undefined) {
        if (response.firstChunkDelayMs !== undefined)
          await wait(response.firstChunkDelayMs, call.signal);
        throw toError(response.error);
      }
      return stream(response, call.signal);
    },
    async doGenerate(call): Promise<ProviderResult> {
      const response = responseFor(call);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const delay = response.firstChunkDelayMs ?? response.delayMs;
        if (delay !== undefined && delay > 0) await wait(delay, call.signal);
        if (response.stallAfterChunks !== undefined) await waitForAbort(call.signal);
        if (response.error !== undefined) throw toError(response.error);
        if (response.failAfterChunks !== undefined) {
          throw (
            response.midStreamError ??
            new StructuredLLMError({ category: 'server', message: 'mock: the call failed' })
          );
        }
        const text =
          response.truncateAfterChunks !== undefined
            ? chunksOf(response).slice(0, response.truncateAfterChunks).join('')
            : textOf(response);
        return {
          text,
          finishReason: response.finishReason ?? 'stop',
          id: response.id ?? `mock-${calls.length}`,
          model: response.model ?? 'mock-model',
          ...(response.usage === undefined ? {} : { usage: response.usage }),
        };
      } finally {
        inFlight--;
      }
    },
  };
}
