import { DEFAULT_MAX_DEPTH } from '../../json/index.ts';
import type { JsonSchema } from '../json-schema.ts';
import { unsupportedSchema } from '../validator/compile-schema.ts';

/**
 * OpenAI's strict structured-output mode (`strict: true`) accepts a subset of
 * JSON Schema: the root is an object; every object lists all its properties in
 * `required` and has `additionalProperties: false`; optional values are written
 * as nullable instead; only the keywords below may appear. This module turns a
 * schema into that form where it can, says exactly why where it cannot, and
 * undoes the nullable encoding on the values a model writes.
 */

type RawSchema = { readonly [keyword: string]: unknown };
type MutableSchema = { [keyword: string]: unknown };

/** Keywords strict mode accepts (structure, constraints, annotations). */
const STRUCTURE = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
]);
const CONSTRAINTS = new Set([
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);
const ANNOTATIONS = new Set(['description', 'title']);
/** String formats strict mode accepts; other `format`s are dropped (final validation still checks them). */
const STRICT_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);
/**
 * Constraints strict mode does not take but that only narrow an already
 * described value: dropped from what is sent (kept with `keepConstraints`); the
 * final validation still enforces them.
 */
const DROPPED_CONSTRAINTS = new Set([
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'unevaluatedProperties',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'unevaluatedItems',
]);
/**
 * Keywords that change which values a schema describes in ways strict mode
 * cannot express: a schema using them has no strict form.
 */
const REJECTED = new Map([
  ['allOf', 'intersections (allOf) are not accepted'],
  ['not', '"not" is not accepted'],
  ['if', 'conditionals (if/then/else) are not accepted'],
  ['then', 'conditionals (if/then/else) are not accepted'],
  ['else', 'conditionals (if/then/else) are not accepted'],
  ['dependentRequired', '"dependentRequired" is not accepted'],
  ['dependentSchemas', '"dependentSchemas" is not accepted'],
  ['dependencies', '"dependencies" is not accepted'],
  ['patternProperties', 'objects with pattern-named keys (patternProperties) are not accepted'],
  ['prefixItems', 'tuples (prefixItems) are not accepted'],
  ['additionalItems', 'tuples (additionalItems) are not accepted'],
  ['$dynamicRef', 'dynamic references ($dynamicRef) are not accepted'],
  ['$dynamicAnchor', 'dynamic references ($dynamicAnchor) are not accepted'],
  ['$recursiveRef', 'dynamic references ($recursiveRef) are not accepted'],
  ['$recursiveAnchor', 'dynamic references ($recursiveAnchor) are not accepted'],
  ['$anchor', 'anchors ($anchor) are not accepted; use $defs and #/$defs/… references'],
]);

/**
 * OpenAI's documented size limits for a strict schema. A schema over any of
 * them is rejected by the API, so it has no strict form here either.
 */
export const STRICT_SCHEMA_LIMITS = Object.freeze({
  /** Object properties in the whole schema. */
  maxProperties: 5000,
  /** Levels of object nesting (the root object is level 1; `$ref`s are followed, recursion is not). */
  maxObjectNesting: 10,
  /** `enum` values across the whole schema. */
  maxEnumValues: 1000,
  /** Characters in all property names, definition names, enum values and const values together. */
  maxStringLength: 120_000,
  /** For one `enum` of more than `largeEnumValues` string values: their total length. */
  maxLargeEnumLength: 15_000,
  largeEnumValues: 250,
});

export interface StrictJsonSchemaOptions {
  /**
   * For a schema used to check values rather than to send: keep constraints
   * strict mode does not accept (`minLength`, `maxLength`, formats outside its
   * list…) instead of dropping them, and leave objects without
   * `additionalProperties` open (extra keys are then not an error, as they are
   * not for the original), and keep the original `required` (an optional
   * property may be left out as well as written as `null`). Default `false`.
   */
  readonly keepConstraints?: boolean | undefined;
}

/** Options of {@link StrictJsonSchema.restore}. */
export interface StrictRestoreOptions {
  /**
   * Deepest nesting of arrays and objects read: containers deeper than this
   * are left as they are (a validator with the same `maxDepth` reports them).
   * Default 1000, like the parser and the validator.
   */
  readonly maxDepth?: number | undefined;
}

