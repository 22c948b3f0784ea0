import { StructuredLLMError } from '../errors/index.ts';
import { causeWithoutSecrets } from '../errors/redact-secrets.ts';
import { createJsonStreamParser, type JsonPath } from '../json/index.ts';
import type { AttemptContext, ObserverHub } from '../observe/index.ts';
import {
  type ProgressDetails,
  type ProgressEstimator,
  type ProgressTracker,
  progressKey,
} from '../progress/index.ts';
import type {
  FinishReason,
  Message,
  OutputMode,
  ProviderCall,
  ProviderPart,
  ProviderResult,
  Usage,
} from '../provider/index.ts';
import type { RoutedModel } from '../provider/model-router.ts';
import { pathPasses, stringPrefixesPass } from '../schema/fast-path.ts';
import {
  formatIssues,
  formatPath,
  type ResponseModel,
  type ValidationIssue,
  type ValidationResult,
} from '../schema/index.ts';
import { builtInModels } from '../schema/json-schema-model.ts';
import { errorText } from '../values.ts';
import { type ElementTracker, INVALID_ELEMENT, onlyArrayIssues, relation } from './elements.ts';
import { abortError, type StreamControl } from './stream-control.ts';
import { TextExcerpt } from './text-excerpt.ts';
import { WaitTimer } from './timers.ts';
import type { StreamingResponse, StreamingStructuredRequest } from './types.ts';

export interface AttemptSettings<T> {
  readonly request: StreamingStructuredRequest<T>;
  readonly responseModel: ResponseModel<T>;
  readonly routed: RoutedModel;
  readonly mode: OutputMode;
  readonly messages: readonly Message[];
  readonly attempt: number;
  readonly streaming: boolean;
  readonly control: StreamControl;
  readonly tracker: ProgressTracker;
  readonly estimator: ProgressEstimator;
  readonly hub: ObserverHub;
  /** What every observer event of this attempt carries. */
  readonly context: AttemptContext;
  readonly requestId: string;
  readonly maxResponseChars: number;
  readonly maxDepth: number;
  readonly maxChunks: number;
  readonly now: () => number;
  readonly startedAt: number;
  /** Called with every partial value shown, so a failed request can still return the last one. */
  readonly onPartial: (value: unknown) => void;
  /** Element streaming, when the request delivers (or releases) array elements. */
  readonly elements?: ElementTracker | undefined;
}

export interface AttemptOutcome<T> {
  readonly value: T;
  /** Characters of JSON the model wrote. */
  readonly chars: number;
  readonly rawChunks: string[];
  readonly usage: Usage | undefined;
}

/** How an attempt ended: its validated outcome, or why it failed. */
export type AttemptEnd<T> =
  | { readonly outcome: AttemptOutcome<T>; readonly failure?: undefined }
  | { readonly failure: AttemptFailure; readonly outcome?: undefined };

/** What the consumer of a stream receives for one pull. */
export type ResponseResult<T> = IteratorResult<StreamingResponse<T>, undefined>;

/**
 * One running attempt. `pull(onEnd)` resolves with the next partial response;
 * once the attempt has ended it resolves with whatever `onEnd` returns for that
 * end instead (the request runner's next response). Call `close()` when done
 * with it, always.
 */
export interface AttemptRun<T> {
  pull(onEnd: (end: AttemptEnd<T>) => Promise<ResponseResult<T>>): Promise<ResponseResult<T>>;
  close(): void;
}

/** Carries the text an attempt produced before failing, for re-asking the model. */
export class AttemptFailure extends Error {
  readonly error: StructuredLLMError;
  readonly text: string;
  /** Tokens the failed attempt cost, when the provider reported them. */
  readonly usage: Usage | undefined;
  constructor(error: StructuredLLMError, text: string, usage?: Usage) {
    super(error.message);
    this.error = error;
    this.text = text;
    this.usage = usage;
  }
}

