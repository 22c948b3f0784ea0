import type { AttemptRecord, ErrorCategory, StructuredLLMError } from '../errors/index.ts';
import type { ProgressEvent } from '../progress/index.ts';
import type { FinishReason, OutputMode, Usage } from '../provider/index.ts';
import type { BreakerState } from '../resilience/index.ts';
import { errorText } from '../values.ts';
import { IsolatedCallback } from './isolated-callback.ts';

/** Fields every observer event carries. */
export interface RequestContext {
  /** Unique per request within this process. */
  readonly requestId: string;
  /** The response model's name. */
  readonly schemaName: string;
  readonly streaming: boolean;
}

export interface AttemptContext extends RequestContext {
  readonly attempt: number;
  /** As requested ('openai/gpt-4o'). */
  readonly model: string;
  readonly provider: string;
  readonly mode: OutputMode;
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
}

export interface RequestEndEvent extends RequestContext {
  readonly status: 'success' | 'error';
  readonly model: string;
  readonly provider: string | undefined;
  readonly error: StructuredLLMError | undefined;
  readonly attempts: readonly AttemptRecord[];
  readonly durationMs: number;
  readonly usage: Usage | undefined;
  readonly finishReason: FinishReason | undefined;
  readonly responseId: string | undefined;
  readonly responseModel: string | undefined;
}

/**
 * Lifecycle hooks for metrics, tracing and logging. Every hook is optional.
 * Observers are isolated: one that throws is reported once through the logger
 * and never breaks a request. Hooks are called synchronously on the request's
 * path: keep them cheap. Only the hooks an observer implements (own or
 * inherited methods, present when it is registered) are called.
 *
 * An event object is valid during the call only: the engine reuses the
 * `onChunk` and `onPartial` events of an attempt (one object each, updated per
 * chunk), so copy the fields you keep.
 */
export interface Observer {
  readonly name?: string;
  onRequestStart?(event: RequestContext & { readonly model: string }): void;
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
   * An attempt ended, with what it streamed: the way to count chunks and
   * partials without a call per chunk. `status` is `error` for every attempt
   * that did not produce the result (its error says why).
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
  onBreakerStateChange?(event: {
    readonly key: string;
    readonly provider: string;
    readonly model: string;
    readonly from: BreakerState;
    readonly to: BreakerState;
    readonly at: number;
  }): void;
  onRequestEnd?(event: RequestEndEvent): void;
}

type HookName = Exclude<keyof Observer, 'name'>;
type HookEvent<K extends HookName> = Parameters<NonNullable<Observer[K]>>[0];

/** Calls hooks on many observers, each isolated from the others and from the caller. */
export interface ObserverHub {
  readonly active: boolean;
  /** Whether any observer implements `hook`: build an event only when someone will read it. */
  has(hook: HookName): boolean;
  emit<K extends HookName>(hook: K, event: HookEvent<K>): void;
}

/** An observer's hook, and the isolation the observer's hooks share. */
interface Hooked {
  readonly observer: Observer;
  readonly fn: (event: unknown) => void;
  readonly isolated: IsolatedCallback;
}

export function createObserverHub(
  observers: readonly Observer[],
  report: (message: string, data: Readonly<Record<string, unknown>>) => void,
): ObserverHub {
  // Per hook, the observers implementing it: emitting skips everyone else without a lookup.
  // Each observer is isolated once: its first failure, in any hook, is the one reported.
  const byHook = new Map<string, Hooked[]>();
  for (const observer of observers) {
    const isolated = new IsolatedCallback((error, hook) => {
      const { name } = observer;
      report(
        `Observer ${name ?? '(unnamed)'} failed in ${hook}; it is kept but its errors are no longer reported`,
        { observer: name, hook, error: errorText(error) },
      );
    });
    const keys = new Set<string>(Object.keys(observer));
    let proto = Object.getPrototypeOf(observer);
    while (proto !== null && proto !== Object.prototype) {
      for (const key of Object.getOwnPropertyNames(proto)) keys.add(key);
      proto = Object.getPrototypeOf(proto);
    }
    for (const key of keys) {
      const fn = (observer as unknown as Record<string, unknown>)[key];
      if (key === 'constructor' || typeof fn !== 'function') continue;
      let list = byHook.get(key);
      if (list === undefined) {
        list = [];
        byHook.set(key, list);
      }
      list.push({ observer, fn: fn as (event: unknown) => void, isolated });
    }
  }
  return {
    active: observers.length > 0,
    has: (hook) => byHook.has(hook),
    emit(hook, event) {
      const list = byHook.get(hook);
      if (list === undefined) return;
      for (let i = 0; i < list.length; i++) {
        const { observer, fn, isolated } = list[i] as Hooked;
        isolated.call(fn, event, observer, hook);
      }
    },
  };
}