/** A schema in strict form, and how to read a value written under it. */
export interface StrictJsonSchema {
  /** The strict-mode schema to send (always an object schema). */
  readonly schema: { readonly [keyword: string]: unknown };
  /**
   * Undoes the nullable encoding: removes `null` from properties that were
   * optional (and not nullable) in the original schema. Returns `value` itself
   * when nothing changes; never mutates it. Does not recurse: values of any
   * depth up to `options.maxDepth` are read.
   */
  restore(value: unknown, options?: StrictRestoreOptions): unknown;
}

function isRecord(value: unknown): value is RawSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `record[key]` when the record has it as its own property: a property or
 * definition named `constructor` or `__proto__` must not find `Object.prototype`'s.
 */
function own(record: RawSchema, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function pointer(location: string, ...keys: (string | number)[]): string {
  let result = location;
  for (const key of keys) result += `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return result;
}

function reject(location: string, message: string): never {
  throw unsupportedSchema(
    `The schema cannot be sent in OpenAI strict mode: ${message} at ${location === '' ? '#' : `#${location}`}`,
  );
}

function typesOf(schema: RawSchema): string[] | undefined {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type) && type.every((t) => typeof t === 'string')) return type as string[];
  return undefined;
}

/** Does this (normalised) schema already accept `null`? */
function acceptsNull(schema: RawSchema): boolean {
  if (typesOf(schema)?.includes('null') === true) return true;
  if (schema.const === null) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  if (Array.isArray(schema.anyOf)) return schema.anyOf.some((s) => isRecord(s) && acceptsNull(s));
  return false;
}

/** The same schema, also accepting `null`. */
function withNull(schema: MutableSchema): MutableSchema {
  if (acceptsNull(schema)) return schema;
  const types = typesOf(schema);
  const simple =
    types !== undefined &&
    schema.$ref === undefined &&
    schema.anyOf === undefined &&
    schema.const === undefined;
  if (simple) {
    const nullable: MutableSchema = { ...schema, type: [...types, 'null'] };
    if (Array.isArray(schema.enum)) nullable.enum = [...schema.enum, null];
    return nullable;
  }
  const { description, title, ...rest } = schema;
  if (Array.isArray(rest.anyOf) && Object.keys(rest).length === 1) {
    return { ...schema, anyOf: [...rest.anyOf, { type: 'null' }] };
  }
  return {
    anyOf: [rest, { type: 'null' }],
    ...(description === undefined ? {} : { description }),
    ...(title === undefined ? {} : { title }),
  };
}

/** Decodes one JSON Pointer segment. */
function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** `#/$defs/name` or `#/definitions/name` → the definition's name; `undefined` for anything else. */
function definitionName(ref: string): string | undefined {
  for (const prefix of ['#/$defs/', '#/definitions/']) {
    if (ref.startsWith(prefix)) {
      const segment = ref.slice(prefix.length);
      return segment === '' || segment.includes('/') ? undefined : unescapePointer(segment);
    }
  }
  return undefined;
}

/** A definition name as a `$ref` to it. */
function definitionRef(name: string): string {
  return pointer('#/$defs', name);
}

/** The keywords of an inlined target that belong to the document, not to the value. */
function bodyOf(target: RawSchema): RawSchema {
  const { $defs: _defs, definitions: _definitions, ...body } = target;
  return body;
}

function primitiveType(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value;
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  return undefined;
}

class Converter {
  /** Properties that became nullable because they were optional, per object schema produced. */
  readonly optionalNulls = new WeakMap<object, ReadonlySet<string>>();
  /** The original definitions by name (`$defs` first, then `definitions`). */
  readonly sourceDefs = new Map<string, { readonly schema: unknown; readonly location: string }>();
  private readonly root: RawSchema;
  private readonly keepConstraints: boolean;
  /** References being inlined right now (a `$ref` with siblings), to stop at recursion. */
  private readonly inlining = new Set<string>();

  constructor(root: RawSchema, options: StrictJsonSchemaOptions) {
    this.root = root;
    this.keepConstraints = options.keepConstraints === true;
    for (const keyword of ['$defs', 'definitions']) {
      const defs = root[keyword];
      if (defs === undefined) continue;
      if (!isRecord(defs)) reject(pointer('', keyword), `${keyword} must be an object`);
      for (const [name, def] of Object.entries(defs)) {
        if (!this.sourceDefs.has(name)) {
          this.sourceDefs.set(name, { schema: def, location: pointer('', keyword, name) });
        }
      }
    }
  }

  /** {@link withNull}, keeping the record of optional properties on whichever copy now holds them. */
  nullable(schema: MutableSchema): MutableSchema {
    const result = withNull(schema);
    const nulls = this.optionalNulls.get(schema);
    if (nulls !== undefined && result !== schema) {
      this.optionalNulls.set(result, nulls);
      const first = Array.isArray(result.anyOf) ? result.anyOf[0] : undefined;
      if (isRecord(first)) this.optionalNulls.set(first, nulls);
    }
    return result;
  }

  /** A `$ref` as strict mode takes it (`#` or `#/$defs/name`), checked to point somewhere. */
  reference(value: unknown, at: string): string {
    if (value === '#') return '#';
    const name = typeof value === 'string' ? definitionName(value) : undefined;
    if (name === undefined) {
      reject(at, 'only references to the root ("#") or to a definition ("#/$defs/…") are accepted');
    }
    if (!this.sourceDefs.has(name)) reject(at, `the reference ${String(value)} has no definition`);
    return definitionRef(name);
  }

  /** The original schema a (normalised) reference points to. */
  target(ref: string): RawSchema {
    if (ref === '#') return this.root;
    const name = definitionName(ref) as string;
    const def = this.sourceDefs.get(name)?.schema;
    if (!isRecord(def)) {
      reject(this.sourceDefs.get(name)?.location ?? '', 'a definition must be a schema object');
    }
    return def;
  }

  /** Would this keyword survive into the strict form? */
  private kept(keyword: string, value: unknown): boolean {
    if (ANNOTATIONS.has(keyword)) return typeof value === 'string';
    if (keyword === 'format') {
      return typeof value === 'string' && (STRICT_FORMATS.has(value) || this.keepConstraints);
    }
    if (DROPPED_CONSTRAINTS.has(keyword)) return this.keepConstraints;
    return (
      CONSTRAINTS.has(keyword) ||
      STRUCTURE.has(keyword) ||
      REJECTED.has(keyword) ||
      keyword === 'oneOf' ||
      keyword === 'definitions'
    );
  }

  /**
   * Strict mode takes a `$ref` only on its own. With siblings (a description on
   * a reference, say) the target is inlined once with the siblings over it; at
   * recursion the annotations are dropped and the bare reference kept.
   */
  private referenceWithSiblings(
    schema: RawSchema,
    location: string,
    depth: number,
  ): MutableSchema | undefined {
    const ref = this.reference(schema.$ref, pointer(location, '$ref'));
    const siblings = Object.keys(schema).filter(
      (keyword) => keyword !== '$ref' && this.kept(keyword, schema[keyword]),
    );
    if (siblings.length === 0) return undefined;
    if (this.inlining.has(ref) || ref === '#') {
      const structural = siblings.filter((keyword) => !ANNOTATIONS.has(keyword));
      if (structural.length > 0) {
        reject(
          pointer(location, structural[0] as string),
          'a recursive $ref cannot carry sibling keywords (strict mode takes $ref only on its own)',
        );
      }
      const bare: MutableSchema = { $ref: ref };
      return schema.nullable === true ? this.nullable(bare) : bare;
    }
    const body = bodyOf(this.target(ref));
    const { $ref: _, ...rest } = schema;
    for (const keyword of Object.keys(rest)) {
      if (
        !ANNOTATIONS.has(keyword) &&
        own(body, keyword) !== undefined &&
        !sameJson(body[keyword], rest[keyword])
      ) {
        reject(
          pointer(location, keyword),
          `"${keyword}" next to a $ref conflicts with the referenced schema's own "${keyword}"`,
        );
      }
    }
    this.inlining.add(ref);
    try {
      return this.convert({ ...body, ...rest }, location, depth + 1);
    } finally {
      this.inlining.delete(ref);
    }
  }

  convert(schema: unknown, location: string, depth: number): MutableSchema {
    if (depth > 100) reject(location, 'the schema nests deeper than 100 levels');
    if (schema === true || (isRecord(schema) && Object.keys(schema).length === 0)) {
      reject(location, 'a value of any type ({} or true) has no strict-mode form');
    }
    if (!isRecord(schema)) reject(location, 'a subschema must be an object');
    if (schema.$ref !== undefined) {
      const inlined = this.referenceWithSiblings(schema, location, depth);
      if (inlined !== undefined) return inlined;
    }
    const out: MutableSchema = {};
    for (const [keyword, value] of Object.entries(schema)) {
      const at = pointer(location, keyword);
      if (ANNOTATIONS.has(keyword)) {
        if (typeof value === 'string') out[keyword] = value;
      } else if (keyword === 'format') {
        if (typeof value === 'string' && (STRICT_FORMATS.has(value) || this.keepConstraints))
          out.format = value;
      } else if (CONSTRAINTS.has(keyword)) {
        if (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') {
          if (typeof value !== 'number')
            reject(at, 'boolean exclusive bounds (OpenAPI 3.0 / draft-04) are not accepted');
        }
        out[keyword] = value;
      } else if (DROPPED_CONSTRAINTS.has(keyword)) {
        if (this.keepConstraints) out[keyword] = value;
      } else if (REJECTED.has(keyword)) {
        reject(at, `the keyword "${keyword}" is not accepted: ${REJECTED.get(keyword)}`);
      } else if (keyword === 'oneOf' || keyword === 'anyOf') {
        // Strict mode takes anyOf only; a oneOf of disjoint branches (the usual
        // discriminated union) means the same, and the final validation is exact.
        if (!Array.isArray(value) || value.length === 0) reject(at, `${keyword} must list schemas`);
        const branches = value.map((branch, i) => this.convert(branch, pointer(at, i), depth + 1));
        out.anyOf = [...((out.anyOf as unknown[] | undefined) ?? []), ...branches];
      } else if (keyword === '$ref') {
        out.$ref = this.reference(value, at);
      } else if (keyword === '$defs' || keyword === 'definitions') {
        // Read once for the whole document (see the constructor); only the root may hold them.
        if (depth !== 0) reject(at, `${keyword} are accepted at the root only`);
      } else if (keyword === 'nullable') {
        if (value === true) out.__nullable = true;
      }
      // Anything else is an annotation (default, examples, $comment, x-…): not sent.
    }

    if (schema.type !== undefined) {
      const types = typesOf(schema);
      if (types === undefined || types.length === 0) {
        reject(pointer(location, 'type'), 'type must be a name or a list');
      }
      out.type = types.length === 1 ? types[0] : types;
    }
    if (schema.enum !== undefined) {
      if (!Array.isArray(schema.enum) || schema.enum.length === 0) {
        reject(pointer(location, 'enum'), 'enum must list at least one value');
      }
      out.enum = schema.enum;
    }
    if (schema.const !== undefined) out.const = schema.const;
    if (out.type === undefined && out.anyOf === undefined && out.$ref === undefined) {
      // Strict mode wants a type next to enum/const; it follows from the values.
      const values: unknown[] | undefined =
        out.const !== undefined ? [out.const] : (out.enum as unknown[] | undefined);
      const types = values?.map(primitiveType);
      if (types?.every((type) => type !== undefined) === true) {
        const distinct = [...new Set(types)];
        out.type = distinct.length === 1 ? distinct[0] : distinct;
      }
    }

    const types = typesOf(schema);
    const isObject = types?.includes('object') === true || schema.properties !== undefined;
    const isArray = types?.includes('array') === true || schema.items !== undefined;

    if (isObject) this.convertObject(schema, out, location, depth);
    if (isArray) {
      if (Array.isArray(schema.items)) {
        reject(pointer(location, 'items'), 'tuples (a list of item schemas) are not accepted');
      }
      if (schema.items === undefined) reject(location, 'an array must say what its items are');
      out.type = out.type ?? 'array';
      out.items = this.convert(schema.items, pointer(location, 'items'), depth + 1);
    }
    if (
      out.type === undefined &&
      out.enum === undefined &&
      out.const === undefined &&
      out.anyOf === undefined &&
      out.$ref === undefined
    ) {
      reject(
        location,
        'the schema says nothing about the value (no type, enum, const, anyOf or $ref)',
      );
    }
    if (out.__nullable === true) {
      delete out.__nullable;
      return this.nullable(out);
    }
    return out;
  }

  private convertObject(
    schema: RawSchema,
    out: MutableSchema,
    location: string,
    depth: number,
  ): void {
    const additional = schema.additionalProperties;
    if (additional !== undefined && additional !== false) {
      reject(
        pointer(location, 'additionalProperties'),
        'objects with free-form keys (records, maps) are not accepted',
      );
    }
    const properties = schema.properties ?? {};
    if (!isRecord(properties)) reject(pointer(location, 'properties'), 'must be an object');
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    // Built from entries: `Object.fromEntries` defines each name as an own property, where
    // an assignment to `__proto__` would set the prototype and lose the property.
    const converted: [string, MutableSchema][] = [];
    const nullable = new Set<string>();
    for (const [name, sub] of Object.entries(properties)) {
      let property = this.convert(sub, pointer(location, 'properties', name), depth + 1);
      if (!required.has(name) && !acceptsNull(property)) {
        property = this.nullable(property);
        nullable.add(name);
      }
      converted.push([name, property]);
    }
    out.type = out.type ?? 'object';
    out.properties = Object.fromEntries(converted);
    const names = converted.map(([name]) => name);
    if (this.keepConstraints) {
      // For checking values: a complete object needs what the original requires. An
      // optional property the model leaves out (it may, outside strict output) is valid.
      if (schema.required !== undefined) out.required = schema.required;
    } else {
      // Keep the schema's own order when it already lists every property.
      out.required =
        required.size === names.length && names.every((name) => required.has(name))
          ? schema.required
          : names;
    }
    // For checking values, an object stays as open as the original says: the model is
    // only held to what the final validation would hold it to.
    if (!(this.keepConstraints && additional === undefined)) out.additionalProperties = false;
    if (nullable.size > 0) this.optionalNulls.set(out, nullable);
  }
}

/** Every `$ref` in a converted schema (not following them). */
function referencesIn(schema: unknown, found: Set<string>): void {
  if (Array.isArray(schema)) {
    for (const item of schema) referencesIn(item, found);
    return;
  }
  if (!isRecord(schema)) return;
  if (typeof schema.$ref === 'string') found.add(schema.$ref);
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword !== 'enum' && keyword !== 'const') referencesIn(value, found);
  }
}

