export type { JsonSchema } from './json-schema.ts';
export type { DeepPartial } from './model/deep-partial.ts';
export {
  type FromStandardSchemaOptions,
  fromStandardSchema,
  validateWithStandardSchema,
} from './model/from-standard-schema.ts';
export {
  type JsonSchemaModel,
  type JsonSchemaOptions,
  jsonSchema,
  type ResponseModelOptions,
  type StrictOption,
} from './model/json-schema-model.ts';
export type { PartialChecker } from './model/partial-checker.ts';
export {
  isResponseModel,
  type ResponseModel,
  type ValidatePartialOptions,
} from './model/response-model.ts';
export {
  type ResponseModelInput,
  toResponseModel,
} from './model/to-response-model.ts';
export type {
  StandardIssue,
  StandardJSONSchemaConverter,
  StandardJSONSchemaOptions,
  StandardJSONSchemaTarget,
  StandardJSONSchemaV1,
  StandardJSONSchemaV1Props,
  StandardPathSegment,
  StandardResult,
  StandardSchemaV1,
  StandardSchemaV1Props,
  StandardTypes,
} from './standard-schema.ts';
export {
  formatIssues,
  formatPath,
  type ValidationIssue,
  type ValidationResult,
} from './validation.ts';
export {
  type CompileJsonSchemaOptions,
  compileJsonSchema,
  type JsonSchemaValidator,
  type ValidationMode,
} from './validator/json-schema-validator.ts';
