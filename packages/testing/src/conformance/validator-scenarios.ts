import type { ResponseModel, StrictOption } from '@structllm/core';

/** The adapter options the suite passes (`fromZod` and `fromValibot` take these and more). */
export interface ValidatorAdapterOptions {
  /** Schema name sent to providers. */
  readonly name?: string;
  /** OpenAI strict-mode form: `'auto'` (the adapter's default), `true` (or throw), `false` (plain). */
  readonly strict?: StrictOption;
}

/** Builds a response model from a schema of the library under test: `fromZod`, `fromValibot`, … */
export type ValidatorAdapter<Schema> = (
  schema: Schema,
  options?: ValidatorAdapterOptions,
) => ResponseModel<unknown>;

/**
 * The schemas the suite needs, written with the library under test. Each must
 * describe exactly the value given here: the checks send answers of that shape
 * and assert what the adapter makes of them. "Optional" means the key may be
 * absent (sent to the model as required and nullable in strict mode);
 * "nullable" means `null` is a value.
 */
export interface ValidatorConformanceSchemas<Schema> {
  /**
   * An object described `'A person'`: `name` string of length ≥ 1; `nickname`
   * optional string; `age` integer from 0 to 150; `role` `'admin' | 'user'`
   * defaulting to `'user'`; `email` string in email format.
   */
  readonly person: Schema;
  /**
   * `id` string; `total` a string transformed into a number (`parseFloat`);
   * `note` optional string; `status` `'open' | 'paid'` defaulting to `'open'`.
   */
  readonly order: Schema;
  /**
   * `email` (email format), `password` and `confirm` strings, refined on the
   * whole object: `confirm` must equal `password`, else the issue
   * `'passwords differ'` at path `['confirm']`.
   */
  readonly signup: Schema;
  /**
   * `shape`: a union discriminated by `kind`: `{ kind: 'circle', radius }` or
   * `{ kind: 'square', side, label? }` (numbers > 0, `label` optional string);
   * `owner` nullable string; `tree` recursive `{ label: string, children: tree[] }`;
   * `id` UUID string; `at` ISO date-time string.
   */
  readonly document: Schema;
  /**
   * What `sampleInvoice` is an answer of: `number` matching `^INV-\d+$`;
   * `status` the literal `'issued'`; `currency` `'EUR' | 'USD'`; `lines` (at
   * least one) of `{ item: string, quantity: optional integer ≥ 1 defaulting to 1,
   * unitPrice: number ≥ 0, note: optional string }`; `issuedAt` ISO date-time;
   * `customer` `{ name: string, email: email, id: UUID }`.
   */
  readonly invoice: Schema;
  /**
   * `root`: a recursive section `{ title: string, summary: optional string,
   * sections: section[] }` described `'The outline'` where it is used;
   * `subtitle` optional and nullable string.
   */
  readonly outline: Schema;
  /**
   * `event`: a union discriminated by `type`: `{ type: 'click', x, y }` (numbers),
   * `{ type: 'key', key: string of length 1, shift: optional boolean }`,
   * `{ type: 'scroll', delta: number defaulting to 0 }`.
   */
  readonly event: Schema;
  /** `scores`: a record of string keys to numbers (no strict-mode form). */
  readonly record: Schema;
  /** `when`: a type JSON cannot carry (a `Date`), so the adapter must refuse the schema. */
  readonly unrepresentable: Schema;
  /** The library's default object `{ name: string }` (strips undeclared keys). */
  readonly plainObject: Schema;
  /** `{ name: string }` refusing undeclared keys. */
  readonly strictObject: Schema;
  /** `{ name: string }` keeping undeclared keys. */
  readonly looseObject: Schema;
  /** Default objects `{ name: string, pets: { kind: string }[] }`. */
  readonly nested: Schema;
  /**
   * `username` string with an asynchronous refinement rejecting `'ada'` with
   * the message `'username is taken'`. Leave out if the adapter takes
   * synchronous schemas only: its check is then skipped.
   */
  readonly asyncRefinement?: Schema;
}

export type ValidatorScenario = keyof ValidatorConformanceSchemas<unknown>;

/** What one check runs against: fresh response models from the adapter under test. */
export interface ValidatorCheckTools {
  /** The adapter's model for a scenario's schema (built anew on every call). */
  model(scenario: ValidatorScenario, options?: ValidatorAdapterOptions): ResponseModel<unknown>;
  /** Whether the adapter supplied the (optional) scenario. */
  has(scenario: ValidatorScenario): boolean;
}

/** One named check of the validator conformance suite. */
export interface ValidatorConformanceCheck {
  readonly group: string;
  readonly name: string;
  /** Why the check does not apply to this adapter, if it does not. */
  skip?(tools: ValidatorCheckTools): string | undefined;
  run(tools: ValidatorCheckTools): Promise<void> | void;
}
