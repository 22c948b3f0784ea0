/**
 * `@structllm/core/strict`: OpenAI's strict structured-output mode
 * (`strict: true`). The converter is its own entry so that applications that
 * never send strict schemas do not bundle it.
 *
 * Loading this entry also makes strict forms available to the root
 * `jsonSchema(schema, { strict })` and to Standard Schemas passed as
 * `responseModel` (sent in strict form when they have one).
 */

import type { JsonSchema } from './schema/json-schema.ts';
import {
  buildJsonSchemaModel,
  installStrictConverter,
  type JsonSchemaModel,
  type JsonSchemaOptions,
  type StrictOption,
} from './schema/model/json-schema-model.ts';
import { toStrictJsonSchema } from './schema/strict/strict-json-schema.ts';

installStrictConverter(toStrictJsonSchema);

export type { StrictOption } from './schema/model/json-schema-model.ts';
export {
  isStrictCompatible,
  STRICT_SCHEMA_LIMITS,
  type StrictJsonSchema,
  type StrictJsonSchemaOptions,
  type StrictRestoreOptions,
  toStrictJsonSchema,
} from './schema/strict/strict-json-schema.ts';

/** Options of {@link strictJsonSchema}: those of `jsonSchema`, with strict mode on by default. */
export interface StrictJsonSchemaModelOptions<T> extends Omit<JsonSchemaOptions<T>, 'strict'> {
  /**
   * `true` (default): send the strict form, or throw a `bad_request` error
   * naming the place and the reason when the schema has none; `'auto'`: the
   * strict form when the schema has one, the schema as written otherwise;
   * `false`: the schema as written (what `jsonSchema` does).
   */
  readonly strict?: StrictOption | undefined;
}

/**
 * A `ResponseModel` from a plain JSON Schema, sent in OpenAI strict-mode form
 * ({@link toStrictJsonSchema}): optional fields go out as required and
 * nullable, and the `null` a model writes for an absent optional field is
 * removed before the value is validated (by the built-in validator against
 * your schema, or by `options.validate`). Partials are checked against the
 * strict structure with every constraint of your schema kept.
 *
 * ```ts
 * const person = strictJsonSchema<{ name: string; nickname?: string }>({
 *   type: 'object',
 *   properties: { name: { type: 'string' }, nickname: { type: 'string' } },
 *   required: ['name'],
 * }, { name: 'person' });
 * ```
 *
 * Throws what `jsonSchema` throws, and a `StructuredLLMError` (`bad_request`,
 * `unsupported_schema`) naming the place and the reason for a schema without
 * a strict form (unless `strict: 'auto'` or `false`).
 */
export function strictJsonSchema<T = unknown>(
  schema: JsonSchema,
  options: StrictJsonSchemaModelOptions<T> = {},
): JsonSchemaModel<T> {
  return buildJsonSchemaModel(schema, options, options.strict ?? true, toStrictJsonSchema);
}
