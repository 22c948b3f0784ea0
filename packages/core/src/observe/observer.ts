import type { AttemptRecord, ErrorCategory, StructuredLLMError } from '../errors/index.ts';
import type { ProgressEvent } from '../progress/index.ts';
import type { FinishReason, OutputMode, ProviderServer, Usage } from '../provider/index.ts';
import type { BreakerState } from '../resilience/index.ts';
import { errorText, isPromiseLike } from '../values.ts';

/** Fields every observer event carries. */
export interface RequestContext {
  /** Unique per request within this process. */
  readonly requestId: string;
  /** The response model's name. */
  readonly schemaName: string;
  readonly streaming: boolean;
}

export interface AttemptContext extends RequestContext {
  /** Whether this attempt streams: the request asked for it and the routed provider can. */
  readonly streaming: boolean;
  readonly attempt: number;
  /** As requested ('openai/gpt-4o'). */
  readonly model: string;
  /** The provider the model was routed to (its id, 'openai'). */
  readonly provider: string;
  readonly mode: OutputMode;
  /** Where the routed provider sends requests, when it says (`StructuredProvider.server`). */
  readonly server: ProviderServer | undefined;
}

export interface AttemptEndEvent extends AttemptContext {
  readonly status: 'success' | 'error';
  readonly error: StructuredLLMError | undefined;
  /** Text chunks received. */
  readonly chunks: number;
  /** Characters of JSON received. */
  readonly chars: number;
  /** Partial responses shown (each with one `progress` event). */
  readonly partials: number;
  readonly durationMs: number;
  /** Tokens this attempt cost, as the provider reported them: failed and re-asked attempts are paid too. */
  readonly usage: Usage | undefined;
  /** Why the model stopped, when it said. */
  readonly finishReason: FinishReason | undefined;
  /** The response's id and the model that wrote it, as the provider reported them. */
  readonly responseId: string | undefined;
  readonly responseModel: string | undefined;
}

export interface RequestEndEvent extends RequestContext {
  readonly status: 'success' | 'error';
  readonly model: string;
  readonly provider: string | undefined;
  readonly error: StructuredLLMError | undefined;
  readonly attempts: readonly AttemptRecord[];
  readonly durationMs: number;
}

/** What `onRequestStart` receives: the request and its primary model as requested. */
export type RequestStartEvent = RequestContext & { readonly model: string };

/**
 * The hooks of one request. `Observer.onRequestStart` may return an object
 * with these hooks: they are called for that request only, after the global
 * hooks of the same name, so an observer keeps its per-request state in the
 * object (or closure) it returns instead of a map by request id.
 */
export interface RequestObserver {
  onAttemptStart?(event: AttemptContext): void;
  onChunk?(event: AttemptContext & { readonly chars: number }): void;
  onPartial?(
    event: AttemptContext & {
      readonly progressPercent: number;
      readonly first: boolean;
      readonly elapsedMs: number;
    },
  ): void;
  /**
   * The attempt's first text arrived. `elapsedMs` counts from the request's
   * start, `attemptElapsedMs` from this attempt's. Cheaper than `onChunk` for
   * time-to-first-chunk: called once per attempt.
   */
  onFirstChunk?(
    event: AttemptContext & { readonly elapsedMs: number; readonly attemptElapsedMs: number },
  ): void;
  /** The attempt's first partial was shown (once per attempt). */
  onFirstPartial?(
    event: AttemptContext & { readonly progressPercent: number; readonly elapsedMs: number },
  ): void;
  /**
   * An attempt ended, with what it streamed and what it cost: the way to count
   * chunks, partials and tokens without a call per chunk. `status` is `error`
   * for every attempt that did not produce the result (its error says why).
   */
  onAttemptEnd?(event: AttemptEndEvent): void;
  onProgressEvent?(event: RequestContext & { readonly event: ProgressEvent }): void;
  onRetry?(
    event: AttemptContext & { readonly error: StructuredLLMError; readonly delayMs: number },
  ): void;
  onFallback?(
    event: RequestContext & {
      readonly fromModel: string;
      readonly toModel: string;
      readonly reason: ErrorCategory;
    },
  ): void;
  onRequestEnd?(event: RequestEndEvent): void;
}

