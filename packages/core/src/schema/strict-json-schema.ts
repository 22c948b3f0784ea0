import { unsupportedSchema } from './compile-schema.ts';
import type { JsonSchema } from './json-schema.ts';

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
/** Dropped without loss: annotations and constraints strict mode does not take; the final validation enforces the latter. */
const DROPPABLE = new Set([
  '$schema',
  '$id',
  '$comment',
  'default',
  'examples',
  'readOnly',
  'writeOnly',
  'deprecated',
  'contentEncoding',
  'contentMediaType',
  'minLength',
  'maxLength',
]);

export interface StrictJsonSchemaOptions {
  /**
   * Keep constraints strict mode does not accept (`minLength`, `maxLength`,
   * formats outside its list) instead of dropping them: for a schema used to
   * check values rather than to send. Default `false`.
   */
  readonly keepConstraints?: boolean | undefined;
}

/** A schema in strict form, and how to read a value written under it. */
export interface StrictJsonSchema {
  /** The strict-mode schema to send. */
  readonly schema: JsonSchema;
  /**
   * Undoes the nullable encoding: removes `null` from properties that were
   * optional (and not nullable) in the original schema. Returns `value` itself
   * when nothing changes; never mutates it.
   */
  restore(value: unknown): unknown;
}

function isRecord(value: unknown): value is RawSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

class Converter {
  /** Properties that became nullable because they were optional, per object schema produced. */
  readonly optionalNulls = new WeakMap<object, ReadonlySet<string>>();
  readonly defs = new Map<string, RawSchema>();
  private readonly keepConstraints: boolean;

  constructor(options: StrictJsonSchemaOptions) {
    this.keepConstraints = options.keepConstraints === true;
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

  convert(schema: unknown, location: string, depth: number): MutableSchema {
    if (depth > 100) reject(location, 'the schema nests deeper than 100 levels');
    if (schema === true || (isRecord(schema) && Object.keys(schema).length === 0)) {
      reject(location, 'a value of any type ({} or true) has no strict-mode form');
    }
    if (!isRecord(schema)) reject(location, 'a subschema must be an object');
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
      } else if (DROPPABLE.has(keyword)) {
        if (this.keepConstraints && (keyword === 'minLength' || keyword === 'maxLength'))
          out[keyword] = value;
      } else if (keyword === 'oneOf' || keyword === 'anyOf') {
        // Strict mode takes anyOf only; a oneOf of disjoint branches (the usual
        // discriminated union) means the same, and the final validation is exact.
        if (!Array.isArray(value) || value.length === 0) reject(at, `${keyword} must list schemas`);
        const branches = value.map((branch, i) => this.convert(branch, pointer(at, i), depth + 1));
        out.anyOf = [...((out.anyOf as unknown[] | undefined) ?? []), ...branches];
      } else if (keyword === '$ref') {
        if (typeof value !== 'string' || !(value === '#' || value.startsWith('#/'))) {
          reject(at, 'only local $ref (#/$defs/…) is accepted');
        }
        out.$ref = value.startsWith('#/definitions/')
          ? `#/$defs/${value.slice('#/definitions/'.length)}`
          : value;
      } else if (keyword === '$defs' || keyword === 'definitions') {
        if (depth !== 0) reject(at, '$defs are accepted at the root only');
        if (!isRecord(value)) reject(at, `${keyword} must be an object`);
        for (const [name, def] of Object.entries(value)) {
          this.defs.set(name, this.convert(def, pointer(at, name), depth + 1));
        }
      } else if (STRUCTURE.has(keyword)) {
        // handled below with the object/array rules
      } else if (keyword === 'nullable') {
        if (value === true) out.__nullable = true;
      } else {
        reject(at, `the keyword "${keyword}" is not accepted`);
      }
    }

    if (schema.type !== undefined) {
      const types = typesOf(schema);
      if (types === undefined) reject(pointer(location, 'type'), 'type must be a name or a list');
      out.type = types.length === 1 ? types[0] : types;
    }
    if (schema.enum !== undefined) out.enum = schema.enum;
    if (schema.const !== undefined) out.const = schema.const;

    const types = typesOf(schema);
    const isObject = types?.includes('object') === true || schema.properties !== undefined;
    const isArray = types?.includes('array') === true || schema.items !== undefined;

    if (isObject) this.convertObject(schema, out, location, depth);
    if (isArray) {
      if (Array.isArray(schema.items) || schema.prefixItems !== undefined) {
        reject(location, 'tuples (prefixItems) are not accepted');
      }
      if (schema.items === undefined) reject(location, 'an array must say what its items are');
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
    const converted: MutableSchema = {};
    const nullable = new Set<string>();
    for (const [name, sub] of Object.entries(properties)) {
      let property = this.convert(sub, pointer(location, 'properties', name), depth + 1);
      if (!required.has(name) && !acceptsNull(property)) {
        property = this.nullable(property);
        nullable.add(name);
      }
      converted[name] = property;
    }
    out.type = out.type ?? 'object';
    out.properties = converted;
    const names = Object.keys(converted);
    // Keep the schema's own order when it already lists every property.
    out.required =
      required.size === names.length && names.every((name) => required.has(name))
        ? schema.required
        : names;
    out.additionalProperties = false;
    if (nullable.size > 0) this.optionalNulls.set(out, nullable);
  }
}

