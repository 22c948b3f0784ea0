import type { JsonPath } from '../json-schema.ts';
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '../standard-schema.ts';
import { unsupportedSchema } from '../validator/compile-schema.ts';
import { validatorMaxDepth } from '../validator/json-schema-validator.ts';
import { fromStandardSchema } from './from-standard-schema.ts';
import {
  depthCopies,
  type JsonSchemaModel,
  modelIdentity,
  type ResponseModelOptions,
  type StrictOption,
} from './json-schema-model.ts';
import {
  isResponseModel,
  type ResponseModel,
  type ValidatePartialOptions,
} from './response-model.ts';

/** Everything `responseModel` accepts: a model, a Standard Schema that can describe itself as JSON Schema, or `jsonSchema(...)`. */
export type ResponseModelInput<T> =
  | ResponseModel<T>
  | (StandardSchemaV1<unknown, T> & StandardJSONSchemaV1<unknown, T>)
  | JsonSchemaModel<T>;

type StandardWithJsonSchema<T> = StandardSchemaV1<unknown, T> & StandardJSONSchemaV1<unknown, T>;

function standardProps(value: unknown): Record<string, unknown> | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
    return undefined;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return typeof props === 'object' && props !== null
    ? (props as Record<string, unknown>)
    : undefined;
}

function withIdentity<T>(model: ResponseModel<T>, options: ResponseModelOptions): ResponseModel<T> {
  if (options.name === undefined && options.description === undefined) return model;
  const { name, description } = modelIdentity(model.jsonSchema, {
    name: options.name ?? model.name,
    description: options.description ?? model.description,
  });
  const renamed: ResponseModel<T> = Object.freeze({
    name,
    ...(description === undefined ? {} : { description }),
    jsonSchema: model.jsonSchema,
    validate: (value: unknown) => model.validate(value),
    validatePartial: (value: unknown, partialOptions?: ValidatePartialOptions) =>
      model.validatePartial(value, partialOptions),
    ...(model.keyFilter === undefined
      ? {}
      : { keyFilter: (path: JsonPath) => model.keyFilter?.(path) }),
    partialChecker: model.partialChecker,
  });
  const deeper = depthCopies.get(model);
  if (deeper !== undefined) depthCopies.set(renamed, deeper);
  return renamed;
}

/**
 * A built-in model that kept the default depth limit, checking to `maxDepth`
 * levels instead when that is deeper (a copy sharing its compiled schemas,
 * with the name and description of `model`); any other model as it is.
 */
function withMaxDepth<T>(model: ResponseModel<T>, maxDepth: number | undefined): ResponseModel<T> {
  if (maxDepth === undefined) return model;
  const deeper = depthCopies.get(model)?.(maxDepth) as ResponseModel<T> | undefined;
  if (deeper === undefined) return model;
  return deeper.name === model.name && deeper.description === model.description
    ? deeper
    : withIdentity(deeper, { name: model.name, description: model.description });
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  const props = standardProps(input);
  if (props !== undefined) {
    const vendor = typeof props.vendor === 'string' ? props.vendor : 'unknown vendor';
    return `a Standard Schema (${vendor}) without "~standard.jsonSchema" support`;
  }
  if (typeof input === 'object') {
    const keys = Object.keys(input as object);
    return keys.includes('type') || keys.includes('properties') || keys.includes('$ref')
      ? 'a plain JSON Schema (wrap it: jsonSchema(schema))'
      : 'a plain object';
  }
  return `a ${typeof input}`;
}

/**
 * Normalises what a request's `responseModel` accepts into a {@link ResponseModel}:
 *
 * - a `ResponseModel` (e.g. from `jsonSchema(...)`) is used as is, renamed if `options` say so
 *   (and, for `options.maxDepth`, as a copy that checks deeper values: see there);
 * - a Standard Schema with Standard JSON Schema support (zod ≥ 4.2, arktype,
 *   valibot through `@valibot/to-json-schema`) is asked for its input JSON Schema
 *   (`draft-2020-12`, else `draft-07`); final values are validated by the library
 *   itself, partial values by the built-in validator against that JSON Schema.
 *
 * The name comes from `options.name`, else the schema's `title`, else `response`.
 * Anything else throws a `StructuredLLMError` (`bad_request`, `unsupported_schema`);
 * a `maxDepth` that is not a non-negative number throws a `RangeError`.
 */
export interface ToResponseModelOptions extends ResponseModelOptions {
  /**
   * For a Standard Schema: send its JSON Schema in OpenAI strict-mode form.
   * Default `'auto'` (strict form when the schema has one) once
   * `@structllm/core/strict` is loaded (`@structllm/openai`, `@structllm/zod`
   * and `@structllm/valibot` load it), `false` (as the library wrote it)
   * otherwise; `true` or `'auto'` without it throw a `bad_request` error.
   * Ignored for a `ResponseModel`, which already decided.
   */
  readonly strict?: StrictOption | undefined;
  /**
   * How deep the built-in validator checks values, for the JSON accepted up
   * to that depth (a service passes its `limits.maxDepth`): a Standard
   * Schema's validator checks to this depth, and a `jsonSchema(...)` model
   * that did not set its own `maxDepth` is used as a copy checking to this
   * depth when it is deeper than the model's (1000 by default). Never lowers
   * a model's limit.
   */
  readonly maxDepth?: number | undefined;
}

export function toResponseModel<T>(
  input: ResponseModelInput<T>,
  options: ToResponseModelOptions = {},
): ResponseModel<T> {
  const unknownInput: unknown = input;
  if (options.maxDepth !== undefined) validatorMaxDepth(options.maxDepth);
  if (isResponseModel(unknownInput)) {
    return withIdentity(withMaxDepth(input as ResponseModel<T>, options.maxDepth), options);
  }
  const props = standardProps(unknownInput);
  const converter = props?.jsonSchema as { input?: unknown } | undefined;
  if (
    props?.version === 1 &&
    typeof props.validate === 'function' &&
    typeof converter === 'object' &&
    converter !== null &&
    typeof converter.input === 'function'
  ) {
    return fromStandardSchema(input as StandardWithJsonSchema<T>, options);
  }
  throw unsupportedSchema(
    `responseModel must be a ResponseModel (e.g. jsonSchema(schema)) or a Standard Schema with JSON Schema support (zod ≥ 4.2, arktype, valibot via @valibot/to-json-schema); got ${describeInput(unknownInput)}`,
  );
}
