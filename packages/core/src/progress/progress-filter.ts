import type { ProgressEvent, ProgressFilter } from './progress-event.ts';

/** Turns a ProgressFilter into a stateful predicate (it remembers the last delivered progress event). */
export function createProgressGate(
  filter: ProgressFilter | undefined,
): (event: ProgressEvent) => boolean {
  if (filter === undefined) return () => true;
  if (typeof filter === 'function') return filter;
  const types = filter.eventTypes === undefined ? undefined : new Set(filter.eventTypes);
  const minStep = filter.minPercentStep ?? 0;
  const minInterval = filter.minIntervalMs ?? 0;
  let lastPercent = Number.NEGATIVE_INFINITY;
  let lastTime = Number.NEGATIVE_INFINITY;
  return (event) => {
    if (types !== undefined && !types.has(event.eventType)) return false;
    if (event.eventType !== 'progress') {
      // A new attempt starts its progress afresh.
      if (event.eventType !== 'error') lastPercent = Number.NEGATIVE_INFINITY;
      return true;
    }
    if (event.progressPercent - lastPercent < minStep) return false;
    if (event.timestamp - lastTime < minInterval) return false;
    lastPercent = event.progressPercent;
    lastTime = event.timestamp;
    return true;
  };
}
