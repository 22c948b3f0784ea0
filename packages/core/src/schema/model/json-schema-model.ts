import type { JsonPath, JsonSchema } from '../json-schema.ts';
import type { StrictJsonSchema, StrictJsonSchemaOptions } from '../strict/strict-json-schema.ts';
import type { ValidationResult } from '../validation.ts';
import { compileSchema, unsupportedSchema } from '../validator/compile-schema.ts';
import {
  type CompiledJsonSchema,
  type JsonSchemaValidator,
  validatorMaxDepth,
  validatorOf,
} from '../validator/json-schema-validator.ts';
import type { DeepPartial } from './deep-partial.ts';
import { type KeyCheck, type KeyFilter, keyVerdicts } from './key-verdicts.ts';
import { compiledChecker } from './partial-checker.ts';
import {
  isValidSchemaName,
  type ResponseModel,
  schemaNameFromTitle,
  type ValidatePartialOptions,
} from './response-model.ts';

/** A {@link ResponseModel} built from a plain JSON Schema by {@link jsonSchema}. */
export type JsonSchemaModel<T> = ResponseModel<T>;

export interface ResponseModelOptions {
  /** Schema name for providers (`^[a-zA-Z0-9_-]{1,64}$`). Default: the schema's `title`, else `response`. */
  readonly name?: string | undefined;
  /** Default: the schema's `description`. */
  readonly description?: string | undefined;
}

/**
 * Whether to send the schema in OpenAI strict-mode form (`toStrictJsonSchema`
 * from `@structllm/core/strict`): `true` converts it or throws, `'auto'`
 * converts it when it has a strict form and sends it as is otherwise, `false`
 * sends it as is.
 */
export type StrictOption = boolean | 'auto';

