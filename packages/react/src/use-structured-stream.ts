import type { DeepPartial, ResponseModel, StreamingResponse } from '@structllm/core';
import { StructuredLLMError } from '@structllm/core';
import { type ClientStructuredStream, readStructuredStream } from '@structllm/http/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/** Where the hook's request stands. */
export type StructuredStreamStatus =
  /** Nothing submitted yet. */
  | 'idle'
  /** A request is being read (its first byte may not have arrived yet). */
  | 'streaming'
  /** The validated value arrived: `partial` is it. */
  | 'complete'
  /** The request failed: `error` says why. */
  | 'failed'
  /** `stop()` ended the request (or a new `submit` replaced it). */
  | 'stopped';

export interface UseStructuredStreamOptions<T, I> {
  /**
   * The endpoint `submit(input)` posts to: `POST api` with `JSON.stringify(input)`
   * as a JSON body, answered by `toEventStreamResponse` / `writeEventStream`.
   */
  readonly api?: string | URL;
  /**
   * Makes the request instead of `api`: returns the server's `Response` (or its
   * byte stream). Must pass `signal` on, so that `stop()`, a new `submit` and
   * unmounting cancel it.
   */
  readonly fetcher?: (
    input: I,
    init: { readonly signal: AbortSignal },
  ) => Promise<Response | ReadableStream<Uint8Array>> | Response | ReadableStream<Uint8Array>;
  /** Checks partials as they complete and types and validates the final value. */
  readonly responseModel?: ResponseModel<T>;
  /** Maps the id given to `resume(id)` to the run's URL. Default: the id is the URL (`resumeUrl`). */
  readonly resumeUrl?: (runId: string) => string;
  /** Extra request options for `api` (headers, credentials…). */
  readonly init?: Omit<RequestInit, 'body' | 'method' | 'signal'>;
  /** `fetch` for `api` and for re-attaching after a dropped connection. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** Called once with the validated value. */
  readonly onFinish?: (value: T) => void;
  /** Called once when a request fails (not when it is stopped). */
  readonly onError?: (error: StructuredLLMError) => void;
}

export interface UseStructuredStreamResult<T, I> {
  /** The object so far (the validated value once `status` is `complete`). */
  readonly partial: DeepPartial<T> | T | undefined;
  /** The request's progress, 0–100. */
  readonly progress: number;
  /** The server's attempt (a retry or fallback starts the partial over); 0 before the first. */
  readonly attempt: number;
  readonly status: StructuredStreamStatus;
  /** Why the request failed, with its `category` (`network`, `rate_limit`, `validation`…). */
  readonly error: StructuredLLMError | undefined;
  /** The server's run id, for a resumable run (store it to `resume` after a reload). */
  readonly runId: string | undefined;
  /** Where the run can be re-attached to, for a resumable run. */
  readonly resumeUrl: string | undefined;
  /** Starts a request (stopping the one running). */
  submit(input: I): void;
  /** Stops the running request; `status` becomes `stopped`. */
  stop(): void;
  /** Re-attaches to a run (after a page reload) and reads it from its start. */
  resume(runId: string): void;
}

/** What the hook renders: its result without the actions. */
type State<T> = Omit<UseStructuredStreamResult<T, never>, 'submit' | 'stop' | 'resume'>;

const IDLE: State<never> = {
  partial: undefined,
  progress: 0,
  attempt: 0,
  status: 'idle',
  error: undefined,
  runId: undefined,
  resumeUrl: undefined,
};

type Source<I> =
  | { readonly kind: 'submit'; readonly input: I }
  | { readonly kind: 'resume'; readonly id: string };

/** One request of the hook: cancelled before it starts when it is replaced in the same turn. */
interface Job {
  readonly controller: AbortController;
  stream: ClientStructuredStream<unknown> | undefined;
  stopped: boolean;
}

function startFailure(cause: unknown): StructuredLLMError {
  if (StructuredLLMError.is(cause)) return cause;
  return new StructuredLLMError({
    category: 'network',
    code: 'fetch_failed',
    message: 'The structured stream could not be fetched',
    cause,
  });
}

function cancel(job: Job | undefined): void {
  if (job === undefined || job.stopped) return;
  job.stopped = true;
  job.controller.abort();
  job.stream?.abort();
}

interface Context<T, I> {
  readonly options: { readonly current: UseStructuredStreamOptions<T, I> };
  readonly setState: (update: State<T> | ((previous: State<T>) => State<T>)) => void;
}

type Ids = { readonly runId: string | undefined; readonly resumeUrl: string | undefined };

