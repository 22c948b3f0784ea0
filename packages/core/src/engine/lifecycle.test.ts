import { describe, expect, it, vi } from 'vitest';
import { StructuredLLMError } from '../errors/index.ts';
import { createObserverHub, type Logger, type Observer } from '../observe/index.ts';
import { type ProgressEvent, ProgressTracker } from '../progress/index.ts';
import type { AttemptOutcome } from './attempt/index.ts';
import { emitLifecycle, type LifecycleContext, type LifecycleEvent } from './lifecycle.ts';
import { RequestRun } from './request-run.ts';

/** A run on its first try of `openai/gpt-4o`, after 1 s. */
function runAt(): RequestRun<{ ok: boolean }> {
  const run = new RequestRun<{ ok: boolean }>();
  let clock = 1_000;
  run.now = () => clock;
  run.id = 'req_1';
  run.startedAt = 0;
  run.context = { requestId: 'req_1', schemaName: 'Answer', streaming: true };
  run.model = 'openai/gpt-4o';
  run.provider = 'openai';
  run.mode = 'json_schema';
  run.streaming = true;
  run.attempt = 1;
  clock = 1_250;
  return run;
}

/** A request on its first try, and every subscriber's calls, in the order they came. */
function subscribers() {
  const progress: ProgressEvent[] = [];
  const observed: Array<[string, unknown]> = [];
  const debug: Array<[string, unknown]> = [];
  const observer: Observer = {
    name: 'recorder',
    onAttemptStart: (event) => {
      observed.push(['onAttemptStart', event]);
    },
    onRetry: (event) => {
      observed.push(['onRetry', event]);
    },
    onFallback: (event) => {
      observed.push(['onFallback', event]);
    },
    onRequestEnd: (event) => {
      observed.push(['onRequestEnd', event]);
    },
  };
  const logger: Logger = {
    debug: (message, data) => debug.push([message, data]),
    info: vi.fn(),
    warn: vi.fn(),
    error: vi.fn(),
  };
  const context: LifecycleContext = {
    run: runAt(),
    tracker: new ProgressTracker({ callback: (event) => void progress.push(event), now: () => 7 }),
    env: { hub: createObserverHub([observer], vi.fn()), logger },
  };
  return { progress, observed, debug, context };
}

const serverError = new StructuredLLMError({
  category: 'server',
  message: 'upstream 503',
  retryable: true,
});

describe('the request lifecycle: one emission, three subscribers', () => {
  it('a retry reaches the progress callback, the observers and the debug log once each', () => {
    const { progress, observed, debug, context } = subscribers();
    emitLifecycle(context, { type: 'retry', error: serverError, delayMs: 500 });

    expect(progress).toEqual([
      {
        eventType: 'retry',
        message: 'Retrying openai/gpt-4o after server (attempt 2)',
        progressPercent: 0,
        timestamp: 7,
        data: { attempt: 2, model: 'openai/gpt-4o', category: 'server', delayMs: 500 },
      },
    ]);
    expect(observed).toEqual([
      [
        'onRetry',
        {
          requestId: 'req_1',
          schemaName: 'Answer',
          streaming: true,
          attempt: 1,
          model: 'openai/gpt-4o',
          provider: 'openai',
          mode: 'json_schema',
          server: undefined,
          error: serverError,
          delayMs: 500,
        },
      ],
    ]);
    // The debug line carries the attempt's context, as the observers' events do.
    expect(debug).toEqual([
      [
        'retry',
        {
          requestId: 'req_1',
          schemaName: 'Answer',
          streaming: true,
          attempt: 1,
          model: 'openai/gpt-4o',
          provider: 'openai',
          mode: 'json_schema',
          server: undefined,
          category: 'server',
          delayMs: 500,
        },
      ],
    ]);
  });

  it('each subscriber hears only the moments it reports, in the order they happen', () => {
    const { progress, observed, debug, context } = subscribers();
    const outcome: AttemptOutcome<{ ok: boolean }> = {
      value: { ok: true },
      chars: 11,
      rawChunks: ['{"ok":true}'],
      usage: { inputTokens: 3, outputTokens: 4 },
      finishReason: 'stop',
      responseId: 'resp_1',
      responseModel: 'gpt-4o-2024',
    };
    const moments: LifecycleEvent[] = [
      { type: 'start' },
      { type: 'attempt' },
      { type: 'degrade', to: 'tool' },
      { type: 'exhausted', error: serverError },
      { type: 'fallback', error: serverError, to: 'anthropic/claude' },
      { type: 'success', outcome },
    ];
    for (const moment of moments) emitLifecycle(context, moment);

    expect(progress.map((event) => event.eventType)).toEqual([
      'start',
      'retry',
      'fallback',
      'complete',
    ]);
    expect(progress[1]?.message).toBe('openai/gpt-4o cannot use this output mode; trying "tool"');
    // `onRequestStart` is the runner's, when it starts the request's hub (observers.test.ts).
    expect(observed.map(([hook]) => hook)).toEqual([
      'onAttemptStart',
      'onFallback',
      'onRequestEnd',
    ]);
    expect(observed[1]?.[1]).toEqual({
      requestId: 'req_1',
      schemaName: 'Answer',
      streaming: true,
      fromModel: 'openai/gpt-4o',
      toModel: 'anthropic/claude',
      reason: 'server',
    });
    // The answering attempt's usage, finish reason and response id are on its `onAttemptEnd`.
    expect(observed[2]?.[1]).toEqual({
      requestId: 'req_1',
      schemaName: 'Answer',
      streaming: true,
      status: 'success',
      model: 'openai/gpt-4o',
      provider: 'openai',
      error: undefined,
      attempts: [],
      durationMs: 1_250,
    });
    expect(debug.map(([message]) => message)).toEqual([
      'attempt',
      'output mode fallback',
      'model exhausted',
      'model fallback',
    ]);
  });

  it('a failure ends the progress with an error event and the observers with status error', () => {
    const { progress, observed, debug, context } = subscribers();
    emitLifecycle(context, { type: 'failure', error: serverError });
    expect(progress).toMatchObject([
      { eventType: 'error', message: 'upstream 503', data: { category: 'server', attempts: 1 } },
    ]);
    expect(observed).toMatchObject([['onRequestEnd', { status: 'error', error: serverError }]]);
    expect(debug).toEqual([
      ['request failed', { requestId: 'req_1', category: 'server', attempts: 1 }],
    ]);
  });
});
