import { StructuredLLMError } from '../errors/index.ts';
import type { JsonPath } from '../json/index.ts';
import type { Logger } from '../observe/index.ts';
import { IsolatedCallback } from '../observe/isolated-callback.ts';
import type { JsonSchema, ValidationIssue } from '../schema/index.ts';
import { errorText } from '../values.ts';
import type { ElementErrorPolicy, ElementEvent } from './types.ts';

/** Error code of a request that failed because of one invalid array element. */
export const INVALID_ELEMENT = 'invalid_element';

/** `'items'`, `'data.items'` or `['data', 'items']` as a path; `undefined` when not given. */
export function parseElementPath(path: JsonPath | string | undefined): JsonPath | undefined {
  if (path === undefined) return undefined;
  if (typeof path === 'string') return path === '' ? [] : path.split('.');
  return [...path];
}

function schemaType(schema: JsonSchema | undefined): unknown {
  if (typeof schema !== 'object' || schema === null) return undefined;
  return (schema as Record<string, unknown>).type;
}

/**
 * The subschema at `path`, following `properties` and `items` only; `undefined`
 * when the schema says more than that can follow (references, unions…).
 */
function schemaAt(schema: JsonSchema, path: JsonPath): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    const record = node as Record<string, unknown>;
    if (typeof segment === 'number') {
      const items = record.items;
      node = typeof items === 'object' && items !== null ? (items as JsonSchema) : undefined;
    } else {
      const properties = record.properties;
      if (typeof properties !== 'object' || properties === null) return undefined;
      node = Object.hasOwn(properties, segment)
        ? ((properties as Record<string, JsonSchema>)[segment] as JsonSchema)
        : undefined;
    }
  }
  return node;
}

/**
 * Where the streamed array is: the request's `elementPath`, or the root when the
 * response schema's root is an array. Throws a `bad_request` error for a path
 * the schema says is not an array.
 */
export function resolveElementPath(
  elementPath: JsonPath | string | undefined,
  schema: JsonSchema,
): JsonPath | undefined {
  const given = parseElementPath(elementPath);
  if (given === undefined) return schemaType(schema) === 'array' ? [] : undefined;
  const type = schemaType(schemaAt(schema, given));
  const isArray =
    type === undefined || type === 'array' || (Array.isArray(type) && type.includes('array'));
  if (!isArray) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'invalid_element_path',
      message: `elementPath "${given.join('.')}" is not an array in the response schema (type ${JSON.stringify(type)})`,
    });
  }
  return given;
}

/** Code units of a string that go into its fingerprint, spread over its length (and its length itself). */
const STRING_SAMPLES = 12;

/**
 * A 32-bit fingerprint of a JSON value, cheap enough to take for every element:
 * its structure, numbers, literals and string lengths are hashed in full, each
 * string's content through up to 12 code units spread over it, each key through
 * its length and first and last code units (so two versions of a long string that
 * differ only between samples collide). It only tells whether a retry re-wrote the
 * element delivered at the same index, so 32 bits leave one miss in four billion.
 */