/**
 * Lifecycle hooks for metrics, tracing and logging. Every hook is optional.
 * Observers are isolated: one that throws is reported once through the logger
 * and never breaks a request. Hooks are called synchronously on the request's
 * path: keep them cheap. Only the hooks an observer implements (own or
 * inherited methods, present when it is registered) are called.
 *
 * Two styles, which may be mixed: global hooks (every request's events reach
 * the same methods, told apart by `requestId`), or request-scoped hooks:
 * `onRequestStart` returns a {@link RequestObserver} for that request.
 *
 * An event object is valid during the call only: the engine reuses the
 * `onChunk` and `onPartial` events of an attempt (one object each, updated per
 * chunk), so copy the fields you keep.
 */
export interface Observer extends RequestObserver {
  readonly name?: string;
  /** A request started; return hooks to receive that request's further events (optional). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a global hook returns nothing.
  onRequestStart?(event: RequestStartEvent): RequestObserver | undefined | void;
  onBreakerStateChange?(event: {
    readonly key: string;
    readonly provider: string;
    readonly model: string;
    readonly from: BreakerState;
    readonly to: BreakerState;
    readonly at: number;
  }): void;
}

type HookName = Exclude<keyof Observer, 'name'>;
type HookEvent<K extends HookName> = Parameters<NonNullable<Observer[K]>>[0];

/** Calls hooks on many observers, each isolated from the others and from the caller. */
export interface ObserverHub {
  /** Whether any observer implements `hook`: build an event only when someone will read it. */
  has(hook: HookName): boolean;
  emit<K extends HookName>(hook: K, event: HookEvent<K>): void;
  /**
   * Calls `onRequestStart` and returns the hub for that request: the global
   * hooks plus the hooks the observers returned for it (this hub itself when
   * none did).
   */
  startRequest(event: RequestStartEvent): ObserverHub;
}

type Hook = [observer: Observer, target: object, fn: (event: unknown) => unknown];

/** Every hook a hub calls. */
const HOOKS: readonly HookName[] = [
  'onRequestStart',
  'onAttemptStart',
  'onChunk',
  'onPartial',
  'onFirstChunk',
  'onFirstPartial',
  'onAttemptEnd',
  'onProgressEvent',
  'onRetry',
  'onFallback',
  'onBreakerStateChange',
  'onRequestEnd',
];

export function createObserverHub(
  observers: readonly Observer[],
  report: (message: string, data: Readonly<Record<string, unknown>>) => void,
): ObserverHub {
  const failed = new Set<Observer>();
  const hookFailed = (observer: Observer, hook: string, error: unknown): void => {
    if (failed.has(observer)) return;
    failed.add(observer);
    try {
      report(
        `Observer ${observer.name ?? '(unnamed)'} failed in ${hook}; the stream goes on and further errors are not reported`,
        { observer: observer.name, hook, error: errorText(error) },
      );
    } catch {
      // Reporting must not fail the request either.
    }
  };
  const call = (hook: string, [observer, target, fn]: Hook, event: unknown): unknown => {
    try {
      const returned = fn.call(target, event);
      // An async hook is not awaited, but its rejection is caught and reported like a throw.
      if (!isPromiseLike(returned)) return returned;
      returned.then(undefined, (error: unknown) => hookFailed(observer, hook, error));
    } catch (error) {
      hookFailed(observer, hook, error);
    }
    return undefined;
  };
  /** A hub over `targets`: each observer, or hooks an observer returned for one request. */
  const hubOf = (targets: ReadonlyArray<readonly [Observer, object]>): ObserverHub => {
    // Per hook, who implements it (own or inherited methods): emitting skips everyone else.
    const byHook = new Map<string, Hook[]>();
    for (const [observer, target] of targets) {
      for (const key of HOOKS) {
        const fn = (target as Record<string, Hook[2]>)[key];
        if (typeof fn === 'function')
          byHook.set(key, [...(byHook.get(key) ?? []), [observer, target, fn]]);
      }
    }
    const hub: ObserverHub = {
      has: (hook) => byHook.has(hook),
      emit(hook, event) {
        for (const entry of byHook.get(hook) ?? []) call(hook, entry, event);
      },
      startRequest(event) {
        const scoped = [...targets];
        for (const entry of byHook.get('onRequestStart') ?? []) {
          const hooks = call('onRequestStart', entry, event);
          if (hooks && typeof hooks === 'object') scoped.push([entry[0], hooks]);
        }
        return scoped.length > targets.length ? hubOf(scoped) : hub;
      },
    };
    return hub;
  };
  return hubOf(observers.map((observer) => [observer, observer]));
}
