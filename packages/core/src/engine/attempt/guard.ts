import { abortedError } from '../../errors/aborted.ts';
import { StructuredLLMError } from '../../errors/index.ts';
import { WaitTimer } from '../timers.ts';
import type { AttemptSettings } from './types.ts';

/**
 * What ends an attempt from outside its provider's answer: the request's abort,
 * and the first-chunk and idle timers. `aborted` is called when the attempt is
 * aborted (by either); `idleWatched` says whether the idle timer should run
 * again once the consumer resumes a paused stream.
 */
export interface AttemptGuard {
  /** Aborted when the attempt ends from outside (the request's abort or a timer). */
  readonly signal: AbortSignal;
  readonly firstChunk: WaitTimer;
  readonly idle: WaitTimer;
  abort(reason: StructuredLLMError): void;
  /** Stops the timers and removes the listeners. */
  release(): void;
}

export function guardAttempt<T>(
  settings: AttemptSettings<T>,
  aborted: () => void,
  idleWatched: () => boolean,
): AttemptGuard {
  const { routed, control } = settings;
  const attemptController = new AbortController();
  const signal = attemptController.signal;
  const abortAttempt = (reason: StructuredLLMError): void => attemptController.abort(reason);
  const onRequestAbort = (): void => abortAttempt(abortedError(control.signal.reason));
  if (control.signal.aborted) onRequestAbort();
  else control.signal.addEventListener('abort', onRequestAbort, { once: true });

  const timeouts = settings.request.timeouts ?? {};
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
  // Time spent paused is the consumer's, not the provider's: suspend the idle timer.
  const stopWatchingPause = control.onPauseChange((paused) => {
    if (paused) idle.end();
    else if (idleWatched()) idle.begin();
  });
  // A provider that ignores its abort signal must not hold the consumer: the abort ends the pull.
  signal.addEventListener('abort', aborted, { once: true });

  return {
    signal,
    firstChunk,
    idle,
    abort: abortAttempt,
    release(): void {
      signal.removeEventListener('abort', aborted);
      firstChunk.stop();
      idle.stop();
      stopWatchingPause();
      control.signal.removeEventListener('abort', onRequestAbort);
    },
  };
}
