/**
 * What the progress estimator learns from validated answers, per response model:
 * plain JSON, so an application can persist it (a file, a database) or share it
 * between replicas (a Redis store), and a restarted process starts warm.
 */
export interface ProgressStats {
  /** Format version; other versions are ignored when loaded. */
  readonly version: 1;
  /** Validated answers learned from. */
  readonly count: number;
  /** Mean length of a validated answer's JSON text, in characters. */
  readonly meanChars: number;
  /**
   * Per value path (`products.*.name`: property names, `*` for array elements):
   * the mean JSON length of the value there, and for arrays their mean element count.
   */
  readonly paths: Readonly<Record<string, PathStats>>;
}

export interface PathStats {
  /** Values seen at this path. */
  readonly count: number;
  /** Mean length of their JSON text. */
  readonly chars: number;
  /** Arrays: mean number of elements. */
  readonly items?: number;
  /** Arrays: the most elements seen (fading by 5 % with each later answer). */
  readonly itemsMax?: number;
}

/**
 * Where learned statistics live. Reads and writes may be synchronous or return
 * promises (a shared store); the estimator caches what it read, never waits for
 * the store on the hot path, and a store that fails or returns something that
 * is not {@link ProgressStats} costs a logged warning, never a request.
 */
export interface ProgressStatsStore {
  get(key: string): ProgressStats | undefined | Promise<ProgressStats | undefined>;
  set(key: string, stats: ProgressStats): void | Promise<void>;
}

/** The default store: a bounded map in this process, with a snapshot to persist and restore. */
export interface InMemoryProgressStatsStore extends ProgressStatsStore {
  get(key: string): ProgressStats | undefined;
  set(key: string, stats: ProgressStats): void;
  /** Every entry, as plain JSON (`JSON.stringify` it to save). */
  snapshot(): Record<string, ProgressStats>;
}

/** Paths learned per response model at most: a bound on memory and on a stored entry's size. */
const MAX_LEARNED_PATHS = 256;
/** Answers longer than this teach only their total length (walking them would cost too much). */
const MAX_WALKED_CHARS = 4_000_000;
/** Elements of one array measured at most (evenly spaced); a longer array's size is scaled from them. */
const SAMPLED_ELEMENTS = 64;
/** Learned means follow recent answers once there are this many. */
const MEMORY = 10;