/** Values at this depth or shallower are validated when they complete (deeper ones through them). */
const VALIDATE_DEPTH = 2;
/**
 * A growing string is checked (enum and const prefixes, maxLength) while it is at
 * most this long; longer ones are checked once complete. Enum values are short,
 * and re-checking a long description on every chunk would be wasted work.
 */
const GROWING_STRING_CHECK_LIMIT = 128;
/**
 * A growing string is re-checked once it has grown by this factor since its last
 * check (and always when a new value has begun): a prefix that no value can
 * complete stays impossible, so it is still caught while streaming, after at most
 * twice the characters, at O(log length) checks per string instead of one per chunk.
 */
const GROWING_STRING_RECHECK_FACTOR = 2;

function valueAt(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** What the schemas of one object say of its keys: refused ones, and dropped ones (`false`). */
interface ObjectKeyRules {
  readonly check: ((key: string) => string | undefined) | undefined;
  readonly filter: ((key: string) => boolean) | undefined;
}

function validationError(message: string, issues: string): StructuredLLMError {
  return new StructuredLLMError({ category: 'validation', message: `${message}:\n${issues}` });
}

/**
 * One try against one model: streams text into the parser, hands out partial
 * responses step by step, validates along the way and at the end. A step object
 * rather than an async generator: a nested generator costs a promise hop per chunk.
 */
export function startAttempt<T>(settings: AttemptSettings<T>): AttemptRun<T> {
  const { request, responseModel, routed, control, tracker, hub } = settings;
  const attemptController = new AbortController();
  const signal = attemptController.signal;
  const abortAttempt = (reason: StructuredLLMError): void => attemptController.abort(reason);
  const onRequestAbort = (): void => abortAttempt(abortError(control.signal.reason));
  if (control.signal.aborted) onRequestAbort();
  else control.signal.addEventListener('abort', onRequestAbort, { once: true });

  const timeouts = request.timeouts ?? {};
  const firstChunk = new WaitTimer(timeouts.firstChunkMs, () =>
    abortAttempt(
      new StructuredLLMError({
        category: 'timeout',
        code: 'first_chunk_timeout',
        message: `No output from ${routed.requested} within ${timeouts.firstChunkMs} ms`,
      }),
    ),
  );
  // Runs only while a provider read is outstanding: a slow consumer is not an idle provider.
  const idle = new WaitTimer(timeouts.idleMs, () =>
    abortAttempt(
      new StructuredLLMError({
        category: 'timeout',
        code: 'idle_timeout',
        message: `${routed.requested} sent nothing for ${timeouts.idleMs} ms`,
      }),
    ),
  );
  let receivedText = false;
  /** A provider read is outstanding. */
  let reading = false;
  // Time spent paused is the consumer's, not the provider's: suspend the idle timer.
  const stopWatchingPause = control.onPauseChange((paused) => {
    if (paused) idle.end();
    else if (reading && receivedText) idle.begin();
  });

  const context = settings.context;

  // One chunk event per attempt, its `chars` updated per chunk: observers must copy what they keep.
  const chunkEvent = hub.has('onChunk') ? { ...context, chars: 0 } : undefined;
  const partialEvent = hub.has('onPartial')
    ? {
        ...context,
        progressPercent: 0,
        first: true,
        get elapsedMs(): number {
          return settings.now() - settings.startedAt;
        },
      }
    : undefined;

  // Completed values to validate at the next emission (path-local, so the cost follows the change).
  const completed: JsonPath[] = [];
  // When the growing string was last checked. A value ending since then means a new
  // string; otherwise it has grown by at most as many characters as the text.
  let stringChecked = false;
  let valueEnded = false;
  let textAtCheck = 0;
  let lengthAtCheck = 0;
  // Element streaming: each element of the array at `elementPath` is validated,
  // delivered, and (when not retained) released from the parser as it completes.
  const elements = settings.elements;
  const elementPath: JsonPath = elements?.path ?? [];
  const elementDepth = elements === undefined ? -1 : elementPath.length + 1;
  const releasing = elements !== undefined && !elements.retain;
  // Elements removed from the array in this attempt: while none is, an element sits at its own index.
  let releasedHere = 0;

  const builtIn = builtInModels.get(responseModel);
  const subjectAware = builtIn !== undefined;
  // A document where the element sits at its own index, for path-local validation after
  // releases: the containers along the path copied once (keys leading to the array are what
  // the check reads), then only the element changes.
  let view: { readonly root: unknown; readonly holder: unknown[] } | undefined;
  const elementView = (index: number, value: unknown): unknown => {
    if (releasedHere === 0) return parser.value;
    if (view === undefined) {
      const holder: unknown[] = [];
      let root: unknown = holder;
      for (let i = elementPath.length - 1; i >= 0; i--) {
        const container = valueAt(parser.value, elementPath.slice(0, i)) as Record<string, unknown>;
        root = { ...container, [elementPath[i] as string]: root };
      }
      view = { root, holder };
    }
    view.holder.length = 0;
    view.holder[index] = value;
    return view.root;
  };

  const release = (): void => {
    if (parser.releaseLast()) releasedHere++;
  };

  const elementCheck = {
    path: [...elementPath, 0],
    complete: true,
    subject: { value: undefined as unknown },
  };
  const takeElement = (tracker: ElementTracker, index: number, value: unknown): void => {
    const known = tracker.isDelivered(index);
    if (known && tracker.policy === 'skip' && tracker.wasInvalid(index)) {
      // Reported invalid by an earlier attempt: stays out of the final value, whatever is written now.
      release();
      return;
    }
    // An element an earlier attempt delivered is skipped; a changed one is checked again.
    if (!known || (tracker.differs(index, value) && tracker.policy !== 'skip')) {
      // Built-in models take the element as the subject of the check (with options reused:
      // they keep nothing of them); others get a view and options of their own.
      let result: ValidationResult<unknown>;
      if (subjectAware) {
        elementCheck.path[elementPath.length] = index;
        elementCheck.subject.value = value;
        result = responseModel.validatePartial(parser.value, elementCheck);
        elementCheck.subject.value = undefined;
      } else {
        const path = [...elementPath, index];
        result = responseModel.validatePartial(elementView(index, value), { path, complete: true });
      }
      if (view !== undefined) view.holder.length = 0; // hold no element longer than its check
      if (!result.success) {
        const error = new StructuredLLMError({
          category: 'validation',
          code: INVALID_ELEMENT,
          retryable: tracker.policy !== 'stop',
          message: `Element ${index} of ${formatPath(elementPath)} is invalid:\n${formatIssues(result.issues)}`,
        });
        if (tracker.policy !== 'skip') throw error;
        tracker.reportInvalid(index, error);
        release(); // not silently dropped: reported, and kept out of the final value
        return;
      }
      if (!known) tracker.deliver(index, value);
    }
    if (releasing) release();
  };

  // Per object, at its first key: which keys its schemas refuse whatever their values, and
  // which keys the model's final validation would drop. Neither kind enters the document;
  // a refused key also fails the attempt once its name is read.
  const keyFilter = responseModel.keyFilter?.bind(responseModel);
  const keyChecks = builtIn?.keyChecks;
  /** The first refused key read: it fails the attempt as soon as the write that read it returns. */
  let refusedKey: ValidationIssue | undefined;
  let acceptKey: ((key: string, object: object) => boolean) | undefined;
  if (keyFilter !== undefined || keyChecks !== undefined) {
    const rules = new WeakMap<object, ObjectKeyRules>();
    // The object of the previous key: most keys follow another of the same object.
    let lastObject: object | undefined;
    let lastRule: ObjectKeyRules | undefined;
    acceptKey = (key, object) => {
      let rule = object === lastObject ? lastRule : rules.get(object);
      if (rule === undefined) {
        rule = keyRulesAt(parser.path); // the object's path, and the key
        rules.set(object, rule);
      }
      lastObject = object;
      lastRule = rule;
      if (rule.check !== undefined) {
        const message = rule.check(key);
        if (message !== undefined) {
          refusedKey ??= { path: parser.path, message };
          return false; // not even the failed attempt's last value shows it
        }
      }
      return rule.filter === undefined || rule.filter(key);
    };
  }
  const keyRulesAt = (keyPath: JsonPath): ObjectKeyRules => {
    const length = keyPath.length - 1;
    // Inside a streamed element, the element's check (and its error policy) decides.
    const inElement =
      elements !== undefined &&
      relation(keyPath, elementPath) === 'inside' &&
      length > elementPath.length;
    return {
      check: inElement ? undefined : keyChecks?.(keyPath, length),
      filter: keyFilter?.(keyPath.slice(0, length)),
    };
  };

  const parser = createJsonStreamParser({
    maxDepth: settings.maxDepth,
    maxLength: settings.maxResponseChars,
    lenient: settings.mode === 'prompt',
    ...(acceptKey === undefined ? {} : { acceptKey }),
    onValue: (value, depth) => {
      valueEnded = true;
      if (depth === 0) return;
      if (elements === undefined) {
        if (depth <= VALIDATE_DEPTH) completed.push(parser.path);
        return;
      }
      if (depth > VALIDATE_DEPTH && depth !== elementDepth) return;
      if (depth > elementDepth && elementDepth === 1) return; // inside an element of a root array
      const path = parser.path;
      const where = relation(path, elementPath);
      if (where === 'inside') {
        // An element (checked whole here) or a part of one (checked with its element).
        const index = path[elementPath.length];
        if (depth === elementDepth && typeof index === 'number')
          takeElement(elements, index, value);
        return;
      }
      // Released elements are gone: the array and what holds it are checked at the end.
      if (releasing && where !== 'unrelated') return;
      if (depth <= VALIDATE_DEPTH) completed.push(path);
    },
  });

  // What the model wrote: its length, and the head and tail a re-ask quotes.
  const text = new TextExcerpt();
  // Chunks since the last response; most responses carry one, so the array is made with it.
  let rawChunks: string[] | undefined;
  let chunks = 0;
  let charsAtLastEmit = 0;
  let firstPartial = true;
  let partials = 0;
  const attemptStartedAt = settings.now();
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;
  let responseId: string | undefined;
  let responseModelName: string | undefined;
  // Checked when the request was made: a number >= 0.
  const chunkSize = request.streamingChunkSize ?? 0;
  const estimateKey = progressKey(responseModel.name, responseModel.jsonSchema);

  // Options of the growing-string check, reused for built-in models (they keep nothing of them).
  const growingCheck: { path: JsonPath; readonly complete: false } = { path: [], complete: false };
  /** The issues of the part of `root` completed at `path`, or undefined when it passes. */
  const completedPartIssues = (
    root: unknown,
    path: JsonPath,
  ): readonly ValidationIssue[] | undefined => {
    // A container above VALIDATE_DEPTH had each of its parts checked as it completed:
    // its own keywords are what is left (built-in models; others check it whole).
    if (
      builtIn !== undefined &&
      path.length < VALIDATE_DEPTH &&
      pathPasses(builtIn.partialRoot, root, 'final', path, undefined, builtIn.maxDepth, true)
    ) {
      return undefined;
    }
    const result = responseModel.validatePartial(root, { path, complete: true });
    return result.success ? undefined : result.issues;
  };
  /** Checks what changed in `root` (the parser's current value) since the last look. */
  const checkPartial = (root: unknown): void => {
    for (const path of completed) {
      const issues = completedPartIssues(root, path);
      if (issues !== undefined) {
        throw validationError('A completed part of the response is invalid', formatIssues(issues));
      }
    }
    if (completed.length > 0) completed.length = 0; // setting length is not free, even to 0
    if (!parser.readingString) {
      stringChecked = false; // the next string is a new one: check it at once
      return;
    }
    if (
      stringChecked &&
      !valueEnded &&
      (lengthAtCheck > GROWING_STRING_CHECK_LIMIT ||
        text.length - textAtCheck < lengthAtCheck * (GROWING_STRING_RECHECK_FACTOR - 1))
    ) {
      return; // the same string, not yet grown enough to be worth another look
    }
    const growing = parser.path;
    // Inside an element after releases, indices are the text's: the element is checked once complete.
    if (releasedHere > 0 && relation(growing, elementPath) === 'inside') return;
    stringChecked = true;
    valueEnded = false;
    textAtCheck = text.length;
    // A string no prefix of which can fail (by the schema alone) waits for its end.
    if (
      builtIn !== undefined &&
      stringPrefixesPass(builtIn.partialRoot, growing, builtIn.maxDepth)
    ) {
      lengthAtCheck = Number.POSITIVE_INFINITY;
      return;
    }
    const value = valueAt(root, growing);
    lengthAtCheck = typeof value === 'string' ? value.length : 0;
    if (lengthAtCheck <= GROWING_STRING_CHECK_LIMIT) {
      let result: ValidationResult<unknown>;
      if (subjectAware) {
        growingCheck.path = growing;
        result = responseModel.validatePartial(root, growingCheck);
      } else {
        result = responseModel.validatePartial(root, { path: growing, complete: false });
      }
      if (!result.success) {
        throw validationError(
          'The response can no longer match the schema',
          formatIssues(result.issues),
        );
      }
    }
  };

  const progressNow = (): number => {
    const estimate = settings.estimator.estimate({
      key: estimateKey,
      schema: responseModel.jsonSchema,
      receivedChars: text.length,
      partial: parser.value,
      path: parser.path,
      complete: parser.complete,
    });
    if (typeof estimate === 'number') {
      tracker.basis = 'learned';
      return 100 * estimate;
    }
    tracker.basis = estimate.basis;
    return 100 * estimate.fraction;
  };
  // The estimate is asked again once the text has grown by 1/64 (at least 16 characters):
  // smooth to the eye, and a few hundred estimates per megabyte instead of one per chunk.
  let estimated = 0;
  let estimatedAt = Number.NEGATIVE_INFINITY;
  const progressSoFar = (): number => {
    if (text.length - estimatedAt >= Math.max(16, estimatedAt / 64)) {
      estimated = progressNow();
      estimatedAt = text.length;
    }
    return estimated;
  };

  /** A partial's progress event, built only when someone will see it. */
  const describeProgress = (): ProgressDetails => ({
    message: `Received ${text.length} characters`,
    data: { attempt: settings.attempt, model: routed.requested, chars: text.length },
  });

  const write = (delta: string): void => {
    text.append(delta); // kept even if the parser rejects it: the re-ask quotes what the model wrote
    parser.write(delta);
    if (refusedKey !== undefined) {
      throw validationError(
        'The response has a key the schema does not allow',
        formatIssues([refusedKey]),
      );
    }
  };

  const call: ProviderCall = {
    model: routed.model,
    messages: settings.messages,
    schema: responseModel.jsonSchema,
    schemaName: responseModel.name,
    mode: settings.mode,
    signal,
    ...(responseModel.description === undefined
      ? {}
      : { schemaDescription: responseModel.description }),
    ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.providerOptions === undefined ? {} : { providerOptions: request.providerOptions }),
  };

  let iterator: AsyncIterator<ProviderPart> | undefined;
  let finished = false;
  let closed = false;
  /** Set once the attempt has ended; later provider results are ignored. */
  let ended = false;
  /** The consumer's pull in progress, if any, and what to call when the attempt ends. */
  let resolvePull: ((result: ResponseResult<T> | Promise<ResponseResult<T>>) => void) | undefined;
  let onEnd: ((end: AttemptEnd<T>) => Promise<ResponseResult<T>>) | undefined;

  // A provider that ignores its abort signal must not hold the consumer: the abort ends the pull.
  const onAttemptAbort = (): void => {
    if (resolvePull !== undefined) end({ failure: failure(signal.reason) });
  };
  signal.addEventListener('abort', onAttemptAbort, { once: true });

  /** Hands the attempt's end to the runner and the runner's answer to the waiting consumer. */
  function end(result: AttemptEnd<T>): void {
    if (ended) return;
    ended = true;
    if (hub.has('onAttemptEnd')) emitAttemptEnd(result.failure?.error);
    const resolve = resolvePull;
    const handOff = onEnd;
    resolvePull = undefined;
    onEnd = undefined;
    if (resolve !== undefined && handOff !== undefined) resolve(handOff(result));
  }

  const fail = (thrown: unknown): void => end({ failure: failure(thrown) });

  function emitFirstChunk(): void {
    const at = settings.now();
    hub.emit('onFirstChunk', {
      ...context,
      elapsedMs: at - settings.startedAt,
      attemptElapsedMs: at - attemptStartedAt,
    });
  }

  function emitChunk(chars: number): void {
    (chunkEvent as { chars: number }).chars = chars;
    hub.emit('onChunk', chunkEvent as typeof chunkEvent & object);
  }

  /** `onPartial` (its one event object updated) and, for the attempt's first partial, `onFirstPartial`. */
  function emitPartial(progressPercent: number, first: boolean): void {
    if (partialEvent !== undefined) {
      partialEvent.progressPercent = progressPercent;
      partialEvent.first = first;
      hub.emit('onPartial', partialEvent);
    }
    if (first && hub.has('onFirstPartial')) {
      hub.emit('onFirstPartial', {
        ...context,
        progressPercent,
        elapsedMs: settings.now() - settings.startedAt,
      });
    }
  }

  function emitAttemptEnd(error: StructuredLLMError | undefined): void {
    hub.emit('onAttemptEnd', {
      ...context,
      status: error === undefined ? 'success' : 'error',
      error,
      chunks,
      chars: text.length,
      partials,
      durationMs: settings.now() - attemptStartedAt,
      usage,
      finishReason,
      responseId,
      responseModel: responseModelName,
    });
  }

  /**
   * Reads provider parts until there is a partial to show, or the stream ends.
   * Callback-driven rather than async: a chunk costs the provider's promise and
   * the consumer's, nothing in between.
   */
  function advance(): void {
    if (ended) return;
    if (signal.aborted) {
      fail(signal.reason);
      return;
    }
    if (control.paused) {
      control.waitWhilePaused().then(advance, fail);
      return;
    }
    if (iterator === undefined) {
      firstChunk.begin();
      let started: Promise<AsyncIterable<ProviderPart>>;
      try {
        started = routed.provider.doStream(call);
      } catch (thrown) {
        fail(thrown);
        return;
      }
      started.then((iterable) => {
        if (ended) return;
        try {
          iterator = iterable[Symbol.asyncIterator]();
        } catch (thrown) {
          fail(thrown);
          return;
        }
        advance();
      }, onProviderError);
      return;
    }
    let read: Promise<IteratorResult<ProviderPart>>;
    try {
      read = iterator.next();
    } catch (thrown) {
      fail(thrown);
      return;
    }
    reading = true;
    if (receivedText) idle.begin();
    read.then(onPart, onProviderError);
  }

  function onProviderError(thrown: unknown): void {
    reading = false;
    idle.end();
    if (!ended) fail(thrown);
  }

  function onPart(next: IteratorResult<ProviderPart>): void {
    reading = false;
    idle.end();
    if (ended) return;
    let response: StreamingResponse<T> | undefined;
    try {
      if (next.done === true) {
        finished = true;
        finish();
        return;
      }
      response = accept(next.value);
    } catch (thrown) {
      fail(thrown);
      return;
    }
    if (response === undefined) {
      advance();
      return;
    }
    const resolve = resolvePull;
    resolvePull = undefined;
    resolve?.({ value: response, done: false });
  }

  /** Takes one provider part; returns the partial response to show, if it is time for one. */
  function accept(part: ProviderPart): StreamingResponse<T> | undefined {
    if (part.type === 'text-delta') {
      if (part.delta === '') return undefined;
      if (!receivedText) {
        receivedText = true;
        firstChunk.stop();
        if (hub.has('onFirstChunk')) emitFirstChunk();
      }
      if (++chunks > settings.maxChunks) {
        throw new StructuredLLMError({
          category: 'parse',
          code: 'chunk_limit',
          message: `The response exceeded maxChunks (${settings.maxChunks} chunks)`,
        });
      }
      write(part.delta);
      if (rawChunks === undefined) rawChunks = [part.delta];
      else rawChunks.push(part.delta);
      if (chunkEvent !== undefined) emitChunk(part.delta.length);
      if (text.length - charsAtLastEmit < chunkSize) return undefined;
      // Consumed through elements(): nobody reads the partials, so a response is made
      // only to hand over waiting elements (completed parts are still checked then).
      // Progress still goes to whoever listens for it.
      if (elements?.listening && !elements.waiting) {
        if (tracker.listening) tracker.reportProgress(progressSoFar(), describeProgress);
        return undefined;
      }
      const partial = parser.value;
      checkPartial(partial);
      charsAtLastEmit = text.length;
      const progressPercent = tracker.reportProgress(progressSoFar(), describeProgress);
      settings.onPartial(partial);
      partials++;
      emitPartial(progressPercent, firstPartial);
      firstPartial = false;
      const chunksSinceLast = rawChunks;
      rawChunks = undefined;
      return {
        partialResult: partial as StreamingResponse<T>['partialResult'],
        isComplete: false,
        progressPercent,
        rawChunks: chunksSinceLast,
        error: undefined,
        attempt: settings.attempt,
        model: routed.requested,
      };
    }
    if (part.type === 'finish') {
      finishReason = part.finishReason;
      usage = part.usage ?? usage;
    } else if (part.type === 'metadata') {
      responseId = part.id ?? responseId;
      responseModelName = part.model ?? responseModelName;
    }
    return undefined;
  }

  /** One non-streaming call: the whole text at once, then the same checks. */
  function generate(): void {
    firstChunk.begin();
    let generated: Promise<ProviderResult>;
    try {
      generated = routed.provider.doGenerate(call);
    } catch (thrown) {
      fail(thrown);
      return;
    }
    generated.then((result) => {
      if (ended) return;
      try {
        firstChunk.stop();
        finished = true;
        finishReason = result.finishReason;
        usage = result.usage;
        responseId = result.id;
        responseModelName = result.model;
        if (result.text.length > settings.maxResponseChars) {
          throw new StructuredLLMError({
            category: 'parse',
            code: 'length_limit',
            message: `The response is longer than maxResponseChars (${settings.maxResponseChars})`,
          });
        }
        write(result.text);
        rawChunks = [result.text];
        chunks++;
        if (chunkEvent !== undefined) emitChunk(result.text.length);
        if (hub.has('onFirstChunk')) emitFirstChunk();
        checkPartial(parser.value);
        const event = tracker.updateProgress('Received the full response', progressNow(), {
          attempt: settings.attempt,
          model: routed.requested,
          chars: text.length,
        });
        settings.onPartial(parser.value);
        partials++;
        emitPartial(event.progressPercent, true);
      } catch (thrown) {
        fail(thrown);
        return;
      }
      finish();
    }, onProviderError);
  }

  /**
   * True when the final check is already done piecewise: every part of the document
   * was checked in final mode as it completed (those of the last chunk are checked
   * here), and the model's final check is that same schema. The root's own keywords
   * are what is left. Any doubt, or an issue, and the model's `validate` runs as usual
   * (so failures read the same).
   */
  function partsSettleFinal(): boolean {
    if (builtIn === undefined || !builtIn.finalIsPartial || elements !== undefined) return false;
    const root = parser.value;
    for (const path of completed) if (completedPartIssues(root, path) !== undefined) return false;
    completed.length = 0;
    return pathPasses(builtIn.partialRoot, root, 'final', [], undefined, builtIn.maxDepth, true);
  }

  /** The stream (or call) is over: check how it ended, then validate the whole value. */
  function finish(): void {
    let validating: ReturnType<ResponseModel<T>['validate']>;
    try {
      if (finishReason === 'content_filter') {
        throw new StructuredLLMError({
          category: 'content_filter',
          message: `${routed.requested} stopped: the output was blocked by a content filter or refused`,
        });
      }
      if (finishReason === 'error') {
        throw new StructuredLLMError({
          category: 'server',
          message: `${routed.requested} ended the stream with an error`,
        });
      }
      try {
        parser.end();
      } catch (error) {
        if (finishReason === 'length') {
          throw new StructuredLLMError({
            category: 'length',
            message: `${routed.requested} hit its output token limit before the JSON was complete (raise maxOutputTokens)`,
            cause: error,
          });
        }
        throw error;
      }
      validating = partsSettleFinal()
        ? { success: true, value: parser.value as T }
        : responseModel.validate(parser.value);
    } catch (thrown) {
      fail(thrown);
      return;
    }
    Promise.resolve(validating).then((checked) => {
      if (ended) return;
      let validated = checked;
      // Released elements are gone: what the array's own keywords (minItems…) say of it is moot.
      if (
        !validated.success &&
        releasing &&
        Array.isArray(valueAt(parser.value, elementPath)) &&
        onlyArrayIssues(validated.issues, elementPath)
      ) {
        validated = { success: true, value: parser.value as T };
      }
      if (!validated.success) {
        fail(
          validationError(
            `The response does not match the "${responseModel.name}" schema`,
            formatIssues(validated.issues),
          ),
        );
        return;
      }
      end({
        outcome: {
          value: validated.value,
          chars: text.length,
          rawChunks: rawChunks ?? [],
          usage,
        },
      });
    }, fail);
  }

  function pull(
    handOff: (end: AttemptEnd<T>) => Promise<ResponseResult<T>>,
  ): Promise<ResponseResult<T>> {
    if (ended || resolvePull !== undefined) {
      return Promise.reject(
        new TypeError('An attempt is pulled once at a time and not after it ended'),
      );
    }
    onEnd = handOff;
    return new Promise<ResponseResult<T>>(startPull);
  }

  /** The executor of every pull's promise: one function per attempt, not one per chunk. */
  function startPull(
    resolve: (result: ResponseResult<T> | Promise<ResponseResult<T>>) => void,
  ): void {
    resolvePull = resolve;
    if (!settings.streaming) {
      if (!finished) generate();
      return;
    }
    advance();
  }

  function failure(thrown: unknown): AttemptFailure {
    // The request's own abort wins over whatever the provider threw while being cut off.
    const error = signal.aborted
      ? abortError(signal.reason)
      : StructuredLLMError.is(thrown)
        ? thrown
        : new StructuredLLMError({
            category: 'unknown',
            message: `Provider "${routed.provider.id}" failed: ${errorText(thrown)}`,
            // A plain copy: a raw SDK error can hold the key in its headers or body.
            cause: causeWithoutSecrets(thrown, []),
          });
    return new AttemptFailure(error, text.toString(), usage);
  }

  /** Releases timers and listeners; an unfinished stream is aborted and its iterator closed. */
  function close(): void {
    if (closed) return;
    closed = true;
    if (!ended) {
      // Closed without an end (the request stopped before pulling it): still an ended attempt.
      ended = true;
      if (hub.has('onAttemptEnd'))
        emitAttemptEnd(abortError(control.signal.reason ?? 'attempt closed'));
    }
    signal.removeEventListener('abort', onAttemptAbort);
    firstChunk.stop();
    idle.stop();
    stopWatchingPause();
    control.signal.removeEventListener('abort', onRequestAbort);
    if (!finished) {
      // Release the connection: abort the provider call and close its iterator without waiting on it.
      if (!signal.aborted) attemptController.abort(abortError('attempt ended'));
      if (iterator?.return !== undefined) {
        try {
          iterator.return().then(undefined, () => {});
        } catch {
          // An iterator that throws on return has nothing left to release.
        }
      }
    }
  }

  return { pull, close };
}
