import { OWN_KEYWORDS, PROBE_DEPTH } from '../constants.ts';
import type { JsonPath } from '../json-schema.ts';
import {
  checkArrayLength,
  checkConstants,
  checkNumber,
  checkObjectKeys,
  checkString,
  type ValidationMode,
} from './check-keywords.ts';
import {
  jsonTypeBit,
  type SchemaNode,
  TYPE_ARRAY,
  TYPE_NUMBER,
  TYPE_OBJECT,
  TYPE_STRING,
} from './schema-node.ts';

/*
 * The common case answered without building tasks, locations or issues: a
 * value (or a path into a document) under plain schemas — types, constants,
 * numeric, string, array and object keywords, `properties`, `items`,
 * `additionalProperties` — that passes. These probes only ever say "passes";
 * anything else (a failure, a combinator, `patternProperties`, a value nested
 * deeper than the probe follows) returns false, and the caller runs the
 * ordinary task-based validation, which alone decides what is reported. So the
 * fast path changes what validation costs, never its outcome.
 *
 * The probe recurses, but at most PROBE_DEPTH levels: deeper values go to the
 * task stack, which has no depth bound but `maxDepth`.
 */

/** `allOf`, `anyOf` or `oneOf` (a `$ref` is an `allOf` member): left to the task stack. */
function combines(node: SchemaNode): boolean {
  return node.allOf.length > 0 || node.anyOf !== undefined || node.oneOf !== undefined;
}

/** Set by {@link flag} when a probing keyword check fails. */
let probeFailed = false;
const flag = (): void => {
  probeFailed = true;
};

/**
 * True when `value` passes `node` in `mode` with no issue. `room` is how many
 * container levels may still be entered (the validation's `maxDepth` left at
 * this value's depth).
 */
export function valuePasses(
  node: SchemaNode,
  value: unknown,
  mode: ValidationMode,
  room: number,
): boolean {
  return probe(node, value, mode, Math.max(0, Math.min(room, PROBE_DEPTH)));
}

function probe(node: SchemaNode, value: unknown, mode: ValidationMode, room: number): boolean {
  if (node.never || combines(node) || node.not !== undefined) return false;
  const type = jsonTypeBit(value);
  if (type === 0) return false;
  if (node.types !== undefined && (node.types & type) === 0) return false;
  probeFailed = false;
  if (node.constant !== undefined || node.enumeration !== undefined) {
    checkConstants(node, value, mode, flag);
  }
  if (type & TYPE_NUMBER) checkNumber(node, value as number, flag);
  else if (type === TYPE_STRING) checkString(node, value as string, mode, flag);
  else if (type === TYPE_ARRAY) {
    const array = value as readonly unknown[];
    checkArrayLength(node, array.length, mode, flag);
    return !probeFailed && (room === OWN_KEYWORDS || itemsPass(node, array, mode, room));
  } else if (type === TYPE_OBJECT) {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    checkObjectKeys(node, object, keys, mode, flag);
    if (probeFailed || node.patternProperties.length > 0) return false;
    return room === OWN_KEYWORDS || propertiesPass(node, object, keys, mode, room);
  }
  return !probeFailed;
}

function itemsPass(
  node: SchemaNode,
  array: readonly unknown[],
  mode: ValidationMode,
  room: number,
): boolean {
  const { prefixItems, items } = node;
  const tupleLength = prefixItems.length;
  const count = items?.never === true ? Math.min(array.length, tupleLength) : array.length;
  if (count === 0 || (items === undefined && tupleLength === 0)) return true;
  if (room <= 0) return false;
  for (let i = 0; i < count; i++) {
    const schema = i < tupleLength ? prefixItems[i] : items;
    const item = array[i];
    if (schema !== undefined && item !== undefined && !probe(schema, item, mode, room - 1)) {
      return false;
    }
  }
  return true;
}

function propertiesPass(
  node: SchemaNode,
  object: Record<string, unknown>,
  keys: readonly string[],
  mode: ValidationMode,
  room: number,
): boolean {
  const { properties, additionalProperties } = node;
  if (properties === undefined && additionalProperties === undefined) return true;
  if (keys.length === 0) return true;
  if (room <= 0) return false;
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue; // a key whose value has not begun
    const schema = properties?.get(key) ?? additionalProperties;
    if (schema !== undefined && !probe(schema, item, mode, room - 1)) return false;
  }
  return true;
}

