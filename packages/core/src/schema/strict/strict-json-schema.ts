/**
 * OpenAI's strict structured-output mode (`strict: true`) accepts a subset of
 * JSON Schema: the root is an object; every object lists all its properties in
 * `required` and has `additionalProperties: false`; optional values are written
 * as nullable instead; only some keywords may appear. `strict/` turns a schema
 * into that form where it can, says exactly why where it cannot (convert.ts,
 * limits.ts), and undoes the nullable encoding on the values a model writes
 * (restore.ts).
 */

import { DEFAULT_MAX_DEPTH } from '../../json/index.ts';
import type { JsonSchema } from '../json-schema.ts';
import { bodyOf, Converter, type StrictJsonSchemaOptions } from './convert.ts';
import { checkLimits } from './limits.ts';
import {
  definitionName,
  isRecord,
  type MutableSchema,
  type RawSchema,
  reject,
  sameJson,
  typesOf,
} from './raw-schema.ts';
import { Restorer } from './restore.ts';

export type { StrictJsonSchemaOptions } from './convert.ts';
export { STRICT_SCHEMA_LIMITS } from './limits.ts';

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
