import type { JsonSchema } from '../schema/index.ts';

const keys = new WeakMap<object, Map<string, string>>();

/**
 * A stable key for what the estimator learns about a response model: its name and a
 * 64-bit hash of its JSON Schema with keys sorted, so the same model gets the same key
 * in every process and a changed schema starts afresh.
 */
export function progressKey(name: string, schema: JsonSchema): string {
  if (typeof schema !== 'object' || schema === null) return `${name}#${String(schema)}`;
  let byName = keys.get(schema);
  if (byName === undefined) {
    byName = new Map();
    keys.set(schema, byName);
  }
  let key = byName.get(name);
  if (key === undefined) {
    const text = canonicalJson(schema);
    key = `${name}#${hex(fnv1a(text))}${hex(djb2(text))}`;
    byName.set(name, key);
  }
  return key;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) {
      Object.defineProperty(sorted, key, {
        value: (inner as Record<string, unknown>)[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return sorted;
  });
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function djb2(text: string): number {
  let hash = 5381;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 33) + text.charCodeAt(i)) | 0;
  return hash >>> 0;
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
