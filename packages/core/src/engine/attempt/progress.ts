import type { StructuredLLMError } from '../../errors/index.ts';
import type { JsonStreamParser } from '../../json/index.ts';
import { type ProgressDetails, progressKey } from '../../progress/index.ts';
import { attemptContext } from '../lifecycle.ts';
import type { TextExcerpt } from '../text-excerpt.ts';
import type { StreamingResponse } from '../types.ts';
import type { AttemptSettings, ProviderMeta } from './types.ts';

/**
 * Progress and observer events of one attempt: the estimate (asked again only as
 * the text grows), the partial responses handed out, and the attempt's events.
 * Events are built only when someone listens.
 */
export function createProgress<T>(
  settings: AttemptSettings<T>,
  text: TextExcerpt,
  parser: JsonStreamParser,
) {
  const { responseModel, tracker, routed, run } = settings;
  const { hub, now } = settings.env;
  const context = attemptContext(run);
  const attemptStartedAt = now();
  const estimateKey = progressKey(responseModel.name, responseModel.jsonSchema);
  // One chunk event per attempt, its `chars` updated per chunk: observers must copy what they keep.
  const chunkEvent = hub.has('onChunk') ? { ...context, chars: 0 } : undefined;
  const partialEvent = hub.has('onPartial')
    ? {
        ...context,
        progressPercent: 0,
        first: true,
        get elapsedMs(): number {
          return now() - run.startedAt;
        },
      }
    : undefined;
  let firstPartial = true;
  let partials = 0;
  // The tracker's callback and listener are set when it is made.
  const listening = tracker.listening;

  const progressNow = (): number => estimatePercent(settings, estimateKey, text, parser);
  // The estimate is asked again once the text has grown by 1/64 (at least 16 characters):
  // smooth to the eye, and a few hundred estimates per megabyte instead of one per chunk.
  let estimated = 0;
  let estimateAgainAt = 0;
  const progressSoFar = (): number => {
    const chars = text.length;
    if (chars >= estimateAgainAt) {
      estimated = progressNow();
      estimateAgainAt = chars + Math.max(16, chars / 64);
    }
    return estimated;
  };

  /** A partial's progress event, built only when someone will see it. */
  const describeProgress = (): ProgressDetails => ({
    message: `Received ${text.length} characters`,
    data: { attempt: settings.attempt, model: routed.requested, chars: text.length },
  });

  /** The partial `partial` is shown: progress, the partial's events, and the value kept. */
  function shown(partial: unknown, progressPercent: number): void {
    run.lastPartial = partial;
    partials++;
    if (partialEvent !== undefined) {
      partialEvent.progressPercent = progressPercent;
      partialEvent.first = firstPartial;
      hub.emit('onPartial', partialEvent);
    }
    if (firstPartial) {
      firstPartial = false;
      if (hub.has('onFirstPartial')) {
        hub.emit('onFirstPartial', {
          ...context,
          progressPercent,
          elapsedMs: now() - run.startedAt,
        });
      }
    }
  }

  /** A chunk of `chars` characters was written. */
  function chunk(chars: number): void {
    if (chunkEvent === undefined) return;
    chunkEvent.chars = chars;
    hub.emit('onChunk', chunkEvent);
  }

  /** The first chunk of text arrived. */
  function firstChunk(): void {
    if (!hub.has('onFirstChunk')) return;
    const at = now();
    hub.emit('onFirstChunk', {
      ...context,
      elapsedMs: at - run.startedAt,
      attemptElapsedMs: at - attemptStartedAt,
    });
  }

  return {
    firstChunk,
    chunk,
    /** Progress without a partial response, to whoever listens for it. */
    report(): void {
      if (listening) tracker.reportProgress(progressSoFar(), describeProgress);
    },
    /** The partial response for `partial`, the parser's current (checked) value. */
    partial(partial: unknown, rawChunks: string[]): StreamingResponse<T> {
      // Unheard, the percent moves only when the estimate is asked again.
      const progressPercent =
        listening || text.length >= estimateAgainAt
          ? tracker.reportProgress(progressSoFar(), describeProgress)
          : tracker.progressPercent;
      shown(partial, progressPercent);
      return {
        partialResult: partial as StreamingResponse<T>['partialResult'],
        isComplete: false,
        progressPercent,
        rawChunks,
        error: undefined,
        attempt: settings.attempt,
        model: routed.requested,
      };
    },
    /** The whole text of a non-streaming call was written. */
    received(): void {
      chunk(text.length);
      firstChunk();
    },
    /** ...and checked: it is shown. */
    whole(): void {
      const { data } = describeProgress();
      const event = tracker.updateProgress('Received the full response', progressNow(), data);
      shown(parser.value, event.progressPercent);
    },
    /** The attempt ended: with `error`, after `chunks` chunks, with what the provider said (for `onAttemptEnd`, when observed). */
    ended(error: StructuredLLMError | undefined, chunks: number, meta: ProviderMeta): void {
      hub.emit('onAttemptEnd', {
        ...context,
        status: error === undefined ? 'success' : 'error',
        error,
        chunks,
        chars: text.length,
        partials,
        durationMs: now() - attemptStartedAt,
        ...meta,
      });
    },
  };
}

/** The estimator's answer for the text so far, in percent (its basis told to the tracker). */
function estimatePercent<T>(
  settings: AttemptSettings<T>,
  key: string,
  text: TextExcerpt,
  parser: JsonStreamParser,
): number {
  const { tracker } = settings;
  const estimate = settings.env.estimator.estimate({
    key,
    schema: settings.responseModel.jsonSchema,
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
}