export function createInMemoryProgressStatsStore(
  options: {
    readonly initial?: Readonly<Record<string, unknown>>;
    readonly maxEntries?: number;
  } = {},
): InMemoryProgressStatsStore {
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, ProgressStats>();
  for (const [key, value] of Object.entries(options.initial ?? {})) {
    if (isProgressStats(value)) entries.set(key, value);
  }
  return {
    get: (key) => entries.get(key),
    set(key, stats) {
      entries.delete(key);
      entries.set(key, stats);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    snapshot: () => Object.fromEntries(entries),
  };
}

/** True for a value this version can use: a corrupt or foreign entry is not one. */
export function isProgressStats(value: unknown): value is ProgressStats {
  const stats = value as Partial<ProgressStats> | null;
  const paths = stats?.paths;
  if (
    typeof stats !== 'object' ||
    stats?.version !== 1 ||
    !positive(stats.count) ||
    !positive(stats.meanChars) ||
    typeof paths !== 'object' ||
    paths === null ||
    Array.isArray(paths)
  ) {
    return false;
  }
  const entries = Object.values(paths);
  return (
    entries.length <= MAX_LEARNED_PATHS &&
    entries.every(
      (path) =>
        typeof path === 'object' &&
        path !== null &&
        positive(path.count) &&
        atLeastZero(path.chars) &&
        (path.items === undefined || atLeastZero(path.items)) &&
        (path.itemsMax === undefined || atLeastZero(path.itemsMax)),
    )
  );
}

/** `stats` (or nothing) with one more validated answer of `finalChars` characters, `value` parsed from it. */
export function learnAnswer(
  stats: ProgressStats | undefined,
  finalChars: number,
  value: unknown,
): ProgressStats {
  const count = (stats?.count ?? 0) + 1;
  const meanChars = blend(stats?.meanChars, finalChars, count);
  const paths: Record<string, PathStats> = { ...stats?.paths };
  if (value !== undefined && finalChars <= MAX_WALKED_CHARS) {
    const samples = new Map<string, Sample>();
    sizeOf(value, { path: '', children: undefined, sample: undefined }, samples, 0);
    for (const [path, sample] of samples) {
      const known = paths[path];
      if (known === undefined && Object.keys(paths).length >= MAX_LEARNED_PATHS) continue;
      const n = (known?.count ?? 0) + 1;
      const chars = blend(known?.chars, sample.chars / sample.n, n);
      paths[path] =
        sample.items >= 0
          ? {
              count: n,
              chars,
              items: blend(known?.items, sample.items / sample.n, n),
              itemsMax: Math.max(sample.itemsMax, 0.95 * (known?.itemsMax ?? 0)),
            }
          : { count: n, chars };
    }
  }
  return { version: 1, count, meanChars, paths };
}

/** A running mean that favours recent answers once there are a few. */
function blend(mean: number | undefined, sample: number, count: number): number {
  if (mean === undefined) return sample;
  return mean + (sample - mean) / Math.min(count, MEMORY);
}

interface Sample {
  n: number;
  chars: number;
  /** Sum of element counts (arrays), or -1. */
  items: number;
  itemsMax: number;
}

/** A path of the walk: the elements of an array and each property of an object have their own. */
interface PathNode {
  readonly path: string;
  children: Map<string, PathNode> | undefined;
  sample: Sample | undefined;
}

/** The path under `node` for `key` (`*` for array elements), made once per walk. */
function child(node: PathNode, key: string): PathNode {
  node.children ??= new Map();
  let next = node.children.get(key);
  if (next === undefined) {
    const path = node.path === '' ? key : `${node.path}.${key}`;
    next = { path, children: undefined, sample: undefined };
    node.children.set(key, next);
  }
  return next;
}

/**
 * The JSON length of `value` (escapes in strings not counted), recording each path's mean
 * size (and element count) in `samples`, in the order their first value ended. A path's
 * node looks its sample up once: two nodes may spell one path (a key `a.b`, or `""` at the root).
 */
function sizeOf(
  value: unknown,
  node: PathNode,
  samples: Map<string, Sample>,
  depth: number,
): number {
  let chars: number;
  let items = -1;
  if (typeof value === 'string') chars = value.length + 2;
  else if (typeof value !== 'object' || value === null) chars = String(value).length;
  else if (depth > 32) chars = JSON.stringify(value)?.length ?? 0;
  else if (Array.isArray(value)) {
    const inner = child(node, '*');
    items = value.length;
    // A long array is learned from about SAMPLED_ELEMENTS of its elements, evenly spaced
    // (means need no more; a large answer stays cheap to learn), its size scaled from them.
    const step = Math.ceil(items / SAMPLED_ELEMENTS) || 1;
    let sum = 0;
    for (let i = 0; i < items; i += step) sum += sizeOf(value[i], inner, samples, depth + 1);
    chars = 1 + Math.max(1, items) + sum * step;
  } else {
    const keys = Object.keys(value);
    chars = keys.length === 0 ? 2 : 1;
    for (const key of keys) {
      chars +=
        key.length +
        4 +
        sizeOf((value as Record<string, unknown>)[key], child(node, key), samples, depth + 1);
    }
  }
  if (node.path !== '') {
    node.sample ??= samples.get(node.path);
    const sample = node.sample;
    if (sample === undefined) {
      node.sample = { n: 1, chars, items, itemsMax: items };
      samples.set(node.path, node.sample);
    } else {
      sample.n++;
      sample.chars += chars;
      if (items >= 0) {
        sample.items = Math.max(0, sample.items) + items;
        sample.itemsMax = Math.max(sample.itemsMax, items);
      }
    }
  }
  return chars;
}

function atLeastZero(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function positive(value: unknown): value is number {
  return atLeastZero(value) && value > 0;
}
