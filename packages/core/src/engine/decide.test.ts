import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ErrorCategory, StructuredLLMError } from '../errors/index.ts';
import { OUTPUT_MODE_DEGRADATION } from '../provider/index.ts';
import {
  attemptCeiling,
  type Decision,
  type DecisionState,
  decide,
  type Failure,
} from './decide.ts';
import { INVALID_ELEMENT } from './elements.ts';

function failure(
  category: ErrorCategory,
  options: { code?: string | undefined; retryable?: boolean; retryAfterMs?: number } = {},
  stage: Failure['stage'] = 'attempt',
): Failure {
  return {
    stage,
    error: new StructuredLLMError({
      category,
      message: `${category} failure`,
      ...(options.code === undefined ? {} : { code: options.code }),
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    }),
  };
}

/** One model of two, its first try made and failed in its best mode; no jitter. */
function state(overrides: Partial<DecisionState> = {}): DecisionState {
  return {
    signal: { aborted: false },
    attempt: 1,
    ceiling: attemptCeiling(2, 3),
    retries: 0,
    limitReasks: 0,
    modes: ['json_schema', 'tool', 'prompt'],
    mode: 'json_schema',
    nextModel: 'fallback-model',
    maxRetries: 3,
    retry: { baseDelayMs: 100, jitter: 'none' },
    ...overrides,
  };
}

const server = failure('server', { retryable: true });
const lastModel = { nextModel: undefined };
const timedOut = new StructuredLLMError({
  category: 'timeout',
  code: 'total_timeout',
  retryable: false,
  message: 'The request did not finish within timeouts.totalMs (10 ms)',
});

describe('decide: one row per rule', () => {
  const rows: ReadonlyArray<{
    readonly rule: string;
    readonly failure: Failure;
    readonly state: DecisionState;
    readonly expected: Partial<Decision> & Pick<Decision, 'action'>;
  }> = [
    {
      rule: 'a model that cannot be routed falls back to the next model',
      failure: failure('bad_request', {}, 'route'),
      state: state({ attempt: 1 }),
      expected: { action: 'fallback', model: 'fallback-model' },
    },
    {
      rule: 'a model that cannot be routed, with none left, fails with its error',
      failure: failure('bad_request', { code: 'unsupported_mode' }, 'route'),
      state: state(lastModel),
      expected: { action: 'fail', error: failure('bad_request').error },
    },
    {
      rule: 'an open breaker falls back at once, however many retries are left',
      failure: failure('circuit_open', { retryable: true }, 'admission'),
      state: state(),
      expected: { action: 'fallback', model: 'fallback-model' },
    },
    {
      rule: 'an aborted request fails with the abort reason (timeouts.totalMs), on any model',
      failure: server,
      state: state({ signal: { aborted: true, reason: timedOut } }),
      expected: { action: 'fail', error: timedOut },
    },
    {
      rule: 'an aborted attempt fails the request',
      failure: failure('aborted'),
      state: state(),
      expected: { action: 'fail' },
    },
    {
      rule: "an invalid element under elementErrors: 'stop' fails the request, on any model",
      failure: failure('validation', { code: INVALID_ELEMENT, retryable: false }),
      state: state(),
      expected: { action: 'fail' },
    },
    {
      rule: "an invalid element under elementErrors: 'reask' re-asks",
      failure: failure('validation', { code: INVALID_ELEMENT, retryable: true }),
      state: state(),
      expected: { action: 'reask', limit: false },
    },
    {
      rule: 'a rejected output mode degrades to the next mode at once',
      failure: failure('bad_request', { code: 'unsupported_mode', retryable: true }),
      state: state({ mode: 'tool' }),
      expected: { action: 'degrade', mode: 'prompt' },
    },
    {
      rule: 'a rejected last mode is the end of the model',
      failure: failure('bad_request', { code: 'unsupported_mode', retryable: false }),
      state: state({ mode: 'prompt' }),
      expected: { action: 'fallback', model: 'fallback-model', exhausted: true },
    },
    {
      rule: 'a failure that is not retryable ends the model',
      failure: failure('auth', { retryable: false }),
      state: state(),
      expected: { action: 'fallback', exhausted: true },
    },
    {
      rule: 'a failure that is not retryable, on the last model, fails the request',
      failure: failure('auth', { retryable: false }),
      state: state(lastModel),
      expected: { action: 'fail', exhausted: true },
    },
    {
      rule: 'maxRetries spent ends the model',
      failure: server,
      state: state({ retries: 3, attempt: 4 }),
      expected: { action: 'fallback', exhausted: true },
    },
    {
      rule: 'a retry-after longer than retry.maxRetryAfterMs is not waited for',
      failure: failure('rate_limit', { retryable: true, retryAfterMs: 120_000 }),
      state: state(),
      expected: { action: 'fallback', exhausted: true },
    },
    {
      rule: 'a retry-after within retry.maxRetryAfterMs is waited for',
      failure: failure('rate_limit', { retryable: true, retryAfterMs: 2_000 }),
      state: state(),
      expected: { action: 'backoff', delayMs: 2_000, limit: false },
    },
    {
      rule: 'an answer over a limit is re-asked (counted as a limit re-ask)',
      failure: failure('parse', { code: 'length_limit', retryable: true }),
      state: state(),
      expected: { action: 'reask', limit: true },
    },
    {
      rule: 'an answer over a limit is re-asked at most retry.maxLimitReasks times (default 1)',
      failure: failure('parse', { code: 'chunk_limit', retryable: true }),
      state: state({ limitReasks: 1, retries: 1, attempt: 2 }),
      expected: { action: 'fallback', exhausted: true },
    },
    {
      rule: 'retry.maxLimitReasks raises that bound',
      failure: failure('parse', { code: 'depth_limit', retryable: true }),
      state: state({
        limitReasks: 1,
        retries: 1,
        attempt: 2,
        retry: { maxLimitReasks: 2, jitter: 'none' },
      }),
      expected: { action: 'reask', limit: true },
    },
    {
      rule: 'a parse failure re-asks without a backoff',
      failure: failure('parse', { retryable: true }),
      state: state(),
      expected: { action: 'reask', limit: false },
    },
    {
      rule: 'a validation failure re-asks without a backoff',
      failure: failure('validation', { retryable: true }),
      state: state(),
      expected: { action: 'reask', limit: false },
    },
    {
      rule: 'a server failure backs off: retry.baseDelayMs grown for each retry',
      failure: server,
      state: state({ retries: 2, attempt: 3 }),
      expected: { action: 'backoff', delayMs: 400, limit: false },
    },
    {
      rule: 'a request at its attempt ceiling fails, whatever the counts allow',
      failure: server,
      state: state({ attempt: attemptCeiling(2, 3) }),
      expected: { action: 'fail', ceiling: true },
    },
  ];

  it.each(rows)('$rule', ({ failure: given, state: where, expected }) => {
    const decision = decide(given, where);
    const { error, ...rest } = expected as Partial<Decision> & { error?: StructuredLLMError };
    expect(decision).toMatchObject(rest);
    if (error !== undefined) {
      expect(decision).toHaveProperty('error.category', error.category);
      expect(decision).toHaveProperty('error.message', error.message);
    }
    if (decision.action === 'fail' && error === undefined && given.stage === 'attempt') {
      // Unless the signal says otherwise, a request fails with the failure that ended it.
      expect(decision.error).toBe(given.error);
    }
  });

  it('is pure: the same failure and state give the same decision, and the state is left alone', () => {
    const where = state({ retries: 1, attempt: 2 });
    const copy = structuredClone({ ...where, retry: { ...where.retry } });
    expect(decide(server, where)).toEqual(decide(server, where));
    expect({ ...where, retry: { ...where.retry } }).toEqual(copy);
  });
});

