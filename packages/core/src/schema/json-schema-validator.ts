import { DEFAULT_MAX_DEPTH } from '../json/index.ts';
import type { ValidationMode } from './check-keywords.ts';
import { compileSchema } from './compile-schema.ts';
import type { JsonPath, JsonSchema } from './json-schema.ts';
import { runValidation } from './run-validation.ts';
import type { SchemaNode } from './schema-node.ts';
import type { ValidationIssue } from './validation.ts';

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
  /** Deepest nesting of arrays and objects checked; deeper values are an issue. Default 1000, like the parser. */
  readonly maxDepth?: number;
  /** Issues collected before stopping. Default 1000. */
  readonly maxIssues?: number;
}

const DEFAULT_MAX_ISSUES = 1000;

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
  return compileJsonSchemaNode(schema, options).validator;
}

/** {@link compileJsonSchema}, keeping the compiled graph for other questions about the schema. Internal. */
export function compileJsonSchemaNode(
  schema: JsonSchema,
  options: CompileJsonSchemaOptions = {},
): {
  readonly validator: JsonSchemaValidator;
  readonly root: SchemaNode;
  readonly maxDepth: number;
} {
  const root = compileSchema(schema);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxIssues = options.maxIssues ?? DEFAULT_MAX_ISSUES;
  const validator: JsonSchemaValidator = {
    validate: (value, mode, path, subject) =>
      runValidation(root, value, { mode, path, subject, maxDepth, maxIssues }),
  };
  return { validator, root, maxDepth };
}
