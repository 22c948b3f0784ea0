/** What OpenAI's strict mode does with each JSON Schema keyword. */

/** Keywords strict mode accepts (structure, constraints, annotations). */
export const STRUCTURE = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
]);
export const CONSTRAINTS = new Set([
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);
export const ANNOTATIONS = new Set(['description', 'title']);
/** String formats strict mode accepts; other `format`s are dropped (final validation still checks them). */
export const STRICT_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);
/**
 * Constraints strict mode does not take but that only narrow an already
 * described value: dropped from what is sent (kept with `keepConstraints`); the
 * final validation still enforces them.
 */
export const DROPPED_CONSTRAINTS = new Set([
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'unevaluatedProperties',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'unevaluatedItems',
]);
/**
 * Keywords that change which values a schema describes in ways strict mode
 * cannot express: a schema using them has no strict form.
 */
export const REJECTED = new Map([
  ['allOf', 'intersections (allOf) are not accepted'],
  ['not', '"not" is not accepted'],
  ['if', 'conditionals (if/then/else) are not accepted'],
  ['then', 'conditionals (if/then/else) are not accepted'],
  ['else', 'conditionals (if/then/else) are not accepted'],
  ['dependentRequired', '"dependentRequired" is not accepted'],
  ['dependentSchemas', '"dependentSchemas" is not accepted'],
  ['dependencies', '"dependencies" is not accepted'],
  ['patternProperties', 'objects with pattern-named keys (patternProperties) are not accepted'],
  ['prefixItems', 'tuples (prefixItems) are not accepted'],
  ['additionalItems', 'tuples (additionalItems) are not accepted'],
  ['$dynamicRef', 'dynamic references ($dynamicRef) are not accepted'],
  ['$dynamicAnchor', 'dynamic references ($dynamicAnchor) are not accepted'],
  ['$recursiveRef', 'dynamic references ($recursiveRef) are not accepted'],
  ['$recursiveAnchor', 'dynamic references ($recursiveAnchor) are not accepted'],
  ['$anchor', 'anchors ($anchor) are not accepted; use $defs and #/$defs/… references'],
]);