/**
 * True when the subtree of `document` at `path` passes, and every step on the
 * way is allowed (the walk of `processWalk`, under plain schemas only). With
 * `subject`, its value stands for the one at the end of the path.
 *
 * With `childrenChecked`, the value's own keywords are checked but not its
 * items or properties: for a caller that has checked each of them at its own
 * path (as the engine does with the parts of a container as they complete).
 */
export function pathPasses(
  root: SchemaNode,
  document: unknown,
  mode: ValidationMode,
  path: JsonPath,
  subject: { readonly value: unknown } | undefined,
  maxDepth: number,
  childrenChecked = false,
): boolean {
  let node = root;
  let value = document;
  const last = path.length - 1;
  for (let index = 0; index <= last; index++) {
    if (node.never) return false;
    const type = jsonTypeBit(value);
    // A step into nothing: a partial check has nothing to say, a final one misses a value.
    if (type !== TYPE_ARRAY && type !== TYPE_OBJECT) return mode === 'partial';
    if (combines(node) || (node.types !== undefined && (node.types & type) === 0)) return false;
    if (index >= maxDepth) return false;
    const step = path[index] as string | number;
    const atEnd = subject !== undefined && index === last;
    let schema: SchemaNode | undefined;
    if (type === TYPE_ARRAY) {
      const array = value as readonly unknown[];
      value = atEnd ? subject.value : typeof step === 'number' ? array[step] : undefined;
      if (typeof step !== 'number' || value === undefined) return mode === 'partial';
      if (node.maxItems !== undefined && step >= node.maxItems) return false;
      const tupleLength = node.prefixItems.length;
      schema = step < tupleLength ? node.prefixItems[step] : node.items;
      if (schema?.never === true && step >= tupleLength) return false;
    } else {
      const object = value as Record<string, unknown>;
      const key = String(step);
      if (atEnd) value = subject.value;
      else if (!Object.hasOwn(object, key) || object[key] === undefined) return mode === 'partial';
      else value = object[key];
      if (node.patternProperties.length > 0) return false;
      schema = node.properties?.get(key) ?? node.additionalProperties;
    }
    if (schema === undefined) return true; // nothing constrains the rest of the way
    node = schema;
  }
  if (value === undefined) return mode === 'partial';
  return childrenChecked
    ? probe(node, value, mode, OWN_KEYWORDS)
    : valuePasses(node, value, mode, maxDepth - path.length);
}

/**
 * True when a partial check of *any* string at a path of this shape passes —
 * read from the schema alone, not the document: every step is a plain
 * `properties`/`additionalProperties`/`items` step with no `maxItems`, tuple or
 * combinator, and the schema at the end takes strings with no `const`, `enum` or
 * `maxLength` (the only string keywords a prefix can fail). A growing string
 * there need not be checked while it grows; it is checked once complete.
 */
export function stringPrefixesPass(root: SchemaNode, path: JsonPath, maxDepth: number): boolean {
  let node = root;
  for (let index = 0; index < path.length; index++) {
    const step = path[index] as string | number;
    const kind = typeof step === 'number' ? TYPE_ARRAY : TYPE_OBJECT;
    if (node.never || combines(node) || (node.types !== undefined && (node.types & kind) === 0)) {
      return false;
    }
    if (index >= maxDepth) return false;
    let schema: SchemaNode | undefined;
    if (kind === TYPE_ARRAY) {
      if (node.maxItems !== undefined || node.prefixItems.length > 0) return false;
      schema = node.items;
    } else {
      if (node.patternProperties.length > 0) return false;
      schema = node.properties?.get(String(step)) ?? node.additionalProperties;
    }
    if (schema === undefined) return true; // nothing constrains the rest of the way
    node = schema;
  }
  return (
    !node.never &&
    !combines(node) &&
    (node.types === undefined || (node.types & TYPE_STRING) !== 0) &&
    node.constant === undefined &&
    node.enumeration === undefined &&
    node.maxLength === undefined
  );
}
