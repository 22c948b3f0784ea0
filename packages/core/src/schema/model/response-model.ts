import type { JsonPath, JsonSchema } from '../json-schema.ts';
import type { ValidationResult } from '../validation.ts';
import type { DeepPartial } from './deep-partial.ts';
import type { PartialChecker } from './partial-checker.ts';

export interface ValidatePartialOptions {
  /** Only the subtree at this path changed: check it (and the keys leading to it), not the whole document. */
  readonly path?: JsonPath | undefined;
  /** The subtree is complete: check it as a final value (required keys, minLength, pattern…). */
  readonly complete?: boolean | undefined;
  /**
   * The value at `path`, when the caller holds it and the document may not
   * (an array element already released from it): checked in its place. The
   * keys and indices leading to it are still checked against the document.
   * Models built by this library honour it; the engine passes it to a model's
   * {@link PartialChecker}, never to `validatePartial`.
   */
  readonly subject?: { readonly value: unknown } | undefined;
}

/**
 * What the engine needs to ask for, and check, one structured response. Build
 * one with `jsonSchema(schema)`, pass a Standard JSON Schema (zod ≥ 4.2…), or
 * implement it yourself.
 */
export interface ResponseModel<T> {
  /** Schema name sent to providers: `^[a-zA-Z0-9_-]{1,64}$`. */
  readonly name: string;
  readonly description?: string;
  /** JSON Schema sent to the provider. */
  readonly jsonSchema: JsonSchema;
  /** Checks a complete value. */
  validate(value: unknown): ValidationResult<T> | Promise<ValidationResult<T>>;
  /**
   * Could `value` (a partial document from the streaming parser) still become
   * valid? With `path`, only the subtree at `path` changed: that subtree is
   * checked (as a final value when `complete`), plus that the keys and indices
   * leading to it are allowed; the rest of the document is not read, so the
   * cost does not grow with the document. Required keys are enforced only on
   * complete values.
   */
  validatePartial(
    value: unknown,
    options?: ValidatePartialOptions,
  ): ValidationResult<DeepPartial<T>>;
  /**
   * Which keys of the object at `path` (keys and indices of the parsed
   * document) the parsed value keeps. A model whose final validation drops
   * undeclared keys (zod's and valibot's default objects strip them) returns a
   * filter here, so that partials never show a key the final value will not
   * have: a refused key's value is parsed but never enters the document.
   * Called once per object; `undefined` (or no method) keeps every key.
   */
  keyFilter?(path: JsonPath): ((key: string) => boolean) | undefined;
  /**
   * How partials are checked while they stream, when the model can do better
   * than `validatePartial`: checks that take a released array element as their
   * subject and reuse their arguments (nothing allocated per check), shortcuts
   * for parts whose own parts passed and for strings no prefix of which can
   * fail, keys refused as soon as their name is read, and a final check settled
   * piecewise. Models built by this library have one; without it the engine
   * checks partials through `validatePartial`. Both paths report the same issues.
   */
  readonly partialChecker?: PartialChecker | undefined;
}

const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function isValidSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

/** A provider-safe schema name from a free-form title (`User profile` → `User_profile`). */
export function schemaNameFromTitle(title: unknown): string | undefined {
  if (typeof title !== 'string') return undefined;
  const name = title
    .trim()
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .slice(0, 64);
  return /[a-zA-Z0-9]/.test(name) ? name : undefined;
}

/** True for objects shaped like a {@link ResponseModel} (name, JSON Schema, both validate methods). */
export function isResponseModel(value: unknown): value is ResponseModel<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof ResponseModel<unknown>, unknown>>;
  const schema = candidate.jsonSchema;
  return (
    typeof candidate.name === 'string' &&
    ((typeof schema === 'object' && schema !== null) || typeof schema === 'boolean') &&
    typeof candidate.validate === 'function' &&
    typeof candidate.validatePartial === 'function'
  );
}