/** Rejects a strict schema over one of OpenAI's documented size limits ({@link STRICT_SCHEMA_LIMITS}). */
function checkLimits(root: RawSchema): void {
  const limits = STRICT_SCHEMA_LIMITS;
  const defs = isRecord(root.$defs) ? root.$defs : {};
  let properties = 0;
  let enumValues = 0;
  let characters = 0;
  for (const name of Object.keys(defs)) characters += name.length;

  const count = (node: unknown, location: string): void => {
    if (!isRecord(node)) return;
    if (isRecord(node.properties)) {
      for (const [name, sub] of Object.entries(node.properties)) {
        properties++;
        characters += name.length;
        count(sub, pointer(location, 'properties', name));
      }
    }
    if (Array.isArray(node.enum)) {
      enumValues += node.enum.length;
      let strings = 0;
      let length = 0;
      for (const value of node.enum) {
        if (typeof value === 'string') {
          strings++;
          length += value.length;
        }
      }
      characters += length;
      if (strings > limits.largeEnumValues && length > limits.maxLargeEnumLength) {
        reject(
          pointer(location, 'enum'),
          `an enum of ${strings} strings totalling ${length} characters exceeds the limit (${limits.maxLargeEnumLength} characters once there are more than ${limits.largeEnumValues} values)`,
        );
      }
    }
    if (typeof node.const === 'string') characters += node.const.length;
    count(node.items, pointer(location, 'items'));
    if (Array.isArray(node.anyOf)) {
      node.anyOf.forEach((branch, i) => {
        count(branch, pointer(location, 'anyOf', i));
      });
    }
  };
  count(root, '');
  for (const [name, def] of Object.entries(defs)) count(def, pointer('', '$defs', name));

  if (properties > limits.maxProperties) {
    reject('', `${properties} object properties exceed the limit of ${limits.maxProperties}`);
  }
  if (enumValues > limits.maxEnumValues) {
    reject('', `${enumValues} enum values exceed the limit of ${limits.maxEnumValues}`);
  }
  if (characters > limits.maxStringLength) {
    reject(
      '',
      `property names, definition names, enum and const values total ${characters} characters, over the limit of ${limits.maxStringLength}`,
    );
  }

  // Object nesting, following references once (recursion adds nothing).
  const active = new Set<string>();
  const nesting = (node: unknown, location: string): { depth: number; location: string } => {
    if (!isRecord(node)) return { depth: 0, location };
    if (typeof node.$ref === 'string') {
      const ref = node.$ref;
      if (active.has(ref)) return { depth: 0, location };
      const name = ref === '#' ? undefined : definitionName(ref);
      const target = ref === '#' ? root : name === undefined ? undefined : own(defs, name);
      active.add(ref);
      const inner = nesting(target, ref === '#' ? '' : pointer('', '$defs', name as string));
      active.delete(ref);
      return inner;
    }
    let deepest = { depth: 0, location };
    const consider = (sub: unknown, at: string) => {
      const found = nesting(sub, at);
      if (found.depth > deepest.depth) deepest = found;
    };
    if (isRecord(node.properties)) {
      for (const [name, sub] of Object.entries(node.properties)) {
        consider(sub, pointer(location, 'properties', name));
      }
    }
    consider(node.items, pointer(location, 'items'));
    if (Array.isArray(node.anyOf)) {
      node.anyOf.forEach((branch, i) => {
        consider(branch, pointer(location, 'anyOf', i));
      });
    }
    const isObject = isRecord(node.properties);
    return isObject ? { depth: deepest.depth + 1, location: deepest.location } : deepest;
  };
  active.add('#');
  const deepest = nesting(root, '');
  if (deepest.depth > limits.maxObjectNesting) {
    reject(
      deepest.location,
      `objects nest ${deepest.depth} levels deep, over the limit of ${limits.maxObjectNesting}`,
    );
  }
}

