import { describe, it } from 'vitest';
import { validatorFinalChecks } from './validator-final-checks.ts';
import type {
  ValidatorAdapter,
  ValidatorCheckTools,
  ValidatorConformanceCheck,
  ValidatorConformanceSchemas,
} from './validator-scenarios.ts';
import { validatorSchemaChecks } from './validator-schema-checks.ts';
import { validatorStreamChecks } from './validator-stream-checks.ts';

/**
 * `Schema` is the library's schema type, given as the type argument
 * (`runValidatorConformance<z.ZodType>(…)`): TypeScript cannot read it off a
 * generic adapter such as `fromZod`.
 */
export interface ValidatorConformanceOptions<Schema> {
  /** Shown in the suite title: the library, e.g. `'zod'`. */
  readonly name: string;
  /** The adapter under test, e.g. `fromZod`. */
  readonly adapt: ValidatorAdapter<Schema>;
  /** The suite's scenarios, written with the library (see {@link ValidatorConformanceSchemas}). */
  readonly schemas: ValidatorConformanceSchemas<NoInfer<Schema>>;
}

/** Every check of the validator suite, in order (also usable one by one, see {@link validatorCheckTools}). */
export function validatorConformanceChecks(): readonly ValidatorConformanceCheck[] {
  return [...validatorSchemaChecks, ...validatorStreamChecks, ...validatorFinalChecks];
}

/** The tools a check runs against: each `model(…)` call adapts the scenario's schema anew. */
export function validatorCheckTools<Schema>(
  options: ValidatorConformanceOptions<Schema>,
): ValidatorCheckTools {
  const { adapt, schemas } = options;
  return {
    model(scenario, adapterOptions) {
      const schema = schemas[scenario];
      if (schema === undefined) throw new Error(`the adapter gave no ${scenario} schema`);
      return adapterOptions === undefined ? adapt(schema) : adapt(schema, adapterOptions);
    },
    has: (scenario) => schemas[scenario] !== undefined,
  };
}

/**
 * Registers the shared vitest suite a validator adapter (`fromZod`,
 * `fromValibot`, …) passes: its response models stream answers through a
 * `StructuredLLMService` over a mock provider, and the suite checks the
 * strict-mode schema they send, partial validation along the changed path
 * (impossible partials end the attempt early, missing keys do not), nulls
 * restored to absent optionals, the final parse with the library's
 * refinements, defaults and transforms, re-asks naming the path with the
 * library's messages, and undeclared keys kept out of partials when the final
 * value drops them.
 *
 * Call it at the top level of a test file (it calls `describe`).
 */
export function runValidatorConformance<Schema>(
  options: ValidatorConformanceOptions<Schema>,
): void {
  const checks = validatorConformanceChecks();
  const groups = [...new Set(checks.map((check) => check.group))];
  describe(`validator conformance: ${options.name}`, () => {
    for (const group of groups) {
      describe(group, () => {
        for (const check of checks.filter((candidate) => candidate.group === group)) {
          it(check.name, async (context) => {
            const tools = validatorCheckTools(options);
            const reason = check.skip?.(tools);
            if (reason !== undefined) {
              context.skip(reason);
              return;
            }
            await check.run(tools);
          });
        }
      });
    }
  });
}
