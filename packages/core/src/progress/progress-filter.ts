import type { ProgressEvent, ProgressFilter } from './progress-event.ts';

/** A filter as the tracker uses it. */
export interface ProgressGate {
  /** Decides for a built event, and remembers a delivered progress event. */
  readonly admit: (event: ProgressEvent) => boolean;
  /**
   * For a progress event not yet built: false when {@link admit} would certainly refuse
   * it, so that it need not be built. Remembers nothing.
   */
  readonly mightAdmitProgress: (progressPercent: number, now: () => number) => boolean;
}

const always = (): boolean => true;
const OPEN: ProgressGate = { admit: always, mightAdmitProgress: always };

/**
 * Turns a ProgressFilter into a gate: its `admit` is a stateful predicate (it remembers
 * the last delivered progress event), with the pre-check the tracker's hot path uses.
 */
export function progressGate(filter: ProgressFilter | undefined): ProgressGate {
  if (filter === undefined) return OPEN;
  if (typeof filter === 'function') return { admit: filter, mightAdmitProgress: always };
  const types = filter.eventTypes === undefined ? undefined : new Set(filter.eventTypes);
  const progressPasses = types === undefined || types.has('progress');
  const minStep = filter.minPercentStep ?? 0;
  const minInterval = filter.minIntervalMs ?? 0;
  let lastPercent = -Infinity;
  let lastTime = -Infinity;
  return {
    admit: (event) => {
      if (types !== undefined && !types.has(event.eventType)) return false;
      if (event.eventType !== 'progress') {
        // A new attempt starts its progress afresh.
        if (event.eventType !== 'error') lastPercent = -Infinity;
        return true;
      }
      if (event.progressPercent - lastPercent < minStep) return false;
      if (event.timestamp - lastTime < minInterval) return false;
      lastPercent = event.progressPercent;
      lastTime = event.timestamp;
      return true;
    },
    mightAdmitProgress: (progressPercent, now) =>
      progressPasses &&
      progressPercent - lastPercent >= minStep &&
      (minInterval === 0 || now() - lastTime >= minInterval),
  };
}
