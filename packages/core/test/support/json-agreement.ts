/**
 * Checks that a partial value "agrees" with the final value: everything it shows
 * will still be there at the end. Strings may be prefixes; numbers, booleans and
 * null must be final; arrays may be shorter; objects may lack keys.
 * Returns a description of the first disagreement, or undefined.
 */
export function disagreement(partial: unknown, final: unknown, path = '$'): string | undefined {
  if (partial === undefined) return undefined;
  if (typeof final === 'string') {
    if (typeof partial !== 'string' || !final.startsWith(partial)) {
      return `${path}: ${JSON.stringify(partial)} is not a prefix of ${JSON.stringify(final)}`;
    }
    return undefined;
  }
  if (final === null || typeof final !== 'object') {
    return Object.is(partial, final)
      ? undefined
      : `${path}: ${String(partial)} differs from final ${String(final)}`;
  }
  if (Array.isArray(final)) {
    if (!Array.isArray(partial)) return `${path}: expected an array`;
    if (partial.length > final.length) return `${path}: partial array is longer than the final one`;
    for (let i = 0; i < partial.length; i++) {
      const found = disagreement(partial[i], final[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    return `${path}: expected an object`;
  }
  if (Object.getPrototypeOf(partial) !== Object.prototype) return `${path}: prototype changed`;
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(final, key))
      return `${path}: key ${JSON.stringify(key)} is not in the final value`;
    const found = disagreement(
      (partial as Record<string, unknown>)[key],
      (final as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (found) return found;
  }
  return undefined;
}
