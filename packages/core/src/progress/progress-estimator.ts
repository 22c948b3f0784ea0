import type { JsonPath } from '../json/index.ts';
import type { JsonSchema } from '../schema/index.ts';
import {
  isProgressStats,
  learnAnswer,
  type PathStats,
  type ProgressStats,
  type ProgressStatsStore,
} from './progress-stats.ts';
import {
  type ArrayShape,
  expectedCount,
  logUniformMean,
  type ObjectShape,
  OPTIONAL_PRESENCE,
  type Shape,
  shapeOf,
} from './schema-shape.ts';

export interface ProgressEstimate {
  /** Identifies the response model: sizes are learned per key (the engine uses {@link progressKey}). */
  readonly key: string;
  readonly schema: JsonSchema;
  /** Characters of JSON received in this attempt. */
  readonly receivedChars: number;
  /** The partial value so far. */
  readonly partial: unknown;
  /**
   * Where the text is: for each open array or object, the current key or the index of
   * its last element (the parser's `path`). Without it the estimator follows the last
   * key and element of each level.
   */
  readonly path?: JsonPath;
  /** True once the whole JSON value has been received (not yet validated). */
  readonly complete?: boolean;
}

/**
 * What an estimate rests on: `'schema'` — the schema alone (no validated answer of this
 * response model has been seen yet); `'learned'` — sizes learned from earlier answers.
 * A page can show an indeterminate bar while it is `'schema'`.
 */
export type ProgressBasis = 'schema' | 'learned';

export interface ProgressEstimateResult {
  /** In [0, 1). */
  readonly fraction: number;
  readonly basis: ProgressBasis;
}

/** Estimates how far along an answer is. Plug in your own through the service's `progressEstimator` option. */
export interface ProgressEstimator {
  /**
   * A fraction in [0, 1), or the fraction with its basis. The engine keeps progress
   * monotonic within an attempt and reaches 1 only after validation; a bare number is
   * reported with basis `'learned'`.
   */
  estimate(input: ProgressEstimate): number | ProgressEstimateResult;
  /** Called with the size of every validated answer, and the answer when the engine still holds it whole. */
  learn(key: string, finalChars: number, value?: unknown): void;
}

export interface ProgressEstimatorOptions {
  /** Where learned statistics are kept besides this estimator's own memory (1,000 models at most). Default: none. */
  readonly store?: ProgressStatsStore;
  /** Told when the store fails or holds something unusable (the estimator goes on without it). */
  readonly logger?: { warn(message: string, data?: Record<string, unknown>): void };
}

/** Estimated characters left for a string that is already longer than expected: a share of its length. */
const OVERRUN_SHARE = 0.5;

/**
 * The default estimator: `received / (received + expected remainder)`, where the remainder
 * is read off the schema along the path the text is at — properties not yet written (in
 * declared order; required ones in full, optional ones weighted), elements still expected
 * in open arrays (from `minItems`/`maxItems`, or a prior for unbounded arrays) at the size
 * of the elements seen so far, and the rest of a growing string (`maxLength`, `format`,
 * enum lengths, free-text field names). Once a response model has been validated before,
 * learned means (answer size, string lengths, element counts and sizes, how often an
 * optional field appears) replace the schema's priors.
 */
export function createProgressEstimator(options: ProgressEstimatorOptions = {}): ProgressEstimator {
  const store = options.store;
  const logger = options.logger;
  /** What was read from the store: stats, `null` for nothing usable, or the pending read. */
  const known = new Map<string, ProgressStats | null | Promise<void>>();
  const memos = new WeakMap<object, AnswerMemo>();
  let warned = false;

  /** One warning per estimator: a store that fails, fails for every key. */
  const warn = (message: string, key: string, error?: unknown): void => {
    if (warned) return;
    warned = true;
    try {
      logger?.warn(message, error === undefined ? { key } : { key, error: String(error) });
    } catch {
      // A logger that throws must not stop the estimate.
    }
  };
  const readFailed =
    (key: string) =>
    (error: unknown): void => {
      known.set(key, null);
      warn('The progress statistics store failed to read; estimating from the schema', key, error);
    };
  const accept = (key: string, value: unknown): void => {
    const usable = value === undefined || isProgressStats(value);
    known.set(key, usable && value !== undefined ? value : null);
    if (!usable)
      warn('Ignored stored progress statistics that are corrupt or of another version', key);
  };

  /** The learned statistics of `key`, reading the store (without waiting for it) the first time. */
  const statsFor = (key: string): ProgressStats | undefined => {
    if (!known.has(key)) {
      if (known.size >= 1000) known.delete(known.keys().next().value as string);
      try {
        const read = store?.get(key);
        if (read instanceof Promise)
          known.set(
            key,
            read.then((value) => accept(key, value), readFailed(key)),
          );
        else accept(key, read);
      } catch (error) {
        readFailed(key)(error);
      }
    }
    const entry = known.get(key);
    return entry === null || entry instanceof Promise ? undefined : entry;
  };

  const save = (key: string, stats: ProgressStats): void => {
    known.set(key, stats);
    const failed = (error: unknown) =>
      warn('The progress statistics store failed to write', key, error);
    try {
      const written = store?.set(key, stats);
      if (written instanceof Promise) written.catch(failed);
    } catch (error) {
      failed(error);
    }
  };

  return {
    estimate({ key, schema, receivedChars, partial, path, complete }) {
      const stats = statsFor(key);
      const basis: ProgressBasis = stats === undefined ? 'schema' : 'learned';
      if (complete === true) return { fraction: 0.99, basis };
      const remaining = remainingChars(shapeOf(schema), partial, path, receivedChars, stats, memos);
      const fraction = receivedChars / (receivedChars + Math.max(1, remaining));
      return { fraction: Math.max(0, Math.min(0.99, fraction)), basis };
    },
    learn(key, finalChars, value) {
      if (!(finalChars > 0)) return;
      statsFor(key);
      const entry = known.get(key);
      if (entry instanceof Promise) {
        void entry.then(() => save(key, learnAnswer(statsFor(key), finalChars, value)));
      } else save(key, learnAnswer(entry ?? undefined, finalChars, value));
    },
  };
}