/**
 * The OpenAI strict-mode form of `schema`: every property required (optional
 * ones made nullable), `additionalProperties: false` on every object, `oneOf`
 * as `anyOf`, `definitions` as `$defs`, a `$ref` with siblings (or at the root)
 * inlined, a `type` added next to a bare `enum`/`const`, unused definitions
 * removed, annotations and constraints strict mode does not take dropped (the
 * final validation still enforces the constraints), `$ref` and recursion kept.
 *
 * Throws a `StructuredLLMError` (`bad_request`, `unsupported_schema`) naming
 * the place and the reason when the schema has no strict form: a root that is
 * not an object, records, tuples, `allOf`, `not`, conditionals,
 * `patternProperties`, values of any type, references other than `#` and
 * `#/$defs/…`, or a schema over OpenAI's size limits ({@link STRICT_SCHEMA_LIMITS}).
 */
export function toStrictJsonSchema(
  schema: JsonSchema,
  options: StrictJsonSchemaOptions = {},
): StrictJsonSchema {
  if (!isRecord(schema)) reject('', 'the root must be an object schema');
  let rootSchema: RawSchema = schema;
  if (schema.$ref !== undefined) {
    // Strict mode wants the root to be the object itself, not a reference to it.
    const lookup = new Converter(schema, options);
    const ref = lookup.reference(schema.$ref, '/$ref');
    if (ref === '#') reject('/$ref', 'the root refers to itself');
    const { $ref: _, ...rest } = schema;
    rootSchema = { ...bodyOf(lookup.target(ref)), ...rest };
  }
  if (rootSchema.anyOf !== undefined || rootSchema.oneOf !== undefined) {
    reject('', 'the root must be an object, not a union (anyOf/oneOf): wrap it in an object');
  }
  const rootTypes = typesOf(rootSchema);
  if (!(rootTypes?.length === 1 && rootTypes[0] === 'object')) {
    reject('', 'the root must be of type "object" (wrap other values in an object)');
  }
  const converter = new Converter(rootSchema, options);
  const root = converter.convert(rootSchema, '', 0);
  // Convert the definitions the schema refers to (directly or through each other);
  // unused ones are left out. They keep their original order.
  const converted = new Map<string, MutableSchema>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const found = new Set<string>();
    referencesIn(pending.pop(), found);
    for (const ref of found) {
      const name = definitionName(ref);
      const def = name === undefined ? undefined : converter.sourceDefs.get(name);
      if (name === undefined || def === undefined || converted.has(name)) continue;
      const schemaOut = converter.convert(def.schema, def.location, 1);
      converted.set(name, schemaOut);
      pending.push(schemaOut);
    }
  }
  const defs = [...converter.sourceDefs.keys()].flatMap((name) => {
    const def = converted.get(name);
    return def === undefined ? [] : [[name, def] as const];
  });
  if (defs.length > 0) root.$defs = Object.fromEntries(defs);
  checkLimits(root);
  const restorer = new Restorer(root, converter.optionalNulls);
  return {
    schema: root,
    restore: (value, restoreOptions = {}) =>
      restorer.restore(value, root, restoreOptions.maxDepth ?? DEFAULT_MAX_DEPTH),
  };
}

