import {
  fromStandardSchema,
  type JsonSchema,
  type ResponseModel,
  type StrictOption,
  StructuredLLMError,
} from '@structllm/core';
// Loaded for its effect: models are sent in OpenAI strict-mode form when they have one.
import '@structllm/core/strict';
import { type $ZodType, type output, toJSONSchema } from 'zod/v4/core';

export interface FromZodOptions {
  /** Schema name sent to providers (`^[a-zA-Z0-9_-]{1,64}$`). Default: the schema's title (`.meta({ title })`), else `response`. */
  readonly name?: string | undefined;
  /** Default: the schema's description (`.describe(…)`). */
  readonly description?: string | undefined;
  /**
   * OpenAI strict-mode form: `'auto'` (default) sends it when the schema has one
   * and the plain JSON Schema otherwise; `true` throws when it has none; `false`
   * always sends the plain JSON Schema.
   */
  readonly strict?: StrictOption | undefined;
}

/**
 * The JSON Schema of what the model must write for `schema`: zod's *input*
 * side (a `.default()` makes a field optional, a `.transform()` is described
 * by what it takes in). Throws a `StructuredLLMError` (`bad_request`,
 * `unsupported_schema`) for types JSON cannot carry (dates, bigints, maps,
 * functions…) with zod's explanation.
 */
export function zodToJsonSchema(schema: $ZodType): JsonSchema {
  try {
    const { $schema: _, ...rest } = toJSONSchema(schema, {
      io: 'input',
      target: 'draft-2020-12',
      unrepresentable: 'throw',
      cycles: 'ref',
      reused: 'inline',
    }) as Record<string, unknown>;
    return rest;
  } catch (cause) {
    throw new StructuredLLMError({
      category: 'bad_request',
      code: 'unsupported_schema',
      message: `The zod schema has no JSON Schema form: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
}

/**
 * A zod 4 schema (classic or mini) as a response model.
 *
 * - The model is asked for the schema's JSON Schema in OpenAI strict-mode form
 *   (optional fields sent as required-and-nullable) when it has one.
 * - Partial values are checked while they stream against that schema with all
 *   zod's constraints that JSON Schema can express (types, enums, literals,
 *   lengths, ranges, patterns, formats), along the changed path only.
 * - The final value goes through zod itself (refinements, defaults and
 *   transforms apply), after the nulls standing for absent optional fields are
 *   removed; the result is `z.output<typeof schema>`.
 *
 * ```ts
 * const Person = z.object({ name: z.string(), age: z.number().int().optional() });
 * const person = await service.routeStructured({ prompt, responseModel: fromZod(Person) });
 * ```
 */
export function fromZod<Schema extends $ZodType>(
  schema: Schema,
  options: FromZodOptions = {},
): ResponseModel<output<Schema>> {
  return fromStandardSchema<output<Schema>>(schema, {
    jsonSchema: zodToJsonSchema(schema),
    name: options.name,
    description: options.description,
    strict: options.strict ?? 'auto',
    // A default zod object strips undeclared keys from the final value: partials never show them.
    undeclaredKeys: 'drop',
  });
}
