import { DEFAULT_MAX_DEPTH } from '../../json/index.ts';
import { DEFAULT_MAX_ISSUES } from '../constants.ts';
import type { JsonPath, JsonSchema } from '../json-schema.ts';
import type { ValidationIssue } from '../validation.ts';
import type { ValidationMode } from './check-keywords.ts';
import { compileSchema } from './compile-schema.ts';
import { runValidation } from './run-validation.ts';
import type { SchemaNode } from './schema-node.ts';

export type { ValidationMode };

export interface JsonSchemaValidator {
  /**
   * Issues of `value` against the schema; empty when it matches.
   *
   * Without `path`, checks the whole value. With `path`, `value` is the whole
   * document but only the subtree at `path` is checked (in `mode`); along the
   * way, each container must have the right type, each key must be allowed and
   * each index below `maxItems`. Nothing else in the document is read, so the
   * cost follows the subtree and the path, not the document.
   */
  validate(
    value: unknown,
    mode: ValidationMode,
    path?: JsonPath,
    subject?: { readonly value: unknown },
  ): readonly ValidationIssue[];
}

export interface CompileJsonSchemaOptions {
  /**
   * Deepest nesting of arrays and objects checked; deeper values are an issue
   * (`value nested deeper than the validator's maxDepth (…)`). Default 1000,
   * like the parser; raise it with the parser's when you accept deeper JSON.
   * `Infinity` is safe: validation does not recurse.
   */
  readonly maxDepth?: number | undefined;
  /** Issues collected before stopping. Default 1000. */
  readonly maxIssues?: number;
}

/**
 * Compiles `schema` once (resolving local `$ref`s, building regexes, finding
 * tagged unions) into a validator for final and partial values. See
 * {@link JsonSchema} for the keywords it checks. Throws a `StructuredLLMError`
 * (`bad_request`, code `unsupported_schema`) for a schema it cannot check.
 *
 * Validation never recurses on the value: it keeps its own stack, so values
 * of any depth up to `maxDepth` are checked, and deeper ones are an issue.
 */
export function compileJsonSchema(
  schema: JsonSchema,
  options: CompileJsonSchemaOptions = {},
): JsonSchemaValidator {
  return validatorOf(compileSchema(schema), options).validator;
}

/** A compiled schema, its validator and the validator's depth limit. Internal. */
export interface CompiledJsonSchema {
  readonly validator: JsonSchemaValidator;
  readonly root: SchemaNode;
  readonly maxDepth: number;
}

/** `maxDepth` as given, or the default; throws a `RangeError` for anything but a non-negative number. */
export function validatorMaxDepth(maxDepth: number | undefined): number {
  const depth = maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!(typeof depth === 'number' && depth >= 0)) {
    throw new RangeError(`maxDepth must be a non-negative number, got ${String(depth)}`);
  }
  return depth;
}

/** A validator for an already compiled schema (the graph is shared, never changed). Internal. */
export function validatorOf(
  root: SchemaNode,
  options: CompileJsonSchemaOptions = {},
): CompiledJsonSchema {
  const maxDepth = validatorMaxDepth(options.maxDepth);
  const maxIssues = options.maxIssues ?? DEFAULT_MAX_ISSUES;
  const validator: JsonSchemaValidator = {
    validate: (value, mode, path, subject) =>
      runValidation(root, value, { mode, path, subject, maxDepth, maxIssues }),
  };
  return { validator, root, maxDepth };
}
