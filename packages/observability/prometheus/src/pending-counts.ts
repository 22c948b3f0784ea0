import type { Counter } from 'prom-client';

/** One label set's count not yet added to its counter. Hot paths hold the slot and bump `count`. */
export interface PendingSlot<T extends string> {
  readonly labels: Readonly<Record<T, string>>;
  count: number;
}

/**
 * Counts kept as plain numbers and added to a prom-client counter in bulk.
 * `Counter.inc(labels)` hashes the label set on every call; per-chunk events
 * instead bump a slot they looked up once per attempt, and the slots are
 * flushed when the registry is scraped (the counter's `collect`) and at the
 * end of each request. Slots are per label set, which the label guards bound.
 */
export class PendingCounts<T extends string> {
  private readonly slots = new Map<string, PendingSlot<T>>();

  /** The slot for a label set, created on first use. */
  slot(labels: Readonly<Record<T, string>>): PendingSlot<T> {
    const key = Object.values<string>(labels).join('\u0000');
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = { labels, count: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Adds every pending count to `counter` and zeroes it. */
  flushInto(counter: Counter<T>): void {
    for (const slot of this.slots.values()) flushSlot(slot, counter);
  }
}

export function flushSlot<T extends string>(slot: PendingSlot<T>, counter: Counter<T>): void {
  if (slot.count === 0) return;
  const count = slot.count;
  slot.count = 0;
  counter.inc(slot.labels as Partial<Record<T, string>>, count);
}
