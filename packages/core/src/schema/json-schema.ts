import type { JsonPath } from '../json/index.ts';

/**
 * A JSON Schema (draft 2020-12), as OpenAI and Anthropic accept it for
 * structured output. The type is deliberately open: a schema is sent to
 * providers as-is, and keywords this library does not check are kept.
 *
 * {@link compileJsonSchema} checks values against this subset:
 *
 * - any type: `type` (a name or a list of names, incl. `integer`; `['string', 'null']`
 *   for nullable), `enum`, `const`, `anyOf`, `oneOf`, `allOf`, `not` (final values only),
 *   `$ref` to a local JSON Pointer (`#`, `#/$defs/…`, `#/definitions/…`);
 * - numbers: `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`;
 * - strings: `minLength`, `maxLength` (in code points), `pattern` (Unicode mode),
 *   `format` (`date-time`, `date`, `time`, `email`, `uri`, `uuid`);
 * - arrays: `items`, `prefixItems`, `minItems`, `maxItems`;
 * - objects: `properties`, `required`, `additionalProperties`, `patternProperties`,
 *   `minProperties`, `maxProperties`.
 *
 * For schemas generated for older targets it also reads draft-07 tuples
 * (`items: [...]` with `additionalItems`) and OpenAPI 3.0's `nullable: true`
 * and boolean `exclusiveMinimum`/`exclusiveMaximum`.
 *
 * Every other keyword (`if`/`then`/`else`, `uniqueItems`, `contains`,
 * `propertyNames`, `dependentRequired`, `unevaluatedProperties`, annotations…)
 * is ignored: an ignored keyword can only make the check more permissive,
 * never reject a valid value.
 */
export type JsonSchema = { readonly [keyword: string]: unknown } | boolean;

/** Object keys and array indices from the top-level value down (the JSON parser's path type). */
export type { JsonPath };
