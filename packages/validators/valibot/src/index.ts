import {
  fromStandardSchema,
  type JsonSchema,
  type ResponseModel,
  type StrictOption,
  StructuredLLMError,
} from '@structllm/core';
// Loaded for its effect: models are sent in OpenAI strict-mode form when they have one.
import '@structllm/core/strict';
import { toJsonSchema } from '@valibot/to-json-schema';
import type { BaseIssue, BaseSchema, BaseSchemaAsync, InferOutput } from 'valibot';

/**
 * Any valibot schema, synchronous or async (`v.objectAsync`, `v.pipeAsync` with
 * `v.checkAsync`…): an async one is awaited when the final value is checked.
 */
export type AnyValibotSchema =
  | BaseSchema<unknown, unknown, BaseIssue<unknown>>
  | BaseSchemaAsync<unknown, unknown, BaseIssue<unknown>>;

export interface FromValibotOptions {
  /** Schema name sent to providers (`^[a-zA-Z0-9_-]{1,64}$`). Default: the schema's title (`v.title(…)`), else `response`. */
  readonly name?: string | undefined;
  /** Default: the schema's description (`v.description(…)`). */
  readonly description?: string | undefined;
  /**
   * OpenAI strict-mode form: `'auto'` (default) sends it when the schema has one
   * and the plain JSON Schema otherwise; `true` throws when it has none; `false`
   * always sends the plain JSON Schema.
   */
  readonly strict?: StrictOption | undefined;
}

/**
 * The JSON Schema of what the model must write for `schema`: valibot's *input*
 * side (conversion stops before the first transformation in a pipe, and
 * `v.optional(x, default)` is an optional field). Validation actions JSON
 * Schema cannot express (`v.check`, `v.custom`…) are left out; valibot still
 * applies them to the final value. Throws a `StructuredLLMError`
 * (`bad_request`, `unsupported_schema`) for schemas and actions JSON Schema
 * cannot express, with the converter's explanation.
 */
export function valibotToJsonSchema(schema: AnyValibotSchema): JsonSchema {
  try {
    // The converter is typed for synchronous schemas only, but reads an async one
    // (`v.objectAsync`, `v.pipeAsync`…) the same way: the same `type`s and entries,
    // and async checks are actions it leaves out like any other it cannot express.
    const convertible = schema as BaseSchema<unknown, unknown, BaseIssue<unknown>>;
    const { $schema: _, ...rest } = toJsonSchema(convertible, {
      target: 'draft-2020-12',
      typeMode: 'input',
      errorMode: 'throw',
      // A check JSON Schema cannot express (v.check, v.custom, v.forward…) is left out
      // of the schema sent: valibot still enforces it on the final value.
      overrideAction: ({ valibotAction, jsonSchema: converted, errors }) =>
        errors !== undefined && valibotAction.kind === 'validation' ? converted : undefined,
      // A loose object keeps unknown keys; the converter writes it like a plain object
      // (which strips them). Say so, so that partials show those keys too.
      overrideSchema: ({ valibotSchema, jsonSchema: converted }) =>
        valibotSchema.type === 'loose_object' && converted.additionalProperties === undefined
          ? { ...converted, additionalProperties: {} }
          : undefined,
    }) as Record<string, unknown>;
    return rest;
  } catch (cause) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'unsupported_schema',
      message: `The valibot schema has no JSON Schema form: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
}

/**
 * A valibot schema as a response model.
 *
 * - The model is asked for the schema's JSON Schema in OpenAI strict-mode form
 *   (optional fields sent as required-and-nullable) when it has one.
 * - Partial values are checked while they stream against that schema with the
 *   constraints JSON Schema can express, along the changed path only.
 * - The final value goes through valibot itself (checks, defaults and
 *   transforms apply), after the nulls standing for absent optional fields are
 *   removed; the result is `v.InferOutput<typeof schema>`.
 *
 * ```ts
 * const Person = v.object({ name: v.string(), age: v.optional(v.number()) });
 * const person = await service.routeStructured({ prompt, responseModel: fromValibot(Person) });
 * ```
 */
export function fromValibot<Schema extends AnyValibotSchema>(
  schema: Schema,
  options: FromValibotOptions = {},
): ResponseModel<InferOutput<Schema>> {
  return fromStandardSchema<InferOutput<Schema>>(schema, {
    jsonSchema: valibotToJsonSchema(schema),
    name: options.name,
    description: options.description,
    strict: options.strict ?? 'auto',
    // A default valibot object strips undeclared keys from the final value: partials never show them.
    undeclaredKeys: 'drop',
  });
}
