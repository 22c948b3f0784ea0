import { isObject } from '../validator/check-keywords.ts';
import { child, unsupportedSchema } from '../validator/compile-schema.ts';

/** A schema object as read (keywords untouched) and one being built. */
export type RawSchema = { readonly [keyword: string]: unknown };
export type MutableSchema = { [keyword: string]: unknown };

/**
 * `record[key]` when the record has it as its own property: a property or
 * definition named `constructor` or `__proto__` must not find `Object.prototype`'s.
 */
export function own(record: RawSchema, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** `location` with `keys` appended as JSON Pointer segments. */
export const pointer = child;

/** A JSON object (not null, not an array). */
export const isRecord = isObject;

export function reject(location: string, message: string): never {
  throw unsupportedSchema(
    `The schema cannot be sent in OpenAI strict mode: ${message} at ${location === '' ? '#' : `#${location}`}`,
  );
}

export function typesOf(schema: RawSchema): string[] | undefined {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type) && type.every((t) => typeof t === 'string')) return type as string[];
  return undefined;
}

/** Decodes one JSON Pointer segment. */
function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** `#/$defs/name` or `#/definitions/name` → the definition's name; `undefined` for anything else. */
export function definitionName(ref: string): string | undefined {
  for (const prefix of ['#/$defs/', '#/definitions/']) {
    if (ref.startsWith(prefix)) {
      const segment = ref.slice(prefix.length);
      return segment === '' || segment.includes('/') ? undefined : unescapePointer(segment);
    }
  }
  return undefined;
}

/** Deep equality of two JSON values (key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return false;
}
