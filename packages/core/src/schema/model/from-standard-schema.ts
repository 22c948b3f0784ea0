import { errorText, isPromiseLike } from '../../values.ts';
import type { JsonSchema } from '../json-schema.ts';
import type {
  StandardIssue,
  StandardJSONSchemaV1Props,
  StandardResult,
  StandardSchemaV1,
} from '../standard-schema.ts';
import type { ValidationIssue, ValidationResult } from '../validation.ts';
import { unsupportedSchema } from '../validator/compile-schema.ts';
import {
  jsonSchema,
  type ResponseModelOptions,
  type StrictOption,
  strictFormAvailable,
} from './json-schema-model.ts';
import type { ResponseModel } from './response-model.ts';

/** Options of {@link fromStandardSchema}. */
export interface FromStandardSchemaOptions extends ResponseModelOptions {
  /**
   * The JSON Schema of what the model must write: the schema's *input* side
   * (before defaults and transforms). Default: asked of the schema itself
   * through Standard JSON Schema (`~standard.jsonSchema.input`, draft
   * 2020-12, else draft-07); required for a library that does not implement it.
   */
  readonly jsonSchema?: JsonSchema | undefined;
  /**
   * Send the JSON Schema in OpenAI strict-mode form. Default `'auto'` (strict
   * form when it has one) once `@structllm/core/strict` is loaded, `false`
   * (as written) otherwise; `true` or `'auto'` without it throw a
   * `bad_request` error.
   */
  readonly strict?: StrictOption | undefined;
  /**
   * Keys an object's JSON Schema does not list (see `jsonSchema`'s option):
   * `'drop'` when the library strips them from the final value, so that
   * partials never show them. Default `'drop'` for zod, `'keep'` otherwise.
   */
  readonly undeclaredKeys?: 'keep' | 'drop' | undefined;
  /** Deepest nesting the built-in validator checks partials to (default 1000). */
  readonly maxDepth?: number | undefined;
}

/**
 * A {@link ResponseModel} from any Standard Schema (https://standardschema.dev:
 * zod, valibot, arktype, effect…): the model is asked for its JSON Schema,
 * partial values are checked against that JSON Schema by the built-in
 * validator as they stream, and the final value goes through the library
 * itself (its refinements, defaults and transforms apply; the result is the
 * library's output). With `@structllm/core/strict` loaded, the JSON Schema is
 * sent in strict form when it has one, and the nulls standing for absent
 * optional fields are removed before the library sees the value.
 *
 * ```ts
 * const model = fromStandardSchema(schema, { jsonSchema: schemaAsJsonSchema, name: 'person' });
 * ```
 *
 * Throws a `StructuredLLMError` (`bad_request`, `unsupported_schema`) when no
 * JSON Schema is given and the schema cannot describe itself as one, and what
 * `jsonSchema` throws for that JSON Schema.
 */
export function fromStandardSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  options: FromStandardSchemaOptions = {},
): ResponseModel<T> {
  const standard = schema['~standard'];
  const { jsonSchema: given, undeclaredKeys, ...rest } = options;
  return jsonSchema<T>(given ?? describedJsonSchema(standard), {
    ...rest,
    strict: options.strict ?? (strictFormAvailable() ? 'auto' : false),
    validate: (value) => validateWithStandardSchema(schema, value),
    // zod objects strip undeclared keys from the final value: keep them out of partials too.
    undeclaredKeys: undeclaredKeys ?? (standard.vendor === 'zod' ? 'drop' : 'keep'),
  });
}

/** The input JSON Schema a Standard JSON Schema gives of itself. */
function describedJsonSchema(standard: Partial<StandardJSONSchemaV1Props>): JsonSchema {
  const describe = standard.jsonSchema?.input;
  let described: unknown;
  try {
    // The model writes what `validate` takes in: the input side (a default makes a
    // field optional there; a transform's result is not what the model writes).
    described = describe?.({ target: 'draft-2020-12' });
  } catch {
    try {
      described = describe?.({ target: 'draft-07' });
    } catch (cause) {
      throw unsupportedSchema(
        `The ${standard.vendor} schema cannot be converted to JSON Schema: ${errorText(cause)}`,
        cause,
      );
    }
  }
  if (typeof described !== 'object' || described === null) {
    throw unsupportedSchema(
      `The ${standard.vendor} schema ${describe === undefined ? 'has no JSON Schema: pass options.jsonSchema' : 'converted to something other than a JSON Schema'}`,
    );
  }
  return described as JsonSchema;
}

function issuePath(issue: StandardIssue): (string | number)[] {
  return (issue.path ?? []).map((segment) => {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') return key;
    return typeof key === 'symbol' ? (key.description ?? key.toString()) : key;
  });
}

function fromStandardResult<T>(result: StandardResult<T>): ValidationResult<T> {
  if (result.issues === undefined) return { success: true, value: result.value };
  const issues: ValidationIssue[] = result.issues.map((issue) => ({
    path: issuePath(issue),
    message: issue.message,
  }));
  return { success: false, issues };
}

/**
 * Validates `value` with a Standard Schema (zod, valibot, arktype…) and returns
 * the result in this library's form: the library's output value (defaults and
 * transforms applied), or issues with paths and messages.
 */
export function validateWithStandardSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): ValidationResult<T> | Promise<ValidationResult<T>> {
  const result = schema['~standard'].validate(value);
  return isPromiseLike(result) ? result.then(fromStandardResult) : fromStandardResult(result);
}