/**
 * What the estimator remembers of one answer while it streams (keyed by its root value):
 * where each open array was first seen, to measure its elements, and how the strings
 * already written compare with what was expected of them.
 */
interface AnswerMemo {
  readonly arrays: WeakMap<object, [receivedChars: number, started: number]>;
  leafContainer: object | undefined;
  leafKey: string | number;
  leafExpected: number;
  writtenChars: number;
  expectedChars: number;
}

/** How much weight (in characters) the schema's expectation keeps against what was written. */
const CALIBRATION_PRIOR = 60;

interface Walk {
  readonly stats: ProgressStats | undefined;
  readonly memo: AnswerMemo | undefined;
  readonly receivedChars: number;
  /** How much longer (or shorter) than expected this answer's strings run, so far. */
  scale: number;
}

/** Expected characters still to come, along the path the text is at. */
function remainingChars(
  root: Shape,
  partial: unknown,
  path: JsonPath | undefined,
  receivedChars: number,
  stats: ProgressStats | undefined,
  memos: WeakMap<object, AnswerMemo>,
): number {
  if (partial === undefined) return stats?.meanChars ?? root.chars;
  let memo: AnswerMemo | undefined;
  if (typeof partial === 'object' && partial !== null) {
    memo = memos.get(partial);
    if (memo === undefined) {
      memo = {
        arrays: new WeakMap(),
        leafContainer: undefined,
        leafKey: '',
        leafExpected: 0,
        writtenChars: 0,
        expectedChars: 0,
      };
      memos.set(partial, memo);
    }
  }
  const walk: Walk = { stats, memo, receivedChars, scale: 1 };
  if (memo !== undefined) {
    const ratio =
      (memo.writtenChars + CALIBRATION_PRIOR) / (memo.expectedChars + CALIBRATION_PRIOR);
    walk.scale = Math.max(0.4, Math.min(4, ratio));
  }
  let shape = root;
  let node: unknown = partial;
  let container: object | undefined;
  let step: string | number | undefined;
  let at = '';
  let remaining = 0;
  for (let depth = 0; typeof node === 'object' && node !== null; depth++) {
    step = path === undefined ? lastStep(node) : path[depth];
    if (step === undefined) break;
    container = node;
    const resolved = resolve(shape, node);
    if (Array.isArray(node)) {
      const started = typeof step === 'number' ? step + 1 : node.length;
      const inner = at === '' ? '*' : `${at}.*`;
      const array = resolved.kind === 'array' ? resolved : undefined;
      const items = array?.items ?? resolved;
      const learned = stats?.paths[at];
      const count =
        learned?.items !== undefined
          ? learnedCount(learned, array, started)
          : expectedCount(array?.minItems ?? 0, array?.maxItems ?? Infinity, started);
      const size = elementSize(node, started, walk) ?? expectedChars(items, inner, walk);
      remaining += Math.max(0, count - started) * (size + 1) + 1;
      if (started === 0) return remaining; // an empty array: its elements are all counted above
      shape = items;
      node = node[node.length - 1];
      at = inner;
    } else {
      const key = String(step);
      const object = resolved.kind === 'object' ? resolved : undefined;
      if (object !== undefined) remaining += unwritten(object, node, key, at, walk);
      remaining += 1;
      const index = object?.byName.get(key);
      shape =
        index === undefined
          ? (object?.extra ?? resolved)
          : (object?.properties[index]?.shape ?? resolved);
      node = (node as Record<string, unknown>)[key];
      at = at === '' ? key : `${at}.${key}`;
    }
  }
  // The value the text is in: a growing string has the rest of its expected length to come.
  if (node === undefined) remaining += expectedChars(shape, at, walk);
  else if (typeof node === 'string') {
    const expected = expectedChars(shape, at, walk);
    remaining += Math.max(expected - node.length - 2, OVERRUN_SHARE * node.length);
    if (memo !== undefined && container !== undefined && step !== undefined) {
      noteLeaf(memo, container, step, expected / walk.scale);
    }
  }
  return remaining;
}

