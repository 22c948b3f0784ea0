/*
 * Standard Schema v1 and Standard JSON Schema v1 (https://standardschema.dev),
 * declared here so core depends on no package. Structural types: any library
 * implementing the specs (zod ≥ 4.2, arktype, valibot through
 * @valibot/to-json-schema) matches them.
 */

/** Input and output types a schema carries for inference only (never present at runtime). */
export interface StandardTypes<Input = unknown, Output = Input> {
  readonly input: Input;
  readonly output: Output;
}

/** A segment of an issue path that carries more than the key. */
export interface StandardPathSegment {
  readonly key: PropertyKey;
}

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | StandardPathSegment> | undefined;
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (
    value: unknown,
    options?: { readonly libraryOptions?: Record<string, unknown> | undefined } | undefined,
  ) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: StandardTypes<Input, Output> | undefined;
}

/** Standard Schema v1: a validator behind a `~standard` property. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1Props<Input, Output>;
}

/** JSON Schema dialects a converter may be asked for; libraries may support others. */
export type StandardJSONSchemaTarget = 'draft-2020-12' | 'draft-07' | 'openapi-3.0' | (string & {});

export interface StandardJSONSchemaOptions {
  readonly target: StandardJSONSchemaTarget;
  readonly libraryOptions?: Record<string, unknown> | undefined;
}

export interface StandardJSONSchemaConverter {
  /** JSON Schema of the values the schema accepts. Throws for a target it does not support. */
  readonly input: (options: StandardJSONSchemaOptions) => Record<string, unknown>;
  /** JSON Schema of the values the schema produces (what a model must write). */
  readonly output: (options: StandardJSONSchemaOptions) => Record<string, unknown>;
}

export interface StandardJSONSchemaV1Props<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly jsonSchema: StandardJSONSchemaConverter;
  readonly types?: StandardTypes<Input, Output> | undefined;
}

/** Standard JSON Schema v1: a schema that can describe itself as JSON Schema. */
export interface StandardJSONSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardJSONSchemaV1Props<Input, Output>;
}
