import { format, inspect } from 'node:util';

/** Where {@link findSecret} found a secret, without repeating it. */
export interface SecretLeak {
  /**
   * What was found: `'bearer'` an `Authorization`-style `Bearer <secret>`,
   * `'secret'` the secret itself, `'tail'` its last characters (as a key
   * masked like `sk-…4f1d` would show them).
   */
  readonly form: 'bearer' | 'secret' | 'tail';
  /** Which text of the haystack (0 for a single string). */
  readonly text: number;
  /** Where in that text the match starts. */
  readonly offset: number;
}

export interface FindSecretOptions {
  /** How many trailing characters count as the tail. Default 8. */
  readonly tailLength?: number;
}

const DEFAULT_TAIL_LENGTH = 8;

/**
 * Looks for a secret (an API key, a token) in what a user could see — error
 * messages, stacks, logs, serialized metrics — in three forms: the secret, the
 * secret after `Bearer `, and its last `tailLength` characters. Returns the
 * first leak, or `undefined` when there is none:
 *
 * ```ts
 * expect(findSecret(errorTexts(error), apiKey)).toBeUndefined();
 * ```
 *
 * The result names the form and position only, so a failing assertion does
 * not print the secret. Throws a `RangeError` for a secret shorter than
 * `tailLength` characters: any text could contain one by chance.
 */
export function findSecret(
  haystack: string | readonly string[],
  secret: string,
  options: FindSecretOptions = {},
): SecretLeak | undefined {
  const tailLength = options.tailLength ?? DEFAULT_TAIL_LENGTH;
  if (!Number.isInteger(tailLength) || tailLength < 1) {
    throw new RangeError(`tailLength must be a whole number >= 1, got ${String(tailLength)}`);
  }
  if (secret.length < tailLength) {
    throw new RangeError(
      `findSecret: a secret of ${secret.length} characters is too short to search for (at least ${tailLength})`,
    );
  }
  const texts = typeof haystack === 'string' ? [haystack] : haystack;
  const bearer = new RegExp(`bearer\\s+${escapeRegExp(secret)}`, 'i');
  const tail = secret.slice(-tailLength);
  for (const [index, text] of texts.entries()) {
    const bearerAt = text.search(bearer);
    if (bearerAt >= 0) return { form: 'bearer', text: index, offset: bearerAt };
    const secretAt = text.indexOf(secret);
    if (secretAt >= 0) return { form: 'secret', text: index, offset: secretAt };
    const tailAt = text.indexOf(tail);
    if (tailAt >= 0) return { form: 'tail', text: index, offset: tailAt };
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Everything `util.inspect` can show, however deep and whatever is hidden. */
const IN_FULL = { depth: Number.POSITIVE_INFINITY, showHidden: true } as const;

/** `JSON.stringify(value)`, or nothing when it cannot be serialized (a cycle, a BigInt). */
function json(value: unknown): string[] {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? [] : [text];
  } catch {
    return [];
  }
}

/**
 * Every text a value shows a user or a log — an error, a response, a progress
 * event, an observer's payload:
 *
 * - the value as `util.inspect` prints it (as `console.log` does), as it prints
 *   it with `{ depth: Infinity, showHidden: true }`, as `util.format('%o')`
 *   prints it, and its `JSON.stringify` (when it can be serialized);
 * - for an error and each error down its `cause` chain (6 deep): the message,
 *   the stack, the JSON of `toJSON()` when it has one, and every own property
 *   (enumerable or not, symbols too): a string as it is, anything else as
 *   `util.inspect` prints it in full;
 * - a non-error down the chain as its `String()`.
 */
export function errorTexts(error: unknown): string[] {
  const texts: string[] = [
    inspect(error),
    inspect(error, IN_FULL),
    format('%o', error),
    ...json(error),
  ];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    if (seen.has(current)) break;
    seen.add(current);
    if (current instanceof Error) {
      texts.push(current.message, String(current.stack ?? ''));
      const toJSON = (current as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === 'function') texts.push(...json(toJSON.call(current)));
      for (const key of Reflect.ownKeys(current)) {
        const value: unknown = Reflect.get(current, key);
        texts.push(typeof value === 'string' ? value : inspect(value, IN_FULL));
      }
      current = current.cause;
    } else {
      texts.push(String(current));
      break;
    }
  }
  return texts;
}
