import { StructuredLLMError } from '../../errors/index.ts';
import { MAX_SCHEMA_NESTING } from '../constants.ts';
import { isObject } from './check-keywords.ts';
import { findDiscriminator } from './find-discriminator.ts';
import {
  type Alternatives,
  type Bound,
  type PatternProperty,
  type SchemaNode,
  TYPE_BITS,
  TYPE_NULL,
} from './schema-node.ts';
import { isKnownFormat } from './string-formats.ts';

type RawSchema = { readonly [keyword: string]: unknown };

export function unsupportedSchema(message: string, cause?: unknown): StructuredLLMError {
  return new StructuredLLMError({
    category: 'bad_request',
    code: 'unsupported_schema',
    message,
    ...(cause === undefined ? {} : { cause }),
  });
}

function fail(location: string, message: string): never {
  throw unsupportedSchema(`Unsupported JSON Schema at ${location}: ${message}`);
}

/** `location` with `keys` appended as JSON Pointer segments (`~` and `/` escaped). */
export function child(location: string, ...keys: (string | number)[]): string {
  let result = location;
  for (const key of keys) result += `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return result;
}

function emptyNode(location: string): SchemaNode {
  return {
    location,
    never: false,
    types: undefined,
    constant: undefined,
    enumeration: undefined,
    minimum: undefined,
    maximum: undefined,
    multipleOf: undefined,
    minLength: undefined,
    maxLength: undefined,
    pattern: undefined,
    format: undefined,
    minItems: undefined,
    maxItems: undefined,
    prefixItems: [],
    items: undefined,
    properties: undefined,
    patternProperties: [],
    additionalProperties: undefined,
    extraKeysUnspecified: false,
    required: [],
    minProperties: undefined,
    maxProperties: undefined,
    allOf: [],
    anyOf: undefined,
    oneOf: undefined,
    not: undefined,
  };
}

/** A regex for `pattern`: Unicode mode first, then legacy mode; `undefined` when neither parses. */
function compilePattern(source: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(source, flags);
    } catch {
      // try the next mode; a pattern no mode accepts is ignored rather than failing the request
    }
  }
  return undefined;
}

function count(raw: RawSchema, keyword: string, location: string): number | undefined {
  const value = raw[keyword];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(location, `"${keyword}" must be a non-negative integer`);
  }
  return value;
}

function finite(raw: RawSchema, keyword: string, location: string): number | undefined {
  const value = raw[keyword];
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(location, `"${keyword}" must be a number`);
  }
  return value;
}

function fillObjectKeywords(
  node: SchemaNode,
  raw: RawSchema,
  location: string,
  sub: (value: unknown, ...keys: (string | number)[]) => SchemaNode,
): void {
  if (raw.properties !== undefined) {
    if (!isObject(raw.properties)) fail(location, '"properties" must be an object');
    const properties = new Map<string, SchemaNode>();
    for (const key of Object.keys(raw.properties)) {
      properties.set(key, sub(raw.properties[key], 'properties', key));
    }
    node.properties = properties;
  }
  let patternsReliable = true;
  if (raw.patternProperties !== undefined) {
    if (!isObject(raw.patternProperties)) fail(location, '"patternProperties" must be an object');
    const patterns: PatternProperty[] = [];
    for (const source of Object.keys(raw.patternProperties)) {
      const regex = compilePattern(source);
      const entry = sub(raw.patternProperties[source], 'patternProperties', source);
      if (regex === undefined) patternsReliable = false;
      else patterns.push({ regex, node: entry });
    }
    node.patternProperties = patterns;
  }
  // With a pattern we cannot read, we cannot tell which keys are "additional": allow them.
  if (raw.additionalProperties !== undefined && patternsReliable) {
    node.additionalProperties = sub(raw.additionalProperties, 'additionalProperties');
  }
  node.extraKeysUnspecified =
    raw.additionalProperties === undefined && raw.patternProperties === undefined;
  if (raw.required !== undefined) {
    if (!Array.isArray(raw.required) || !raw.required.every((key) => typeof key === 'string')) {
      fail(location, '"required" must be an array of strings');
    }
    node.required = raw.required;
  }
  node.minProperties = count(raw, 'minProperties', location);
  node.maxProperties = count(raw, 'maxProperties', location);
}

function lowerBound(raw: RawSchema, location: string): Bound | undefined {
  const inclusive = finite(raw, 'minimum', location);
  const exclusive = finite(raw, 'exclusiveMinimum', location);
  const legacyExclusive = raw.exclusiveMinimum === true; // draft-04 / OpenAPI 3.0
  const a = inclusive === undefined ? undefined : { value: inclusive, exclusive: legacyExclusive };
  const b = exclusive === undefined ? undefined : { value: exclusive, exclusive: true };
  if (a === undefined || b === undefined) return a ?? b;
  return b.value >= a.value ? b : a;
}

function upperBound(raw: RawSchema, location: string): Bound | undefined {
  const inclusive = finite(raw, 'maximum', location);
  const exclusive = finite(raw, 'exclusiveMaximum', location);
  const legacyExclusive = raw.exclusiveMaximum === true;
  const a = inclusive === undefined ? undefined : { value: inclusive, exclusive: legacyExclusive };
  const b = exclusive === undefined ? undefined : { value: exclusive, exclusive: true };
  if (a === undefined || b === undefined) return a ?? b;
  return b.value <= a.value ? b : a;
}

/**
 * Compiles a JSON Schema into a {@link SchemaNode} graph. Throws a
 * `StructuredLLMError` (`bad_request`, code `unsupported_schema`) for schemas it
 * cannot check faithfully: non-local or dangling `$ref`s, recursion that never
 * descends into a value, malformed keywords.
 */
export function compileSchema(root: unknown): SchemaNode {
  const nodes = new Map<RawSchema, SchemaNode>();
  const all: SchemaNode[] = [];

  function compile(raw: unknown, location: string, nesting: number): SchemaNode {
    if (nesting > MAX_SCHEMA_NESTING)
      fail(location, `subschemas nested deeper than ${MAX_SCHEMA_NESTING}`);
    if (raw === true) return emptyNode(location);
    if (raw === false) return { ...emptyNode(location), never: true };
    if (!isObject(raw)) fail(location, 'a schema must be an object or a boolean');
    const known = nodes.get(raw);
    if (known !== undefined) return known;
    const node = emptyNode(location);
    nodes.set(raw, node); // before filling, so `$ref` cycles find it
    all.push(node);
    fill(node, raw, location, nesting + 1);
    return node;
  }

  function schemaList(raw: RawSchema, keyword: string, location: string, nesting: number) {
    const value = raw[keyword];
    if (!Array.isArray(value) || value.length === 0) {
      fail(location, `"${keyword}" must be a non-empty array of schemas`);
    }
    return value.map((entry, index) => compile(entry, child(location, keyword, index), nesting));
  }

  function fill(node: SchemaNode, raw: RawSchema, location: string, nesting: number): void {
    const sub = (value: unknown, ...keys: (string | number)[]) =>
      compile(value, child(location, ...keys), nesting);

    if (raw.type !== undefined) {
      const names = Array.isArray(raw.type) ? raw.type : [raw.type];
      let types = 0;
      for (const name of names) {
        const bit = typeof name === 'string' ? TYPE_BITS.get(name) : undefined;
        if (bit === undefined) fail(location, `unknown type ${JSON.stringify(name)}`);
        types |= bit;
      }
      if (types === 0) fail(location, '"type" must name at least one type');
      if (raw.nullable === true) types |= TYPE_NULL; // OpenAPI 3.0
      node.types = types;
    }
    if (raw.enum !== undefined) {
      if (!Array.isArray(raw.enum)) fail(location, '"enum" must be an array');
      node.enumeration = raw.enum;
    }
    if (Object.hasOwn(raw, 'const')) node.constant = { value: raw.const };

    node.minimum = lowerBound(raw, location);
    node.maximum = upperBound(raw, location);
    const multipleOf = finite(raw, 'multipleOf', location);
    if (multipleOf !== undefined && multipleOf <= 0)
      fail(location, '"multipleOf" must be positive');
    node.multipleOf = multipleOf;

    node.minLength = count(raw, 'minLength', location);
    node.maxLength = count(raw, 'maxLength', location);
    if (raw.pattern !== undefined) {
      if (typeof raw.pattern !== 'string') fail(location, '"pattern" must be a string');
      node.pattern = compilePattern(raw.pattern);
    }
    if (typeof raw.format === 'string' && isKnownFormat(raw.format)) node.format = raw.format;

    node.minItems = count(raw, 'minItems', location);
    node.maxItems = count(raw, 'maxItems', location);
    if (Array.isArray(raw.items)) {
      // draft-07 tuple form
      node.prefixItems = raw.items.map((entry, index) => sub(entry, 'items', index));
      if (raw.additionalItems !== undefined)
        node.items = sub(raw.additionalItems, 'additionalItems');
    } else {
      if (raw.prefixItems !== undefined)
        node.prefixItems = schemaList(raw, 'prefixItems', location, nesting);
      if (raw.items !== undefined) node.items = sub(raw.items, 'items');
    }

    fillObjectKeywords(node, raw, location, sub);

    const allOf = raw.allOf === undefined ? [] : schemaList(raw, 'allOf', location, nesting);
    const reference = referenceOf(raw, location);
    if (reference !== undefined) {
      const target = resolvePointer(root, reference, location);
      allOf.push(compile(target, reference, nesting));
    }
    node.allOf = allOf;
    if (raw.anyOf !== undefined)
      node.anyOf = alternatives(schemaList(raw, 'anyOf', location, nesting));
    if (raw.oneOf !== undefined)
      node.oneOf = alternatives(schemaList(raw, 'oneOf', location, nesting));
    if (raw.not !== undefined) node.not = sub(raw.not, 'not');
  }

  const rootNode = compile(root, '#', 0);
  rejectEmptyRecursion(all);
  for (const node of all) {
    if (node.anyOf !== undefined) node.anyOf.discriminator = findDiscriminator(node.anyOf.branches);
    if (node.oneOf !== undefined) node.oneOf.discriminator = findDiscriminator(node.oneOf.branches);
  }
  return rootNode;
}

function alternatives(branches: SchemaNode[]): Alternatives {
  return { branches, discriminator: undefined };
}

function referenceOf(raw: RawSchema, location: string): string | undefined {
  if (raw.$dynamicRef !== undefined) fail(location, '"$dynamicRef" is not supported; use "$ref"');
  const reference = raw.$ref ?? raw.$recursiveRef;
  if (reference === undefined) return undefined;
  if (typeof reference !== 'string') fail(location, '"$ref" must be a string');
  return reference;
}

/** The subschema a local `$ref` (`#`, `#/$defs/name`, any JSON Pointer) points at. */
function resolvePointer(root: unknown, reference: string, location: string): unknown {
  if (!reference.startsWith('#')) {
    fail(location, `only local references ("#/$defs/…") are supported, got "${reference}"`);
  }
  const pointer = reference.slice(1);
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) fail(location, `anchors are not supported, got "${reference}"`);
  let current: unknown = root;
  for (const encoded of pointer.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded).replaceAll('~1', '/').replaceAll('~0', '~');
    } catch (cause) {
      throw unsupportedSchema(
        `Unsupported JSON Schema at ${location}: bad "$ref" "${reference}"`,
        cause,
      );
    }
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) {
      fail(location, `"$ref" "${reference}" points at nothing`);
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Branches reached without consuming any of the value: `allOf` (incl. `$ref`), `anyOf`, `oneOf`, `not`. */
function inPlace(node: SchemaNode): SchemaNode[] {
  const next = [...node.allOf];
  if (node.anyOf !== undefined) next.push(...node.anyOf.branches);
  if (node.oneOf !== undefined) next.push(...node.oneOf.branches);
  if (node.not !== undefined) next.push(node.not);
  return next;
}

/**
 * `{ "$ref": "#" }` or `a → b → a` without descending into a property or item
 * would make validation loop forever; such schemas describe no value anyway.
 */
function rejectEmptyRecursion(nodes: readonly SchemaNode[]): void {
  const state = new Map<SchemaNode, 'active' | 'done'>();
  for (const start of nodes) {
    if (state.has(start)) continue;
    // Iterative depth-first search: each frame is a node and its remaining successors.
    const stack: { node: SchemaNode; next: SchemaNode[] }[] = [
      { node: start, next: inPlace(start) },
    ];
    state.set(start, 'active');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { node: SchemaNode; next: SchemaNode[] };
      const successor = frame.next.pop();
      if (successor === undefined) {
        state.set(frame.node, 'done');
        stack.pop();
        continue;
      }
      const seen = state.get(successor);
      if (seen === 'active') {
        fail(successor.location, 'a "$ref" cycle never descends into a property or item');
      }
      if (seen === undefined) {
        state.set(successor, 'active');
        stack.push({ node: successor, next: inPlace(successor) });
      }
    }
  }
}
