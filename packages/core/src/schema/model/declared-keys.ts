import type { JsonPath } from '../json-schema.ts';
import type { SchemaNode } from '../validator/schema-node.ts';

/** Which keys of one object are kept; `undefined` keeps every key. */
export type KeyFilter = (key: string) => boolean;

/** Candidate schemas followed at once (union branches, `allOf` members); beyond it, every key is kept. */
const MAX_CANDIDATES = 64;
/** Answers remembered per filter: a model inventing keys endlessly must not grow memory. */
const MAX_REMEMBERED_KEYS = 1024;

/**
 * For models whose final value drops undeclared keys: given the path of an
 * object in a document, the filter that keeps the keys its schema declares.
 *
 * A key is kept when some schema that can apply to the object declares it in
 * `properties`, matches it with `patternProperties`, or says anything explicit
 * about other keys (`additionalProperties`, even `false`: the validator must
 * then see the key to reject it). It is dropped only when every schema that
 * speaks of the object's keys lists properties and says nothing of the rest.
 * When the path leads nowhere the schema describes, every key is kept.
 *
 * Filters are shared between objects reached through the same schemas, so
 * the answer for a key is worked out once per schema, not once per object.
 */
export function declaredKeys(root: SchemaNode): (path: JsonPath) => KeyFilter | undefined {
  if (!hasUnspecifiedExtras(root)) return () => undefined;
  const filters = new Map<string, KeyFilter | null>();
  const ids = new Map<SchemaNode, number>();
  const idOf = (node: SchemaNode): number => {
    let id = ids.get(node);
    if (id === undefined) {
      id = ids.size;
      ids.set(node, id);
    }
    return id;
  };
  return (path) => {
    const candidates = candidatesAt(root, path);
    if (candidates === undefined) return undefined;
    const id = candidates.map(idOf).join(',');
    let filter = filters.get(id);
    if (filter === undefined) {
      filter = filterFor(candidates);
      filters.set(id, filter);
    }
    return filter ?? undefined;
  };
}

/** Whether any object schema reachable from `root` leaves extra keys unspecified. */
function hasUnspecifiedExtras(root: SchemaNode): boolean {
  const seen = new Set<SchemaNode>([root]);
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as SchemaNode;
    if (node.extraKeysUnspecified && node.properties !== undefined) return true;
    const next = [...node.allOf, ...node.prefixItems, ...node.patternProperties.map((p) => p.node)];
    if (node.anyOf !== undefined) next.push(...node.anyOf.branches);
    if (node.oneOf !== undefined) next.push(...node.oneOf.branches);
    if (node.items !== undefined) next.push(node.items);
    if (node.additionalProperties !== undefined) next.push(node.additionalProperties);
    if (node.properties !== undefined) next.push(...node.properties.values());
    for (const child of next) {
      if (!seen.has(child)) {
        seen.add(child);
        stack.push(child);
      }
    }
  }
  return false;
}

/** `nodes` plus every schema applying in place (`allOf`, `$ref`, `anyOf`, `oneOf`); undefined when too many. */
function expand(nodes: readonly SchemaNode[]): SchemaNode[] | undefined {
  const out: SchemaNode[] = [];
  const seen = new Set<SchemaNode>();
  const stack = [...nodes];
  while (stack.length > 0) {
    const node = stack.pop() as SchemaNode;
    if (seen.has(node)) continue;
    seen.add(node);
    out.push(node);
    if (out.length > MAX_CANDIDATES) return undefined;
    stack.push(...node.allOf);
    if (node.anyOf !== undefined) stack.push(...node.anyOf.branches);
    if (node.oneOf !== undefined) stack.push(...node.oneOf.branches);
  }
  return out;
}

/** The schemas that can apply to the value at `path`; undefined when unknown or too many. */
function candidatesAt(root: SchemaNode, path: JsonPath): SchemaNode[] | undefined {
  let candidates = expand([root]);
  for (const segment of path) {
    if (candidates === undefined) return undefined;
    const next: SchemaNode[] = [];
    for (const node of candidates) {
      if (typeof segment === 'number') {
        const item = node.prefixItems[segment] ?? node.items;
        if (item !== undefined) next.push(item);
        continue;
      }
      const property = node.properties?.get(segment);
      if (property !== undefined) next.push(property);
      for (const pattern of node.patternProperties) {
        if (pattern.regex.test(segment)) next.push(pattern.node);
      }
      if (property === undefined && node.additionalProperties !== undefined) {
        next.push(node.additionalProperties);
      }
    }
    if (next.length === 0) return undefined;
    candidates = expand(next);
  }
  return candidates;
}

/** Null when every key is kept. */
function filterFor(candidates: readonly SchemaNode[]): KeyFilter | null {
  const listing: SchemaNode[] = [];
  for (const node of candidates) {
    if (node.never) continue;
    const speaksOfKeys =
      node.properties !== undefined ||
      node.patternProperties.length > 0 ||
      !node.extraKeysUnspecified;
    if (!speaksOfKeys) continue;
    // Something explicit about other keys: keep them all, the validator decides.
    if (!node.extraKeysUnspecified) return null;
    listing.push(node);
  }
  if (listing.length === 0) return null;
  const remembered = new Map<string, boolean>();
  return (key) => {
    let keep = remembered.get(key);
    if (keep === undefined) {
      keep = listing.some((node) => node.properties?.has(key) === true);
      if (remembered.size < MAX_REMEMBERED_KEYS) remembered.set(key, keep);
    }
    return keep;
  };
}