const categories: ErrorCategory[] = [
  'parse',
  'validation',
  'server',
  'rate_limit',
  'timeout',
  'network',
  'auth',
  'bad_request',
  'length',
];
const codes = [undefined, 'length_limit', 'depth_limit', 'unsupported_mode', INVALID_ELEMENT];

describe('decide, over any run of failures', () => {
  it('never makes more tries than the ceiling, and each model gets at most maxRetries retries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        fc.array(
          fc.record({
            category: fc.constantFrom(...categories),
            code: fc.constantFrom(...codes),
            retryable: fc.boolean(),
            stage: fc.constantFrom<Failure['stage']>(
              'attempt',
              'attempt',
              'attempt',
              'route',
              'admission',
            ),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        (models, maxRetries, failures) => {
          // The runner's loop, with every try failing as listed (repeated while tries go on).
          const ceiling = attemptCeiling(models, maxRetries);
          let model = 0;
          let attempt = 0;
          let retries = 0;
          let limitReasks = 0;
          let mode = 0;
          const modes = OUTPUT_MODE_DEGRADATION.slice();
          for (let i = 0; ; i++) {
            const next = failures[i % failures.length] as (typeof failures)[number];
            attempt++;
            const decision = decide(
              failure(next.category, { code: next.code, retryable: next.retryable }, next.stage),
              {
                attempt,
                ceiling,
                retries,
                limitReasks,
                modes,
                mode: modes[mode] as (typeof modes)[number],
                nextModel: model + 1 < models ? `model-${model + 1}` : undefined,
                maxRetries,
                retry: { jitter: 'none', baseDelayMs: 0 },
              },
            );
            expect(attempt).toBeLessThanOrEqual(ceiling);
            expect(retries).toBeLessThanOrEqual(maxRetries);
            if (decision.action === 'fail') {
              // The bound is a safety net: the counts end every model well before it.
              expect(decision).not.toHaveProperty('ceiling');
              return;
            }
            if (decision.action === 'fallback') {
              model++;
              retries = limitReasks = mode = 0;
            } else if (decision.action === 'degrade') {
              mode = modes.indexOf(decision.mode);
            } else {
              retries++;
              if (decision.limit) limitReasks++;
            }
          }
        },
      ),
    );
  });
});
