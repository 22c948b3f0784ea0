import type { JsonSchema } from '../schema/index.ts';

export interface ProgressEstimate {
  /** The response model's name: sizes are learned per model. */
  readonly key: string;
  readonly schema: JsonSchema;
  /** Characters of JSON received in this attempt. */
  readonly receivedChars: number;
  /** The partial value so far. */
  readonly partial: unknown;
}

/** Estimates how far along an answer is. Plug in your own through the service's `progressEstimator` option. */
export interface ProgressEstimator {
  /** A fraction in [0, 1). The engine keeps it monotonic and reaches 1 only after validation. */
  estimate(input: ProgressEstimate): number;
  /** Called with the size of every validated answer. */
  learn(key: string, finalChars: number): void;
}

interface SizeStats {
  mean: number;
  count: number;
}

/** Top-level fields a schema asks for (properties of an object root; 0 when unknown). */
function expectedFields(schema: JsonSchema): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return [];
  return Object.keys(properties);
}

/**
 * The default estimator. It combines two honest signals:
 * - **schema coverage**: the share of the schema's top-level fields already present
 *   (a field counts as done once the next one has started, or the value is complete);
 * - **expected size**: characters received against the mean size of earlier
 *   validated answers for the same response model (learned as it goes).
 * With no history yet it leans on coverage, and on a slowly saturating curve of
 * the size so a long single field still moves the bar.
 */
export function createProgressEstimator(
  options: { readonly coldStartChars?: number } = {},
): ProgressEstimator {
  const coldStartChars = options.coldStartChars ?? 2000;
  const sizes = new Map<string, SizeStats>();
  const fieldsBySchema = new WeakMap<object, string[]>();

  function fieldsOf(schema: JsonSchema): string[] {
    if (typeof schema !== 'object' || schema === null) return [];
    let fields = fieldsBySchema.get(schema);
    if (fields === undefined) {
      fields = expectedFields(schema);
      fieldsBySchema.set(schema, fields);
    }
    return fields;
  }

  function coverage(schema: JsonSchema, partial: unknown): number | undefined {
    const fields = fieldsOf(schema);
    if (fields.length === 0 || typeof partial !== 'object' || partial === null) return undefined;
    let present = 0;
    for (const field of fields) if (Object.hasOwn(partial, field)) present++;
    // The last present field may still be growing: count it as half done.
    return present === 0 ? 0 : (present - 0.5) / fields.length;
  }

  return {
    estimate({ key, schema, receivedChars, partial }) {
      const stats = sizes.get(key);
      const covered = coverage(schema, partial);
      const bySize =
        stats !== undefined
          ? Math.min(0.99, receivedChars / stats.mean)
          : 1 - Math.exp(-receivedChars / coldStartChars);
      let fraction: number;
      if (covered === undefined) fraction = bySize;
      else if (stats !== undefined) fraction = 0.7 * bySize + 0.3 * covered;
      else fraction = 0.6 * covered + 0.4 * bySize;
      return Math.max(0, Math.min(0.99, fraction));
    },
    learn(key, finalChars) {
      if (!(finalChars > 0)) return;
      const stats = sizes.get(key);
      if (stats === undefined) sizes.set(key, { mean: finalChars, count: 1 });
      else {
        // A running mean that favours recent answers once there are a few.
        const weight = 1 / Math.min(stats.count + 1, 10);
        stats.mean += (finalChars - stats.mean) * weight;
        stats.count++;
      }
    },
  };
}