/**
 * The OpenAI strict-mode form of `schema`: every property required (optional
 * ones made nullable), `additionalProperties: false` on every object, `oneOf`
 * as `anyOf`, `definitions` as `$defs`, unsupported annotations and
 * constraints dropped (the final validation still enforces them), `$ref` and
 * recursion kept. Throws a `StructuredLLMError` (`bad_request`,
 * `unsupported_schema`) naming the place and the reason when the schema has
 * no strict form: a non-object root, records, tuples, `allOf`, `not`,
 * conditionals, `patternProperties`, values of any type.
 */
export function toStrictJsonSchema(
  schema: JsonSchema,
  options: StrictJsonSchemaOptions = {},
): StrictJsonSchema {
  if (!isRecord(schema)) reject('', 'the root must be an object schema');
  const rootTypes = typesOf(schema);
  if (!(rootTypes?.length === 1 && rootTypes[0] === 'object') && schema.$ref === undefined) {
    reject('', 'the root must be of type "object" (wrap other values in an object)');
  }
  const converter = new Converter(options);
  const root = converter.convert(schema, '', 0);
  if (converter.defs.size > 0) root.$defs = Object.fromEntries(converter.defs);
  const restorer = new Restorer(root, converter.optionalNulls);
  return {
    schema: root,
    restore: (value) => restorer.restore(value, root, 0),
  };
}

/** True when `schema` can be sent with `strict: true` exactly as it is. */
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

/** Walks a value alongside its strict schema, dropping the nulls that stand for absent optionals. */
class Restorer {
  private readonly root: RawSchema;
  private readonly optionalNulls: WeakMap<object, ReadonlySet<string>>;

  constructor(root: RawSchema, optionalNulls: WeakMap<object, ReadonlySet<string>>) {
    this.root = root;
    this.optionalNulls = optionalNulls;
  }

  restore(value: unknown, schema: RawSchema, depth: number): unknown {
    if (depth > 1000 || value === null || typeof value !== 'object') return value;
    const resolved = this.resolve(schema);
    if (resolved === undefined) return value;
    if (Array.isArray(resolved.anyOf)) {
      const branch = resolved.anyOf.find(
        (candidate): candidate is RawSchema => isRecord(candidate) && this.fits(value, candidate),
      );
      return branch === undefined ? value : this.restore(value, branch, depth + 1);
    }
    if (Array.isArray(value)) {
      if (!isRecord(resolved.items)) return value;
      const items = resolved.items;
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const restored = this.restore(item, items, depth + 1);
        if (restored !== item) {
          copy ??= value.slice();
          copy[i] = restored;
        }
      }
      return copy ?? value;
    }
    const properties = resolved.properties;
    if (!isRecord(properties)) return value;
    const record = value as Record<string, unknown>;
    const nullable = this.optionalNulls.get(resolved);
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === null && nullable?.has(key) === true) {
        copy ??= { ...record };
        delete copy[key];
        continue;
      }
      const sub = properties[key];
      if (!isRecord(sub)) continue;
      const restored = this.restore(item, sub, depth + 1);
      if (restored !== item) {
        copy ??= { ...record };
        copy[key] = restored;
      }
    }
    return copy ?? value;
  }

  private resolve(schema: RawSchema): RawSchema | undefined {
    let current: RawSchema = schema;
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (hops > 64) return undefined;
      const ref = current.$ref as string;
      if (ref === '#') current = this.root;
      else {
        const defs = this.root.$defs;
        const name = ref.slice('#/$defs/'.length);
        const target = isRecord(defs) ? defs[name] : undefined;
        if (!ref.startsWith('#/$defs/') || !isRecord(target)) return undefined;
        current = target;
      }
    }
    return current;
  }

  /** Could `value` be an instance of this branch? Objects must carry exactly its keys (strict mode lists them all). */
  private fits(value: object, branch: RawSchema): boolean {
    const resolved = this.resolve(branch);
    if (resolved === undefined) return false;
    if (Array.isArray(resolved.anyOf)) {
      return resolved.anyOf.some((b) => isRecord(b) && this.fits(value, b));
    }
    const types = typesOf(resolved);
    if (Array.isArray(value)) return types?.includes('array') === true;
    if (types !== undefined && !types.includes('object')) return false;
    const properties = resolved.properties;
    if (!isRecord(properties)) return types?.includes('object') === true;
    const keys = Object.keys(value);
    if (!keys.every((key) => Object.hasOwn(properties, key))) return false;
    // Discriminators: a const property must match.
    for (const key of keys) {
      const sub = properties[key];
      if (isRecord(sub) && sub.const !== undefined) {
        if ((value as Record<string, unknown>)[key] !== sub.const) return false;
      }
    }
    return true;
  }
}