async function read<T, I>(
  context: Context<T, I>,
  job: Job,
  source: Source<I>,
  current: () => boolean,
): Promise<void> {
  const opts = context.options.current;
  const { signal } = job.controller;
  const readOptions = {
    ...(opts.responseModel === undefined ? {} : { responseModel: opts.responseModel }),
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    signal,
  };
  let stream: ClientStructuredStream<T>;
  try {
    if (source.kind === 'resume') {
      stream = readStructuredStream<T>(opts.resumeUrl?.(source.id) ?? source.id, readOptions);
    } else if (opts.fetcher !== undefined) {
      const answer = await opts.fetcher(source.input, { signal });
      if (!current()) {
        if (answer instanceof Response) void answer.body?.cancel().catch(() => undefined);
        else void answer.cancel().catch(() => undefined);
        return;
      }
      stream = readStructuredStream<T>(answer, readOptions);
    } else if (opts.api !== undefined) {
      const headers = new Headers(opts.init?.headers);
      headers.set('content-type', 'application/json');
      stream = readStructuredStream<T>(
        {
          url: opts.api,
          init: { ...opts.init, method: 'POST', headers, body: JSON.stringify(source.input) },
        },
        readOptions,
      );
    } else {
      throw new StructuredLLMError({
        category: 'bad_request',
        code: 'no_endpoint',
        message: 'useStructuredStream needs `api` or `fetcher` to submit',
      });
    }
  } catch (cause) {
    if (current()) fail(context, startFailure(cause), undefined, undefined);
    return;
  }
  job.stream = stream as ClientStructuredStream<unknown>;
  for await (const response of stream) {
    if (!current()) {
      stream.abort();
      return;
    }
    const ids: Ids = { runId: stream.runId, resumeUrl: stream.resumeUrl };
    if (response.error !== undefined) fail(context, response.error, response, ids);
    else if (response.isComplete) {
      context.setState({
        partial: response.partialResult,
        progress: 100,
        attempt: response.attempt,
        status: 'complete',
        error: undefined,
        ...ids,
      });
      context.options.current.onFinish?.(response.partialResult as T);
    } else {
      context.setState((previous) => ({
        ...previous,
        // A response with no new text (progress only) keeps the partial it had.
        partial:
          response.partialResult === undefined && response.attempt === previous.attempt
            ? previous.partial
            : response.partialResult,
        progress: response.progressPercent,
        attempt: response.attempt,
        ...ids,
      }));
    }
  }
}

function fail<T, I>(
  context: Context<T, I>,
  error: StructuredLLMError,
  response: StreamingResponse<T> | undefined,
  ids: Ids | undefined,
): void {
  context.setState((previous) => ({
    ...previous,
    ...(response === undefined
      ? {}
      : { attempt: response.attempt, progress: response.progressPercent }),
    status: 'failed',
    error,
    runId: ids?.runId ?? previous.runId,
    resumeUrl: ids?.resumeUrl ?? previous.resumeUrl,
  }));
  context.options.current.onError?.(error);
}

/**
 * Reads a structured stream from a `@structllm/http` server into React state:
 * the partial object as it grows, progress, the attempt and the outcome.
 * A new `submit` stops the previous request, unmounting stops the running one,
 * and a request is only made after the render's effects have settled, so React
 * StrictMode's doubled effects never make two.
 */
export function useStructuredStream<T = unknown, I = unknown>(
  options: UseStructuredStreamOptions<T, I>,
): UseStructuredStreamResult<T, I> {
  const [state, setState] = useState<State<T>>(IDLE);
  // The latest options, read when a request starts (callbacks may change every render).
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const jobRef = useRef<Job | undefined>(undefined);

  const run = useCallback((source: Source<I>): void => {
    cancel(jobRef.current);
    const job: Job = { controller: new AbortController(), stream: undefined, stopped: false };
    jobRef.current = job;
    setState({ ...IDLE, status: 'streaming' });
    const current = (): boolean => jobRef.current === job && !job.stopped;
    // Started on the next microtask: a request replaced (or unmounted) within the same
    // commit — StrictMode runs effects twice — is dropped before anything is fetched.
    queueMicrotask(() => {
      if (current()) void read({ options: optionsRef, setState }, job, source, current);
    });
  }, []);

  const stop = useCallback((): void => {
    const job = jobRef.current;
    if (job === undefined || job.stopped) return;
    cancel(job);
    setState((previous) =>
      previous.status === 'streaming' ? { ...previous, status: 'stopped' } : previous,
    );
  }, []);

  // Unmounting stops the running request. (StrictMode's simulated unmount comes before a
  // request queued in the same commit has started: that one is dropped, and the effects'
  // second run queues it again.)
  useEffect(() => () => cancel(jobRef.current), []);

  const submit = useCallback((input: I) => run({ kind: 'submit', input }), [run]);
  const resume = useCallback((id: string) => run({ kind: 'resume', id }), [run]);

  return useMemo(() => ({ ...state, submit, stop, resume }), [state, submit, stop, resume]);
}
