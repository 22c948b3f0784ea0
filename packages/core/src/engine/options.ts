// Options are checked where they are given, with one set of rules for the service's options
// and every request's: a value that cannot work is a `bad_request` / `invalid_options`
// error naming the option and the value, before any provider is called.
import type { StructuredLLMError } from '../errors/index.ts';
import { invalidOptions } from '../errors/invalid-options.ts';
import type { ProgressEventType } from '../progress/index.ts';
import { OUTPUT_MODE_DEGRADATION } from '../provider/index.ts';
import { type BackoffOptions, checkBackoffOptions } from '../resilience/backoff.ts';
import { errorText } from '../values.ts';
import { promptProblem } from './messages.ts';
import type { StreamingStructuredRequest } from './types.ts';

/** What is wrong with the option `name` holding `value` ("name must be …, got …"), if anything. */
type Rule = (value: unknown, name: string) => string | undefined;

/** How a value shows in an error: numbers and short strings as they are, anything else by its kind. */
function shown(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/** How a value that may hold secrets shows: only its kind. */
const kind = (value: unknown): string =>
  value === undefined || typeof value === 'object' ? shown(value) : `a ${typeof value}`;

const check =
  (passes: (value: unknown) => boolean, mustBe: string, show = shown): Rule =>
  (value, name) =>
    passes(value) ? undefined : `${name} must be ${mustBe}, got ${show(value)}`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An integer of at least `min` (Infinity is not one). */
const integerAtLeast = (min: number): Rule =>
  check((value) => Number.isInteger(value) && (value as number) >= min, `an integer >= ${min}`);

/** A number of at least `min`; Infinity passes (no bound), NaN does not. */
const numberAtLeast = (min: number): Rule =>
  check((value) => typeof value === 'number' && value >= min, `a number >= ${min}`);

const finiteAtLeast = (min: number): Rule =>
  check(
    (value) => typeof value === 'number' && Number.isFinite(value) && value >= min,
    `a finite number >= ${min}`,
  );

const oneOf = (allowed: readonly string[]): Rule =>
  check(
    (value) => allowed.includes(value as string),
    allowed
      .map((item) => `'${item}'`)
      .join(', ')
      .replace(/, ([^,]*)$/, ' or $1'),
  );

/** An object whose fields, when set, pass their rules (reported as `name.field`). */
const objectWith =
  (fields: Readonly<Record<string, Rule>>, show = shown): Rule =>
  (value, name) => {
    if (!isObject(value)) return `${name} must be an object, got ${show(value)}`;
    return firstProblem(value, fields, `${name}.`);
  };

const listOf =
  (item: Rule): Rule =>
  (value, name) => {
    if (!Array.isArray(value)) return `${name} must be an array, got ${shown(value)}`;
    for (let i = 0; i < value.length; i++) {
      const problem = item(value[i], `${name}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };

const either =
  (test: (value: unknown) => boolean, then: Rule, otherwise: Rule): Rule =>
  (value, name) =>
    test(value) ? then(value, name) : otherwise(value, name);

function firstProblem(
  options: Readonly<Record<string, unknown>>,
  rules: Readonly<Record<string, Rule>>,
  prefix = '',
  required: readonly string[] = [],
): string | undefined {
  for (const field in rules) {
    const value = options[field];
    if (value === undefined && !required.includes(field)) continue;
    const problem = (rules[field] as Rule)(value, `${prefix}${field}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

const PROGRESS_EVENT_TYPES: readonly ProgressEventType[] = [
  'start',
  'progress',
  'complete',
  'error',
  'retry',
  'fallback',
];

/** Every option of a request and its rule (`prompt` and `responseModel` are required). */
/**
 * The rule tables, built on first use: nothing runs when the module is imported, so a
 * bundle that never checks options (a provider plugin importing `StructuredLLMError`) drops them.
 */
function ruleTables(): RuleTables {
  if (tables !== undefined) return tables;
  const boolean = check((value) => typeof value === 'boolean', 'true or false');
  const fn = check((value) => typeof value === 'function', 'a function');
  const string = check((value) => typeof value === 'string', 'a string');
  const nonEmptyString = check(
    (value) => typeof value === 'string' && value !== '',
    'a non-empty string',
  );
  const signal = check(
    (value) => typeof AbortSignal === 'function' && value instanceof AbortSignal,
    'an AbortSignal',
  );
  const REQUEST_RULES: Readonly<Record<keyof StreamingStructuredRequest<unknown>, Rule>> = {
    prompt: (value, name) => {
      const problem = promptProblem(value);
      return problem === undefined ? undefined : `${name} ${problem}`;
    },
    // Its shape is checked when it is turned into a response model.
    responseModel: () => undefined,
    model: nonEmptyString,
    fallbackModels: listOf(nonEmptyString),
    mode: oneOf(['auto', ...OUTPUT_MODE_DEGRADATION]),
    maxRetries: integerAtLeast(0),
    enableStreaming: boolean,
    streamingChunkSize: numberAtLeast(0),
    progressCallback: fn,
    progressFilter: either(
      (value) => typeof value === 'function',
      () => undefined,
      objectWith({
        eventTypes: listOf(oneOf(PROGRESS_EVENT_TYPES)),
        minPercentStep: finiteAtLeast(0),
        minIntervalMs: finiteAtLeast(0),
      }),
    ),
    signal,
    timeouts: objectWith({
      firstChunkMs: numberAtLeast(0),
      idleMs: numberAtLeast(0),
      totalMs: numberAtLeast(0),
    }),
    system: string,
    temperature: finiteAtLeast(0),
    maxOutputTokens: integerAtLeast(1),
    // Provider options may hold credentials: a wrong one is described, never shown.
    providerOptions: check(isObject, 'an object', kind),
    schemaName: nonEmptyString,
    schemaDescription: string,
    elementPath: either(
      (value) => typeof value === 'string',
      check(
        (value) => value === '' || (value as string).split('.').every((key) => key !== ''),
        "dot-separated object keys ('' for the root)",
      ),
      listOf(nonEmptyString),
    ),
    retainElements: boolean,
    onElement: fn,
    elementErrors: oneOf(['reask', 'skip', 'stop']),
  };
  const RETRY_RULES: Readonly<Record<string, Rule>> = {
    maxRetries: integerAtLeast(0),
    maxLimitReasks: integerAtLeast(0),
    maxRetryAfterMs: numberAtLeast(0),
    random: fn,
  };
  const LIMIT_RULES: Readonly<Record<string, Rule>> = {
    maxResponseChars: numberAtLeast(0),
    maxDepth: numberAtLeast(0),
    maxChunks: numberAtLeast(0),
  };
  tables = { request: REQUEST_RULES, retry: RETRY_RULES, limits: LIMIT_RULES };
  return tables;
}

interface RuleTables {
  readonly request: Readonly<Record<keyof StreamingStructuredRequest<unknown>, Rule>>;
  readonly retry: Readonly<Record<string, Rule>>;
  readonly limits: Readonly<Record<string, Rule>>;
}
let tables: RuleTables | undefined;

/**
 * Why `request` cannot be run, as the `bad_request` / `invalid_options` error its
 * stream ends with; undefined when every option it sets is usable.
 */
export function requestError(request: unknown): StructuredLLMError | undefined {
  const message = isObject(request)
    ? firstProblem(request, ruleTables().request, "The request's ", ['prompt'])
    : `The request must be an object with a prompt and a responseModel, got ${shown(request)}`;
  return message === undefined ? undefined : invalidOptions(message);
}

/** Throws the error of {@link requestError}. */
export function checkRequest<T>(
  request: StreamingStructuredRequest<T>,
): asserts request is StreamingStructuredRequest<T> {
  const error = requestError(request);
  if (error !== undefined) throw error;
}

/** The service's `retry` and `limits`: bad ones fail at construction, not at the first retry (which may be in production). */
export function checkServiceOptions(options: {
  readonly retry?: unknown;
  readonly limits?: unknown;
}): void {
  for (const [option, rules] of [
    ['retry', ruleTables().retry],
    ['limits', ruleTables().limits],
  ] as const) {
    const value = options[option];
    if (value === undefined) continue;
    let problem = isObject(value)
      ? firstProblem(value, rules)
      : `must be an object, got ${shown(value)}`;
    if (problem === undefined && option === 'retry') {
      try {
        checkBackoffOptions(value as BackoffOptions);
      } catch (error) {
        problem = errorText(error);
      }
    }
    if (problem === undefined) continue;
    throw invalidOptions(`new StructuredLLMService({ ${option} }): ${problem}`);
  }
}
