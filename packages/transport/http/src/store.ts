import type { WireEvent } from './protocol.ts';

/** What a store holds of a run, read from just after a given event id. */
export type StoreRead =
  | { readonly state: 'unknown' }
  /** The run existed, but it (or the part after `afterId`) is no longer kept. */
  | { readonly state: 'expired' }
  | { readonly state: 'running' | 'ended'; readonly events: readonly WireEvent[] };

/**
 * Where the events of resumable runs are kept so that a client that
 * reconnects (or a reloaded page) gets every event after its `Last-Event-ID`.
 * Methods may be synchronous or return promises (a shared store, such as
 * Redis, is asynchronous). Events of one run are appended in id order.
 */
export interface StreamStore {
  create(runId: string): void | Promise<void>;
  append(runId: string, event: WireEvent): void | Promise<void>;
  /** The run will get no more events. */
  end(runId: string): void | Promise<void>;
  /** Events with an id greater than `afterId`. */
  read(runId: string, afterId: number): StoreRead | Promise<StoreRead>;
}

export interface MemoryStreamStoreOptions {
  /** How long a run's events are kept after its last event. Default 5 minutes. */
  readonly ttlMs?: number;
  /** Most runs kept; the least recently written ones go first. Default 1000. */
  readonly maxRuns?: number;
  /**
   * Most characters of event data kept per run; the oldest events go first (a
   * client that needs them gets `expired`). Default 16,000,000.
   */
  readonly maxCharsPerRun?: number;
  /** Clock (tests inject). Default `Date.now`. */
  readonly now?: () => number;
}

interface StoredRun {
  events: WireEvent[];
  /** Index of the first event still kept (events before it were dropped). */
  head: number;
  chars: number;
  ended: boolean;
  touchedAt: number;
  /** Id of the last event dropped to stay under the size bound (0: none). */
  droppedThrough: number;
}

/** How many expired run ids are remembered (to answer 410 rather than 404). */
const TOMBSTONES = 10_000;

/** An in-process {@link StreamStore} bounded in runs, characters per run and time. */
export class MemoryStreamStore implements StreamStore {
  readonly #runs = new Map<string, StoredRun>();
  readonly #expired = new Set<string>();
  readonly #ttlMs: number;
  readonly #maxRuns: number;
  readonly #maxChars: number;
  readonly #now: () => number;

  constructor(options: MemoryStreamStoreOptions = {}) {
    this.#ttlMs = positive(options.ttlMs, 5 * 60_000, 'ttlMs');
    this.#maxRuns = positive(options.maxRuns, 1000, 'maxRuns');
    this.#maxChars = positive(options.maxCharsPerRun, 16_000_000, 'maxCharsPerRun');
    this.#now = options.now ?? Date.now;
  }

  /** Runs currently kept. */
  get size(): number {
    this.#sweep();
    return this.#runs.size;
  }

  create(runId: string): void {
    this.#sweep();
    this.#runs.delete(runId);
    this.#runs.set(runId, {
      events: [],
      head: 0,
      chars: 0,
      ended: false,
      touchedAt: this.#now(),
      droppedThrough: 0,
    });
    while (this.#runs.size > this.#maxRuns) {
      const oldest = this.#runs.keys().next().value;
      if (oldest === undefined) break;
      this.#expire(oldest);
    }
  }

  append(runId: string, event: WireEvent): void {
    const run = this.#live(runId);
    if (run === undefined) return;
    run.events.push(event);
    run.chars += event.data.length;
    while (run.chars > this.#maxChars && run.head < run.events.length) {
      const dropped = run.events[run.head++] as WireEvent;
      run.chars -= dropped.data.length;
      run.droppedThrough = dropped.id;
    }
    if (run.head > 1024 && run.head * 2 > run.events.length) {
      run.events = run.events.slice(run.head);
      run.head = 0;
    }
    this.#touch(runId, run);
  }

  end(runId: string): void {
    const run = this.#live(runId);
    if (run === undefined) return;
    run.ended = true;
    this.#touch(runId, run);
  }

  read(runId: string, afterId: number): StoreRead {
    const run = this.#live(runId);
    if (run === undefined) return { state: this.#expired.has(runId) ? 'expired' : 'unknown' };
    if (afterId < run.droppedThrough) return { state: 'expired' };
    const events: WireEvent[] = [];
    for (let i = run.head; i < run.events.length; i++) {
      const event = run.events[i] as WireEvent;
      if (event.id > afterId) events.push(event);
    }
    return { state: run.ended ? 'ended' : 'running', events };
  }

  #touch(runId: string, run: StoredRun): void {
    run.touchedAt = this.#now();
    // Map order is the order of last writes: the sweep stops at the first fresh run.
    this.#runs.delete(runId);
    this.#runs.set(runId, run);
  }

  #live(runId: string): StoredRun | undefined {
    this.#sweep();
    return this.#runs.get(runId);
  }

  #sweep(): void {
    const limit = this.#now() - this.#ttlMs;
    for (const [runId, run] of this.#runs) {
      if (run.touchedAt > limit) break;
      this.#expire(runId);
    }
  }

  #expire(runId: string): void {
    this.#runs.delete(runId);
    this.#expired.add(runId);
    if (this.#expired.size > TOMBSTONES) {
      const oldest = this.#expired.values().next().value;
      if (oldest !== undefined) this.#expired.delete(oldest);
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`MemoryStreamStore: ${name} must be > 0, got ${value}`);
  return value;
}
