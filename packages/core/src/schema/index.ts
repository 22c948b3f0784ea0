export type { DeepPartial } from './deep-partial.ts';
export type { JsonPath, JsonSchema } from './json-schema.ts';
export {
  type JsonSchemaModel,
  type JsonSchemaOptions,
  jsonSchema,
  type ResponseModelOptions,
  type StrictOption,
} from './json-schema-model.ts';
export {
  type CompileJsonSchemaOptions,
  compileJsonSchema,
  type JsonSchemaValidator,
  type ValidationMode,
} from './json-schema-validator.ts';
export type { PartialChecker } from './partial-checker.ts';
export {
  isResponseModel,
  type ResponseModel,
  type ValidatePartialOptions,
} from './response-model.ts';
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
  type ResponseModelInput,
  type ToResponseModelOptions,
  toResponseModel,
  validateWithStandardSchema,
} from './to-response-model.ts';
export {
  formatIssues,
  formatPath,
  type ValidationIssue,
  type ValidationResult,
} from './validation.ts';
