// Numbers of the schema modules, in a module that imports nothing: bundlers put the numbers
// themselves where they are used, where a module that imports others keeps each as a variable.

// validator/compile-schema
/** Deepest nesting of subschemas accepted (a guard against pathological input, not a real limit). */
export const MAX_SCHEMA_NESTING = 200;

// validator/fast-path
/** Container levels the probe enters before leaving the rest to the task stack. */
export const PROBE_DEPTH = 8;
/** `room` for a probe of the value's own keywords only, not its items or properties. */
export const OWN_KEYWORDS = -1;

// validator/union-task
/** Issues kept per union branch: enough to pick the closest branch and show why it failed. */
export const BRANCH_ISSUE_LIMIT = 20;
/** Every type bit (TYPE_NULL to TYPE_OBJECT) set. */
export const ALL_TYPES = 127;

// validator/json-schema-validator
/** Issues a validator collects before stopping, unless told otherwise. */
export const DEFAULT_MAX_ISSUES = 1000;

// validation
/** Issues listed by {@link formatIssues}; the rest are counted. */
export const MAX_LISTED_ISSUES = 20;
/** Longest message and longest key shown: messages may come from other libraries. */
export const MAX_MESSAGE = 300;
export const MAX_KEY = 40;

// model/partial-checker
/** Values at this depth or shallower are validated when they complete (deeper ones through them). */
export const VALIDATE_DEPTH = 2;
/**
 * A growing string is checked (enum and const prefixes, maxLength) while it is at
 * most this long; longer ones are checked once complete. Enum values are short,
 * and re-checking a long description on every chunk would be wasted work.
 */
export const GROWING_STRING_CHECK_LIMIT = 128;
/**
 * A growing string is re-checked once it has grown by this factor since its last
 * check (and always when a new value has begun): a prefix that no value can
 * complete stays impossible, so it is still caught while streaming, after at most
 * twice the characters, at O(log length) checks per string instead of one per chunk.
 */
export const GROWING_STRING_RECHECK_FACTOR = 2;

// model/key-verdicts
/** Schemas followed while working out the verdicts at one path; beyond it, nothing is decided. */
export const MAX_SCHEMAS = 256;
/** Answers remembered per check or filter: a model inventing keys endlessly must not grow memory. */
export const MAX_REMEMBERED_KEYS = 1024;
/** Path shapes remembered per schema, for the same reason. */
export const MAX_REMEMBERED_SHAPES = 1024;
/** Longer keys are judged each time rather than kept for the life of the model. */
export const MAX_REMEMBERED_KEY_LENGTH = 256;
/** How one rule judges one key: allowed, the value is invalid whatever its keys, or why it is refused. */
export const OK = 0;
export const INVALID_ANYWAY = 1;
