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

/**
 * Every text an error shows a user or a log: for the error and each error in
 * its `cause` chain (up to 6 deep), the message, the stack and the JSON of
 * `toJSON()` when it has one; a thrown non-error as its `String()`.
 */
export function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      texts.push(current.message, String(current.stack ?? ''));
      const json = (current as { toJSON?: () => unknown }).toJSON;
      if (typeof json === 'function') texts.push(JSON.stringify(json.call(current)));
      current = current.cause;
    } else {
      texts.push(String(current));
      break;
    }
  }
  return texts;
}
