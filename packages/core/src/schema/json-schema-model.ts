import { unsupportedSchema } from './compile-schema.ts';
import type { DeepPartial } from './deep-partial.ts';
import type { JsonSchema } from './json-schema.ts';
import { compileJsonSchema, type JsonSchemaValidator } from './json-schema-validator.ts';
import {
  isValidSchemaName,
  type ResponseModel,
  schemaNameFromTitle,
  type ValidatePartialOptions,
} from './response-model.ts';
import type { ValidationResult } from './validation.ts';

/** A {@link ResponseModel} built from a plain JSON Schema by {@link jsonSchema}. */
export type JsonSchemaModel<T> = ResponseModel<T>;

export interface ResponseModelOptions {
  /** Schema name for providers (`^[a-zA-Z0-9_-]{1,64}$`). Default: the schema's `title`, else `response`. */
  readonly name?: string | undefined;
  /** Default: the schema's `description`. */
  readonly description?: string | undefined;
}

export interface JsonSchemaOptions<T> extends ResponseModelOptions {
  /**
   * Decides final validity instead of the built-in validator (a type guard,
   * another library…). Partial values are still checked against the schema.
   */
  readonly validate?:
    | ((value: unknown) => ValidationResult<T> | Promise<ValidationResult<T>>)
    | undefined;
}

function keyword(schema: JsonSchema, name: string): unknown {
  return typeof schema === 'object' ? schema[name] : undefined;
}

/** Name and description for a model: explicit options first, then the schema's own annotations. */
export function modelIdentity(
  schema: JsonSchema,
  options: ResponseModelOptions,
): { name: string; description: string | undefined } {
  const { name } = options;
  if (name !== undefined && !isValidSchemaName(name)) {
    throw unsupportedSchema(
      `Schema name ${JSON.stringify(name)} is not allowed: use 1 to 64 letters, digits, "_" or "-"`,
    );
  }
  const description = options.description ?? keyword(schema, 'description');
  return {
    name: name ?? schemaNameFromTitle(keyword(schema, 'title')) ?? 'response',
    description: typeof description === 'string' ? description : undefined,
  };
}

/** The shared shape of every built-in model: final validation given, partial validation by `validator`. */
export function createResponseModel<T>(parts: {
  readonly name: string;
  readonly description: string | undefined;
  readonly jsonSchema: JsonSchema;
  readonly validator: JsonSchemaValidator;
  readonly validate: (value: unknown) => ValidationResult<T> | Promise<ValidationResult<T>>;
}): ResponseModel<T> {
  const { validator } = parts;
  return Object.freeze({
    name: parts.name,
    ...(parts.description === undefined ? {} : { description: parts.description }),
    jsonSchema: parts.jsonSchema,
    validate: parts.validate,
    validatePartial(
      value: unknown,
      options: ValidatePartialOptions = {},
    ): ValidationResult<DeepPartial<T>> {
      const issues = validator.validate(
        value,
        options.complete === true ? 'final' : 'partial',
        options.path,
      );
      return issues.length === 0
        ? { success: true, value: value as DeepPartial<T> }
        : { success: false, issues };
    },
  });
}

/**
 * A {@link ResponseModel} from a plain JSON Schema. `T` is your claim about
 * what the schema describes: values are checked against the schema by the
 * built-in validator (or by `options.validate` when given), not against `T`.
 *
 * ```ts
 * const person = jsonSchema<{ name: string; age: number }>({
 *   type: 'object',
 *   properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
 *   required: ['name', 'age'],
 *   additionalProperties: false,
 * }, { name: 'person' });
 * ```
 *
 * Throws a `StructuredLLMError` (`bad_request`, `unsupported_schema`) for a
 * schema the validator cannot check or an invalid name.
 */
export function jsonSchema<T = unknown>(
  schema: JsonSchema,
  options: JsonSchemaOptions<T> = {},
): JsonSchemaModel<T> {
  const validator = compileJsonSchema(schema);
  const validate =
    options.validate ??
    ((value: unknown): ValidationResult<T> => {
      const issues = validator.validate(value, 'final');
      return issues.length === 0
        ? { success: true, value: value as T }
        : { success: false, issues };
    });
  return createResponseModel({
    ...modelIdentity(schema, options),
    jsonSchema: schema,
    validator,
    validate,
  });
}
