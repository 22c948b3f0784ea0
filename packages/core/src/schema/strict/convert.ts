import {
  ANNOTATIONS,
  CONSTRAINTS,
  DROPPED_CONSTRAINTS,
  REJECTED,
  STRICT_FORMATS,
  STRUCTURE,
} from './keywords.ts';
import {
  definitionName,
  isRecord,
  type MutableSchema,
  own,
  pointer,
  type RawSchema,
  reject,
  sameJson,
  typesOf,
} from './raw-schema.ts';

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

/** A definition name as a `$ref` to it. */
function definitionRef(name: string): string {
  return pointer('#/$defs', name);
}

/** The keywords of an inlined target that belong to the document, not to the value. */
export function bodyOf(target: RawSchema): RawSchema {
  const { $defs: _defs, definitions: _definitions, ...body } = target;
  return body;
}

function primitiveType(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value;
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  return undefined;
}

export class Converter {
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
