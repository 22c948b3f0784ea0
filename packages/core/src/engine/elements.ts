import { StructuredLLMError } from '../errors/index.ts';
import type { JsonPath } from '../json/index.ts';
import type { Logger } from '../observe/index.ts';
import type { JsonSchema, ValidationIssue } from '../schema/index.ts';
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
  for (const segment of given) {
    if (typeof segment !== 'string' || segment === '') {
      throw new StructuredLLMError({
        category: 'bad_request',
        code: 'invalid_element_path',
        message: `elementPath must name object keys (got ${JSON.stringify(elementPath)})`,
      });
    }
  }
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
 * A 53-bit fingerprint of a JSON value, cheap enough to take for every element:
 * its structure, numbers, literals and string lengths are hashed in full, each
 * string's content through up to 12 code units spread over it, each key through
 * its length and first and last code units (so two versions of a long string that
 * differ only between samples collide). It only tells whether a retry re-wrote an
 * element already delivered.
 */
export function fingerprint(value: unknown): number {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
  const stack = fingerprintStack;
  const base = stack.length;
  stack.push(value);
  while (stack.length > base) {
    const node = stack.pop();
    if (typeof node === 'string') {
      mix(1);
      mixString(node);
    } else if (typeof node === 'number') {
      const whole = Math.floor(node);
      mix(2);
      mix(whole | 0);
      mix((whole / 4294967296) | 0);
      mix(((node - whole) * 4294967296) | 0);
    } else if (node === null || typeof node !== 'object') {
      mix(node === null ? 3 : node === true ? 4 : node === false ? 5 : 6);
    } else if (Array.isArray(node)) {
      mix(7);
      mix(node.length);
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
    } else {
      const keys = Object.keys(node);
      mix(8);
      mix(keys.length);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        mix(key.length);
        mix(key.charCodeAt(0));
        mix(key.charCodeAt(key.length - 1));
        stack.push((node as Record<string, unknown>)[key]);
      }
    }
  }
  let a = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  a ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  let b = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  return 4294967296 * (2097151 & b) + (a >>> 0);
}

// The running hash of `fingerprint`, and its work stack: module state, so that a call allocates nothing.
let h1 = 0;
let h2 = 0;
const fingerprintStack: unknown[] = [];

function mix(code: number): void {
  h1 = Math.imul(h1 ^ code, 2654435761);
  h2 = Math.imul(h2 ^ code, 1597334677);
}

function mixString(text: string): void {
  const n = text.length;
  mix(n);
  if (n <= STRING_SAMPLES) {
    for (let i = 0; i < n; i++) mix(text.charCodeAt(i));
    return;
  }
  const step = (n - 1) / (STRING_SAMPLES - 1);
  for (let i = 0; i < STRING_SAMPLES; i++) mix(text.charCodeAt(Math.round(i * step)));
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
  readonly path: JsonPath;
  readonly retain: boolean;
  readonly policy: ElementErrorPolicy;
  /** Elements handed out (valid ones, and invalid ones reported under 'skip'): the next index to deliver. */
  delivered = 0;
  /** Valid elements delivered. */
  valid = 0;
  /** Elements a later attempt wrote differently from the version already delivered. */
  replaced = 0;
  /** True once `elements()` asked for the elements. */
  listening = false;
  private readonly fingerprints: number[] = [];
  private readonly queue: ElementEvent<unknown>[] = [];
  private queueHead = 0;
  private readonly callback: ElementCallback | undefined;
  private readonly logger: Logger;
  private callbackFailed = false;

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
    this.callback = options.callback;
    this.logger = logger;
  }

  /** Whether attempts hand elements out (someone listens, or elements are to be released). */
  get active(): boolean {
    return this.listening || this.callback !== undefined || !this.retain;
  }

  /** Whether `elements()` has elements waiting to be taken. */
  get waiting(): boolean {
    return this.queueHead < this.queue.length;
  }

  /** Whether the element at `index` was already delivered by an earlier attempt. */
  isDelivered(index: number): boolean {
    return index < this.delivered;
  }

  /** Called for an element an earlier attempt delivered: true when this version differs. */
  differs(index: number, value: unknown): boolean {
    const known = this.fingerprints[index];
    const differs = known === undefined || known !== fingerprint(value);
    if (differs) this.replaced++;
    return differs;
  }

  deliver(index: number, value: unknown): void {
    this.fingerprints[index] = fingerprint(value);
    this.delivered = index + 1;
    this.valid++;
    this.emit({ index, value, error: undefined });
  }

  /** An invalid element under 'skip': reported, never dropped silently. */
  reportInvalid(index: number, error: StructuredLLMError): void {
    this.fingerprints[index] = Number.NaN; // whatever a later attempt writes, it counts as replaced
    this.delivered = index + 1;
    this.emit({ index, value: undefined, error });
  }

  /** The next queued element for `elements()`, if any. */
  take(): ElementEvent<unknown> | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const item = this.queue[this.queueHead] as ElementEvent<unknown>;
    this.queue[this.queueHead++] = undefined as unknown as ElementEvent<unknown>;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    return item;
  }

  private emit(item: ElementEvent<unknown>): void {
    if (this.listening) this.queue.push(item);
    if (this.callback === undefined) return;
    try {
      const returned = this.callback(item);
      if (returned !== undefined && typeof (returned as Promise<void>).then === 'function') {
        (returned as Promise<void>).then(undefined, (error: unknown) => this.callbackError(error));
      }
    } catch (error) {
      this.callbackError(error);
    }
  }

  private callbackError(error: unknown): void {
    if (this.callbackFailed) return;
    this.callbackFailed = true;
    this.logger.warn('onElement threw; the stream goes on and further errors are not reported', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
