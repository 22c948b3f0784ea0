/**
 * Heap helpers. Meaningful only with `node --expose-gc`; without it `hasGc()` is
 * false and callers should report heap figures as unavailable.
 */

export function hasGc(): boolean {
  return typeof globalThis.gc === 'function';
}

/** Full, synchronous garbage collection (no-op without `--expose-gc`). */
export function collectGarbage(): void {
  const gc = globalThis.gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/** `heapUsed` after a full collection: the bytes still reachable. */
export function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * One trial in its own stack frame: once it returns, nothing it allocated can
 * linger in an interpreter register and inflate the next trial's baseline.
 */
function retainedDelta(make: () => unknown): number {
  const before = retainedHeap();
  const held = make();
  const after = retainedHeap();
  keepAlive(held);
  return after - before;
}

/**
 * Retained size of the value `make()` returns: the `heapUsed` delta (after gc)
 * of holding it. One discarded trial (first-time allocations such as
 * internalized keys), then the median of `repeats` trials.
 */
export function retainedSizeOf(make: () => unknown, repeats = 3): number {
  retainedDelta(make);
  const deltas: number[] = [];
  for (let i = 0; i < repeats; i++) deltas.push(retainedDelta(make));
  deltas.sort((a, b) => a - b);
  return deltas[deltas.length >> 1] as number;
}

const sink: { value: unknown } = { value: undefined };
/** Keeps `value` reachable until this point so the collector cannot free it earlier. */
export function keepAlive(value: unknown): void {
  sink.value = value;
  sink.value = undefined;
}