export interface JsonSchemaOptions<T> extends ResponseModelOptions {
  /**
   * Send the schema in OpenAI strict-mode form (optional fields as required and
   * nullable). Values the model writes are read back before validation: a `null`
   * standing for an absent optional field is removed. Default `false` here: a
   * schema you wrote is sent as you wrote it.
   *
   * The converter lives in `@structllm/core/strict`: `true` or `'auto'` work
   * once that entry is loaded (`@structllm/openai`, `@structllm/zod` and
   * `@structllm/valibot` load it) and throw a `bad_request` error naming it
   * otherwise. `strictJsonSchema(schema)` from there needs nothing loaded.
   */
  readonly strict?: StrictOption | undefined;
  /**
   * Decides final validity instead of the built-in validator (a type guard,
   * another library…). Partial values are still checked against the schema.
   */
  readonly validate?:
    | ((value: unknown) => ValidationResult<T> | Promise<ValidationResult<T>>)
    | undefined;
  /**
   * What happens to keys an object's schema does not list in `properties`
   * when it says nothing of other keys (no `additionalProperties`, no
   * `patternProperties`):
   * - `'keep'` (default here, as JSON Schema allows them): they stream in
   *   partials and stay in the value;
   * - `'drop'`: they are left out as they stream, so neither partials nor the
   *   value given to `validate` ever contain them. This is what zod's and
   *   valibot's default objects do to the final value; `fromZod`,
   *   `fromValibot` and a zod schema passed as `responseModel` use it.
   *
   * Keys of objects whose schema has `additionalProperties` (even `false`,
   * so that an unexpected key is reported and re-asked) are always kept.
   */
  readonly undeclaredKeys?: 'keep' | 'drop' | undefined;
  /**
   * Deepest nesting of arrays and objects the built-in validator checks (and
   * strict mode reads back); a deeper value is an issue naming this limit.
   * Default 1000, like the parser. Without it, `toResponseModel(model, { maxDepth })`
   * may raise the default; set it when you accept deeper JSON (the parser's
   * `maxDepth`, a service's `limits.maxDepth`). `Infinity` is safe: nothing recurses.
   */
  readonly maxDepth?: number | undefined;
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

type KeyChecks = ((path: JsonPath, length?: number) => KeyCheck | undefined) | undefined;

/**
 * Built-in models that kept the default depth limit: for each, its copy
 * checking to a deeper limit (undefined when not deeper). What
 * `toResponseModel`'s `maxDepth` uses; internal.
 */
export const depthCopies = new WeakMap<
  object,
  (maxDepth: number) => ResponseModel<unknown> | undefined
>();

/** The shared shape of every built-in model: final validation given, partials checked by `validator`. */
function createResponseModel<T>(parts: {
  readonly name: string;
  readonly description: string | undefined;
  readonly jsonSchema: JsonSchema;
  readonly partial: CompiledJsonSchema;
  readonly validate: (value: unknown) => ValidationResult<T> | Promise<ValidationResult<T>>;
  readonly finalIsPartial: boolean;
  readonly keyChecks: KeyChecks;
  readonly keyFilter?: ((path: JsonPath) => KeyFilter | undefined) | undefined;
}): ResponseModel<T> {
  const partialChecker = compiledChecker(parts.partial, parts.finalIsPartial, parts.keyChecks);
  const { check } = partialChecker;
  return Object.freeze({
    name: parts.name,
    ...(parts.description === undefined ? {} : { description: parts.description }),
    jsonSchema: parts.jsonSchema,
    validate: parts.validate,
    ...(parts.keyFilter === undefined ? {} : { keyFilter: parts.keyFilter }),
    validatePartial(
      value: unknown,
      options: ValidatePartialOptions = {},
    ): ValidationResult<DeepPartial<T>> {
      const issues = check(value, options.path, options.complete === true, options.subject);
      return issues === undefined
        ? { success: true, value: value as DeepPartial<T> }
        : { success: false, issues };
    },
    partialChecker,
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
 * schema the validator cannot check, an invalid name, or a `strict` option
 * other than `false` while `@structllm/core/strict` is not loaded; and a
 * `RangeError` for a `maxDepth` that is not a non-negative number.
 */
export function jsonSchema<T = unknown>(
  schema: JsonSchema,
  options: JsonSchemaOptions<T> = {},
): JsonSchemaModel<T> {
  return buildJsonSchemaModel(schema, options, options.strict ?? false, installedConverter);
}

/** Turns a schema into its strict form: `toStrictJsonSchema` of `@structllm/core/strict`. */
type StrictConverter = (schema: JsonSchema, options?: StrictJsonSchemaOptions) => StrictJsonSchema;

/** The strict-form converter `@structllm/core/strict` installs when it loads. */
let installedConverter: StrictConverter | undefined;

/** Makes strict forms available to {@link jsonSchema} and Standard Schemas; called by `@structllm/core/strict`. */
export function installStrictConverter(convert: StrictConverter): void {
  installedConverter = convert;
}

/** True once `@structllm/core/strict` is loaded: Standard Schemas are then sent in strict form when they have one. */
export function strictFormAvailable(): boolean {
  return installedConverter !== undefined;
}

/**
 * The one implementation behind {@link jsonSchema} and `strictJsonSchema`:
 * `strict` is the decided option, `convert` the strict-form converter (none:
 * any `strict` other than `false` is refused, naming `@structllm/core/strict`).
 */
export function buildJsonSchemaModel<T>(
  schema: JsonSchema,
  options: JsonSchemaOptions<T>,
  strictOption: StrictOption,
  convert: StrictConverter | undefined,
): JsonSchemaModel<T> {
  const ownMaxDepth = options.maxDepth !== undefined;
  const maxDepth = validatorMaxDepth(options.maxDepth);
  const strict = strictForm(schema, strictOption, convert);
  const finalRoot =
    strict === undefined || options.validate === undefined ? compileSchema(schema) : undefined;
  // Partials are checked against the strict structure (nulls allowed where the model
  // may write them) with every constraint of the original kept.
  const partialRoot =
    strict === undefined
      ? (finalRoot ?? compileSchema(schema))
      : compileSchema((convert as StrictConverter)(schema, { keepConstraints: true }).schema);
  const { checks: keyChecks, filters: keyFilter } = keyVerdicts(
    partialRoot,
    options.undeclaredKeys === 'drop',
  );
  const identity = modelIdentity(schema, options);

  // The model at one depth limit; copies at other limits share every compiled schema.
  const copies = new Map<number, JsonSchemaModel<T>>();
  const withMaxDepth = (depth: number): JsonSchemaModel<T> => {
    const limit = validatorMaxDepth(depth);
    const known = copies.get(limit);
    if (known !== undefined) return known;
    const partial = validatorOf(partialRoot, { maxDepth: limit });
    const final =
      finalRoot === undefined
        ? undefined
        : finalRoot === partialRoot
          ? partial
          : validatorOf(finalRoot, { maxDepth: limit });
    const check =
      options.validate ??
      ((value: unknown): ValidationResult<T> => {
        const issues = (final as { validator: JsonSchemaValidator }).validator.validate(
          value,
          'final',
        );
        return issues.length === 0
          ? { success: true, value: value as T }
          : { success: false, issues };
      });
    const restoreOptions = { maxDepth: limit };
    const validate =
      strict === undefined
        ? check
        : (value: unknown) => check(strict.restore(value, restoreOptions));
    const model = createResponseModel<T>({
      ...identity,
      jsonSchema: strict?.schema ?? schema,
      partial,
      validate,
      finalIsPartial: strict === undefined && options.validate === undefined,
      keyChecks,
      keyFilter,
    });
    if (!ownMaxDepth)
      depthCopies.set(model, (deeper) => (deeper > limit ? withMaxDepth(deeper) : undefined));
    copies.set(limit, model);
    return model;
  };
  return withMaxDepth(maxDepth);
}

/** The strict form to send, or undefined to send the schema as it is. */
function strictForm(
  schema: JsonSchema,
  option: StrictOption,
  convert: StrictConverter | undefined,
): StrictJsonSchema | undefined {
  if (option === false) return undefined;
  if (convert === undefined) {
    throw unsupportedSchema(
      `strict: ${JSON.stringify(option)} needs @structllm/core/strict, which is not loaded: build the model with strictJsonSchema(schema) from it, or load that entry once before building models`,
    );
  }
  if (option === true) return convert(schema);
  try {
    return convert(schema);
  } catch {
    return undefined;
  }
}
