/**
 * A JSON Schema compiled for checking: keywords parsed once, `$ref`s resolved
 * to the nodes they point at (so recursive schemas are cyclic graphs), regexes
 * built, `$ref` merged into `allOf`. Internal to `schema/`.
 */
export interface SchemaNode {
  /** Where this schema sits in the document, as a JSON Pointer fragment (`#/properties/a`). */
  readonly location: string;
  /** `false` schema (or `items: false`, `additionalProperties: false`): nothing is allowed. */
  never: boolean;
  /** Allowed JSON types as {@link JsonTypeBit}s; `undefined` allows every type. */
  types: number | undefined;
  constant: { readonly value: unknown } | undefined;
  enumeration: readonly unknown[] | undefined;

  minimum: Bound | undefined;
  maximum: Bound | undefined;
  multipleOf: number | undefined;

  minLength: number | undefined;
  maxLength: number | undefined;
  pattern: RegExp | undefined;
  format: string | undefined;

  minItems: number | undefined;
  maxItems: number | undefined;
  prefixItems: readonly SchemaNode[];
  /** Schema for items after {@link prefixItems}; `undefined` allows anything. */
  items: SchemaNode | undefined;

  properties: ReadonlyMap<string, SchemaNode> | undefined;
  patternProperties: readonly PatternProperty[];
  /** Schema for keys matched by neither `properties` nor `patternProperties`; `undefined` allows anything. */
  additionalProperties: SchemaNode | undefined;
  /**
   * True when the schema says nothing of keys outside `properties`: no
   * `additionalProperties` and no `patternProperties` (JSON Schema then allows
   * them; zod and valibot objects strip them).
   */
  extraKeysUnspecified: boolean;
  required: readonly string[];
  minProperties: number | undefined;
  maxProperties: number | undefined;

  /** `allOf` members, plus the target of `$ref` (2020-12 applies `$ref` beside its siblings). */
  allOf: readonly SchemaNode[];
  anyOf: Alternatives | undefined;
  oneOf: Alternatives | undefined;
  not: SchemaNode | undefined;
}

export interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

export interface PatternProperty {
  readonly regex: RegExp;
  readonly node: SchemaNode;
}

/** The branches of an `anyOf` or `oneOf`. */
export interface Alternatives {
  readonly branches: readonly SchemaNode[];
  /**
   * Set when every branch is an object schema whose `property` is a distinct
   * string constant (a tagged union): the tag's value picks the branch.
   */
  discriminator: Discriminator | undefined;
}

export interface Discriminator {
  readonly property: string;
  /** Tag value → index in {@link Alternatives.branches}. */
  readonly tags: ReadonlyMap<string, number>;
}

export const TYPE_NULL = 1;
const TYPE_BOOLEAN = 2;
export const TYPE_INTEGER = 4;
export const TYPE_NUMBER = 8;
export const TYPE_STRING = 16;
export const TYPE_ARRAY = 32;
export const TYPE_OBJECT = 64;

export const TYPE_BITS: ReadonlyMap<string, number> = new Map([
  ['null', TYPE_NULL],
  ['boolean', TYPE_BOOLEAN],
  ['integer', TYPE_INTEGER],
  ['number', TYPE_NUMBER],
  ['string', TYPE_STRING],
  ['array', TYPE_ARRAY],
  ['object', TYPE_OBJECT],
]);

/** The JSON type of a value as one bit; `0` for values JSON cannot hold. */
export function jsonTypeBit(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return TYPE_STRING;
    case 'number':
      if (!Number.isFinite(value)) return 0;
      return Number.isInteger(value) ? TYPE_INTEGER | TYPE_NUMBER : TYPE_NUMBER;
    case 'boolean':
      return TYPE_BOOLEAN;
    case 'object':
      if (value === null) return TYPE_NULL;
      return Array.isArray(value) ? TYPE_ARRAY : TYPE_OBJECT;
    default:
      return 0;
  }
}

/** `a string`, `an integer or null`… for messages. */
export function describeTypes(types: number): string {
  const names: string[] = [];
  if (types & TYPE_OBJECT) names.push('an object');
  if (types & TYPE_ARRAY) names.push('an array');
  if (types & TYPE_STRING) names.push('a string');
  if (types & TYPE_NUMBER) names.push('a number');
  else if (types & TYPE_INTEGER) names.push('an integer');
  if (types & TYPE_BOOLEAN) names.push('a boolean');
  if (types & TYPE_NULL) names.push('null');
  if (names.length <= 1) return names[0] ?? 'nothing';
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
