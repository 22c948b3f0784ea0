/**
 * Exact comparison of a parsed value with `JSON.parse`'s: same types, `Object.is`
 * for numbers (so `-0` counts), same prototypes, same keys in the same order.
 */

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? 'object' : `${typeof value} ${String(value)}`;
}

/** Returns where and how `actual` first differs from `expected`, or `undefined` when equal. */
function firstDifference(actual: unknown, expected: unknown): string | undefined {
  // Explicit stack: documents can be deep, and this must not recurse.
  const stack: { a: unknown; e: unknown; path: string }[] = [{ a: actual, e: expected, path: '$' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { a, e, path } = item;
    if (typeof e !== 'object' || e === null) {
      if (!Object.is(a, e)) return `${path}: got ${describe(a)}, expected ${describe(e)}`;
      continue;
    }
    if (typeof a !== 'object' || a === null || Array.isArray(a) !== Array.isArray(e)) {
      return `${path}: got ${describe(a)}, expected ${describe(e)}`;
    }
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(e)) {
      return `${path}: prototype differs from JSON.parse's`;
    }
    const aKeys = Object.keys(a);
    const eKeys = Object.keys(e);
    if (aKeys.length !== eKeys.length || aKeys.some((k, i) => k !== eKeys[i])) {
      return `${path}: keys [${aKeys.slice(0, 8).join(', ')}…] differ from [${eKeys.slice(0, 8).join(', ')}…]`;
    }
    const aRecord = a as Record<string, unknown>;
    const eRecord = e as Record<string, unknown>;
    for (let i = eKeys.length - 1; i >= 0; i--) {
      const key = eKeys[i] as string;
      stack.push({
        a: aRecord[key],
        e: eRecord[key],
        path: Array.isArray(e) ? `${path}[${key}]` : `${path}.${key}`,
      });
    }
  }
  return undefined;
}

class VerificationError extends Error {
  override readonly name = 'VerificationError';
}

/** Throws a {@link VerificationError} naming the contender and the first difference. */
export function assertSameValue(
  contender: string,
  document: string,
  actual: unknown,
  expected: unknown,
): void {
  const difference = firstDifference(actual, expected);
  if (difference !== undefined) {
    throw new VerificationError(
      `${contender} on the ${document} document does not reproduce JSON.parse: ${difference}`,
    );
  }
}
