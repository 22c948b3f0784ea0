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
    // Keys sorted (fromEntries keeps a `__proto__` key as data), then two 32-bit FNV-1a lanes.
    const text = JSON.stringify(schema, (_key, value: unknown) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
        : value,
    );
    key = `${name}#${hash(text, 0x811c9dc5)}${hash(text, 0x01000193)}`;
    byName.set(name, key);
  }
  return key;
}

function hash(text: string, seed: number): string {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