export function fingerprint(value: unknown): number {
  let h = 0x2545f491;
  const stack = fingerprintStack;
  const base = stack.length;
  stack.push(value);
  while (stack.length > base) {
    const node = stack.pop();
    if (typeof node === 'string') {
      h = mixString(mix(h, 1), node);
    } else if (typeof node === 'number') {
      const whole = Math.floor(node);
      h = mix(mix(h, 2), whole | 0);
      // Above 2^31 the high part counts too; the fraction in 32 bits.
      if (whole >= 2147483648 || whole < -2147483648) h = mix(h, (whole / 4294967296) | 0);
      h = mix(h, ((node - whole) * 4294967296) | 0);
    } else if (node === null || typeof node !== 'object') {
      h = mix(h, node === null ? 3 : node === true ? 4 : node === false ? 5 : 6);
    } else if (Array.isArray(node)) {
      h = mix(h, 7 | (node.length << 4));
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
    } else {
      // A JSON object's keys (for-in: no key array to allocate).
      let count = 0;
      for (const key in node) {
        h = mix(h, key.length);
        h = mix(h, (key.charCodeAt(0) << 16) | key.charCodeAt(key.length - 1));
        stack.push((node as Record<string, unknown>)[key]);
        count++;
      }
      h = mix(h, 8 | (count << 4));
    }
  }
  // Final avalanche (murmur3's fmix32).
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// The work stack of `fingerprint`: module state, so that a call allocates nothing.
const fingerprintStack: unknown[] = [];

function mix(h: number, code: number): number {
  const k = Math.imul(code, 0xcc9e2d51);
  return (Math.imul(h ^ ((k << 15) | (k >>> 17)), 0x1b873593) + 0xe6546b64) | 0;
}

/** The length, then code units two at a time: all of a short string, samples of a long one. */
function mixString(h: number, text: string): number {
  const n = text.length;
  let hash = mix(h, n);
  if (n <= STRING_SAMPLES) {
    for (let i = 0; i < n; i += 2) {
      hash = mix(hash, (text.charCodeAt(i) << 16) | (i + 1 < n ? text.charCodeAt(i + 1) : 0));
    }
    return hash;
  }
  const step = (n - 1) / (STRING_SAMPLES - 1);
  for (let i = 0; i < STRING_SAMPLES; i += 2) {
    const first = text.charCodeAt(Math.round(i * step));
    hash = mix(hash, (first << 16) | text.charCodeAt(Math.round((i + 1) * step)));
  }
  return hash;
}

/** True when `path` lies inside, or leads to, the array at `arrayPath`. */
export function relation(
  path: JsonPath,
  arrayPath: JsonPath,
): 'ancestor' | 'array' | 'inside' | 'unrelated' {
  const n = Math.min(path.length, arrayPath.length);
  for (let i = 0; i < n; i++) if (path[i] !== arrayPath[i]) return 'unrelated';
  if (path.length < arrayPath.length) return 'ancestor';
  return path.length === arrayPath.length ? 'array' : 'inside';
}

/** True when every issue is about the array at `arrayPath` itself (its minItems, contains…). */
export function onlyArrayIssues(issues: readonly ValidationIssue[], arrayPath: JsonPath): boolean {
  return (
    issues.length > 0 &&
    issues.every(
      (issue) =>
        issue.path.length === arrayPath.length &&
        issue.path.every((segment, i) => String(segment) === String(arrayPath[i])),
    )
  );
}

export type ElementCallback = (element: ElementEvent<unknown>) => void | Promise<void>;

/**
 * The request-wide record of array elements: what was delivered (by index,
 * with a fingerprint, never the element itself), the consumer queue of
 * `elements()`, and the `onElement` callback. Lives across attempts, so a retry
 * or fallback that re-streams the array skips what was already delivered.
 */
export class ElementTracker {
  declare readonly path: JsonPath;
  declare readonly retain: boolean;
  declare readonly policy: ElementErrorPolicy;
  /** Elements handed out (valid ones, and invalid ones reported under 'skip'): the next index to deliver. */
  delivered = 0;
  /** Valid elements delivered. */
  valid = 0;
  /** Indices a later attempt wrote differently from the version already delivered (each counted once). */
  readonly #replacedAt = new Set<number>();
  /** True once `elements()` asked for the elements. */
  declare listening: true | undefined;
  readonly #fingerprints: number[] = [];
  readonly #queue: ElementEvent<unknown>[] = [];
  #queueHead = 0;
  readonly #callback: ElementCallback | undefined;
  readonly #isolated: IsolatedCallback;

  constructor(
    path: JsonPath,
    options: {
      readonly retain: boolean;
      readonly policy: ElementErrorPolicy;
      readonly callback: ElementCallback | undefined;
    },
    logger: Logger,
  ) {
    this.path = path;
    this.retain = options.retain;
    this.policy = options.policy;
    this.#callback = options.callback;
    this.#isolated = new IsolatedCallback((error) =>
      logger.warn('onElement threw; the stream goes on and further errors are not reported', {
        error: errorText(error),
      }),
    );
  }

  /** Whether attempts hand elements out (someone listens, or elements are to be released). */
  get active(): boolean {
    return this.listening || this.#callback !== undefined || !this.retain;
  }

  /** Whether `elements()` has elements waiting to be taken. */
  get waiting(): boolean {
    return this.#queueHead < this.#queue.length;
  }

  /** Elements a later attempt wrote differently from the version already delivered. */
  get replaced(): number {
    return this.#replacedAt.size;
  }

  /** Whether the element at `index` was reported invalid (under 'skip') rather than delivered. */
  wasInvalid(index: number): boolean {
    return Number.isNaN(this.#fingerprints[index]);
  }

  /** Called for an element an earlier attempt delivered: true when this version differs. */
  differs(index: number, value: unknown): boolean {
    const known = this.#fingerprints[index];
    const differs = known === undefined || known !== fingerprint(value);
    if (differs) this.#replacedAt.add(index);
    return differs;
  }

  deliver(index: number, value: unknown): void {
    this.#fingerprints[index] = fingerprint(value);
    this.delivered = index + 1;
    this.valid++;
    this.#emit({ index, value, error: undefined });
  }

  /** An invalid element under 'skip': reported, never dropped silently. */
  reportInvalid(index: number, error: StructuredLLMError): void {
    this.#fingerprints[index] = Number.NaN; // whatever a later attempt writes, it counts as replaced
    this.delivered = index + 1;
    this.#emit({ index, value: undefined, error });
  }

  /** The next queued element for `elements()`, if any. */
  take(): ElementEvent<unknown> | undefined {
    if (this.#queueHead >= this.#queue.length) return undefined;
    const item = this.#queue[this.#queueHead] as ElementEvent<unknown>;
    this.#queue[this.#queueHead++] = undefined as unknown as ElementEvent<unknown>;
    if (this.#queueHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#queueHead = 0;
    }
    return item;
  }

  #emit(item: ElementEvent<unknown>): void {
    if (this.listening) this.#queue.push(item);
    if (this.#callback !== undefined) this.#isolated.call(this.#callback, item);
  }
}