/**
 * Remembers the string the text is in; when the text has moved on from the previous
 * one, that string is complete: its length against its expected length calibrates the rest.
 */
function noteLeaf(
  memo: AnswerMemo,
  container: object,
  key: string | number,
  expected: number,
): void {
  if (memo.leafContainer === container && memo.leafKey === key) return;
  const previous = memo.leafContainer;
  if (previous !== undefined) {
    const written = (previous as Record<string | number, unknown>)[memo.leafKey];
    if (typeof written === 'string') {
      memo.writtenChars += written.length + 2;
      memo.expectedChars += memo.leafExpected;
    }
  }
  memo.leafContainer = container;
  memo.leafKey = key;
  memo.leafExpected = expected;
}

/** Declared properties of `object` not written yet: those after `current` (weighted by how likely they are), and missing required ones. */
function unwritten(
  shape: ObjectShape,
  object: object,
  current: string,
  at: string,
  walk: Walk,
): number {
  const position = shape.byName.get(current) ?? -1;
  let chars = 0;
  const properties = shape.properties;
  for (let i = 0; i < properties.length; i++) {
    const property = properties[i] as (typeof properties)[number];
    if (Object.hasOwn(object, property.name)) continue;
    if (i < position && !property.required) continue; // an optional field the model skipped
    const inner = at === '' ? property.name : `${at}.${property.name}`;
    const expected = property.keyChars + expectedChars(property.shape, inner, walk);
    chars += property.required ? expected : expected * presence(walk.stats, inner);
  }
  return chars;
}

/** How often an optional property appeared in learned answers (a schema prior before). */
function presence(stats: ProgressStats | undefined, at: string): number {
  if (stats === undefined) return OPTIONAL_PRESENCE;
  const seen = stats.paths[at]?.count ?? 0;
  return Math.min(1, seen / stats.count);
}

/** Expected JSON length of a value at `at`: learned when known, else the schema's prior; scaled by this answer so far. */
function expectedChars(shape: Shape, at: string, walk: Walk): number {
  return (walk.stats?.paths[at]?.chars ?? shape.chars) * walk.scale;
}

/**
 * Elements an array is expected to hold once `started` have begun, from what was learned:
 * the mean of a log-uniform spread from a third of the learned mean up to a little past
 * the most seen, within the schema's bounds, given that `started` are already there.
 */
function learnedCount(learned: PathStats, array: ArrayShape | undefined, started: number): number {
  const mean = learned.items ?? 0;
  const maxItems = array?.maxItems ?? Infinity;
  const ceiling = Math.min(maxItems, Math.max(1.25 * (learned.itemsMax ?? mean), 1.5 * mean, 2));
  const low = Math.max(array?.minItems ?? 0, mean / 3, started, 1);
  if (low >= maxItems) return maxItems;
  return logUniformMean(low, ceiling, started);
}

/** The mean size of this array's elements, measured in this answer once two have gone by. */
function elementSize(array: readonly unknown[], started: number, walk: Walk): number | undefined {
  const arrays = walk.memo?.arrays;
  if (arrays === undefined) return undefined;
  const seen = arrays.get(array);
  if (seen === undefined) {
    arrays.set(array, [walk.receivedChars, started]);
    return undefined;
  }
  const elements = started - seen[1];
  return elements >= 2 ? (walk.receivedChars - seen[0]) / elements : undefined;
}

/** The branch of a union the value is in: the first of its kind (object or array). */
function resolve(shape: Shape, node: object): Shape {
  if (shape.kind !== 'union') return shape;
  const wanted = Array.isArray(node) ? 'array' : 'object';
  return shape.branches.find((branch) => branch.kind === wanted) ?? shape;
}

/** Without the parser's path: the last key of an object, the last index of an array. */
function lastStep(node: object): string | number | undefined {
  if (Array.isArray(node)) return node.length === 0 ? undefined : node.length - 1;
  let last: string | undefined;
  for (const key in node) last = key;
  return last;
}