/**
 * True when `schema` can be sent with `strict: true` exactly as it is: it is
 * already in the form {@link toStrictJsonSchema} produces (so it uses only
 * what strict mode accepts, within its size limits).
 */
export function isStrictCompatible(schema: JsonSchema): boolean {
  let strict: StrictJsonSchema;
  try {
    strict = toStrictJsonSchema(schema);
  } catch {
    return false;
  }
  return sameJson(strict.schema, schema);
}

function sameJson(a: unknown, b: unknown): boolean {
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

/** An object or array being restored: its children are visited one by one, then it is settled. */
interface RestoreFrame {
  readonly source: Record<string, unknown> | unknown[];
  /** The keys visited: an object's own keys, or undefined for an array (its indices). */
  readonly keys: readonly string[] | undefined;
  /** An array's item schema, or an object's properties. */
  readonly items: RawSchema | undefined;
  readonly properties: RawSchema | undefined;
  /** Properties whose `null` stands for an absent optional. */
  readonly nullable: ReadonlySet<string> | undefined;
  /** Where this container sits in its parent's copy. */
  readonly key: string | number;
  next: number;
  /** The changed copy, made on the first change. */
  copy: Record<string, unknown> | unknown[] | undefined;
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(target: Record<string, unknown> | unknown[], key: string | number, value: unknown) {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Walks a value alongside its strict schema, dropping the nulls that stand for
 * absent optionals. Keeps its own stack: the depth of the value is bounded by
 * `maxDepth` only, not by the call stack.
 */
class Restorer {
  private readonly root: RawSchema;
  private readonly optionalNulls: WeakMap<object, ReadonlySet<string>>;

  constructor(root: RawSchema, optionalNulls: WeakMap<object, ReadonlySet<string>>) {
    this.root = root;
    this.optionalNulls = optionalNulls;
  }

  restore(value: unknown, schema: RawSchema, maxDepth: number): unknown {
    const first = this.open(value, schema, 0, maxDepth, '');
    if (first === undefined) return value;
    const stack: RestoreFrame[] = [first];
    for (;;) {
      const frame = stack[stack.length - 1] as RestoreFrame;
      const { source, keys } = frame;
      if (frame.next < (keys ?? (source as unknown[])).length) {
        const key: string | number = keys === undefined ? frame.next : (keys[frame.next] as string);
        frame.next++;
        const item = (source as Record<string | number, unknown>)[key];
        if (item === null && typeof key === 'string' && frame.nullable?.has(key) === true) {
          frame.copy ??= { ...source };
          delete (frame.copy as Record<string, unknown>)[key];
          continue;
        }
        const sub = typeof key === 'number' ? frame.items : own(frame.properties as RawSchema, key);
        if (!isRecord(sub)) continue;
        const child = this.open(item, sub, stack.length, maxDepth, key);
        if (child !== undefined) stack.push(child);
        continue;
      }
      stack.pop();
      const restored = frame.copy ?? source;
      const parent = stack[stack.length - 1];
      if (parent === undefined) return restored;
      if (restored !== source) {
        parent.copy ??= Array.isArray(parent.source) ? parent.source.slice() : { ...parent.source };
        setOwn(parent.copy, frame.key, restored);
      }
    }
  }

  /**
   * The frame that restores the container `value` at `depth` under `schema`;
   * undefined when nothing in it can change (not a container, too deep, a
   * schema that lists nothing to restore, or no union branch it fits).
   */
  private open(
    value: unknown,
    schema: RawSchema,
    depth: number,
    maxDepth: number,
    key: string | number,
  ): RestoreFrame | undefined {
    if (value === null || typeof value !== 'object' || !(depth < maxDepth)) return undefined;
    const resolved = this.settle(value, schema);
    if (resolved === undefined) return undefined;
    if (Array.isArray(value)) {
      if (!isRecord(resolved.items)) return undefined;
      return {
        source: value,
        keys: undefined,
        items: resolved.items,
        properties: undefined,
        nullable: undefined,
        key,
        next: 0,
        copy: undefined,
      };
    }
    if (!isRecord(resolved.properties)) return undefined;
    const record = value as Record<string, unknown>;
    return {
      source: record,
      keys: Object.keys(record),
      items: undefined,
      properties: resolved.properties,
      nullable: this.optionalNulls.get(resolved),
      key,
      next: 0,
      copy: undefined,
    };
  }

  /** The schema `value` is read under: references followed, the union branch it fits chosen. */
  private settle(value: object, schema: RawSchema): RawSchema | undefined {
    let current = this.resolve(schema);
    for (let hops = 0; current !== undefined && Array.isArray(current.anyOf); hops++) {
      if (hops > 64) return undefined;
      const branch = current.anyOf.find(
        (candidate): candidate is RawSchema => isRecord(candidate) && this.fits(value, candidate),
      );
      if (branch === undefined) return undefined;
      current = this.resolve(branch);
    }
    return current;
  }

  private resolve(schema: RawSchema): RawSchema | undefined {
    let current: RawSchema = schema;
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (hops > 64) return undefined;
      const ref = current.$ref as string;
      if (ref === '#') current = this.root;
      else {
        const defs = this.root.$defs;
        const name = definitionName(ref);
        const target = isRecord(defs) && name !== undefined ? own(defs, name) : undefined;
        if (!isRecord(target)) return undefined;
        current = target;
      }
    }
    return current;
  }

  /** Could `value` be an instance of this branch? Objects must carry exactly its keys (strict mode lists them all). */
  private fits(value: object, branch: RawSchema, hops = 0): boolean {
    const resolved = this.resolve(branch);
    if (resolved === undefined || hops > 64) return false;
    if (Array.isArray(resolved.anyOf)) {
      return resolved.anyOf.some((b) => isRecord(b) && this.fits(value, b, hops + 1));
    }
    const types = typesOf(resolved);
    if (Array.isArray(value)) return types?.includes('array') === true;
    if (types !== undefined && !types.includes('object')) return false;
    const properties = resolved.properties;
    if (!isRecord(properties)) return types?.includes('object') === true;
    const keys = Object.keys(value);
    if (!keys.every((key) => Object.hasOwn(properties, key))) return false;
    // Discriminators: a const or enum property must match.
    for (const key of keys) {
      const sub = own(properties, key);
      const item = (value as Record<string, unknown>)[key];
      if (!isRecord(sub) || (item !== null && typeof item === 'object')) continue;
      if (sub.const !== undefined && item !== sub.const) return false;
      if (Array.isArray(sub.enum) && !sub.enum.includes(item)) return false;
    }
    return true;
  }
}
