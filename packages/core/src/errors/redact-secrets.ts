/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Shorter secrets are left alone: they would match ordinary text and protect nothing. */
const MIN_SECRET_LENGTH = 4;
/** How deep {@link redactDeep} copies; deeper values become `'[…]'`. */
const MAX_REDACT_DEPTH = 8;

function usable(secrets: readonly (string | undefined)[]): string[] {
  return secrets
    .filter(
      (secret): secret is string => secret !== undefined && secret.length >= MIN_SECRET_LENGTH,
    )
    .sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of each secret (an API key, a token) in `text` with
 * `[redacted]`, so a provider can put a server's message into a
 * `StructuredLLMError` even when the server echoed the key back. Longer secrets
 * go first, so a secret inside another leaves no part of the longer one behind.
 * `undefined` entries and secrets under 4 characters are ignored.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  return replaceAll(text, usable(secrets));
}

/** `text` with each of `secrets` (already filtered and ordered by {@link usable}) replaced. */
function replaceAll(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

/** Errors down a `cause` chain that {@link causeWithoutSecrets} reads, after the first. */
const MAX_CAUSE_LINKS = 8;

/**
 * `cause` when it is an `Error` whose message and stack show none of the
 * secrets, and neither do those of the errors down its own `cause` chain (8
 * deep), else `undefined`: an SDK's error is kept as a cause for debugging only
 * when it cannot leak a key (its text cannot be redacted in place).
 */
export function causeWithoutSecrets(
  cause: unknown,
  secrets: readonly (string | undefined)[],
): Error | undefined {
  if (!(cause instanceof Error)) return undefined;
  const keys = usable(secrets);
  let link: unknown = cause;
  for (let depth = 0; link instanceof Error && depth <= MAX_CAUSE_LINKS; depth++) {
    const text = `${link.message}\n${String(link.stack ?? '')}`;
    if (replaceAll(text, keys) !== text) return undefined;
    link = link.cause;
  }
  return cause;
}

/**
 * A copy of `value` safe to log: every string (keys included) redacted,
 * `Headers`, `Map`s and other iterables of entries turned into plain objects,
 * errors into `{ name, message, stack }`; cycles become `'[circular]'` and
 * anything nested deeper than 8 levels `'[…]'`. Numbers, booleans and the like
 * are kept as they are.
 */
export function redactDeep(value: unknown, secrets: readonly (string | undefined)[]): unknown {
  const keys = usable(secrets);
  if (keys.length === 0) return value;
  const seen = new Set<object>();
  const text = (s: string): string => replaceAll(s, keys);
  const copy = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') return text(item);
    if (typeof item !== 'object' || item === null) return item;
    if (seen.has(item)) return '[circular]';
    if (depth >= MAX_REDACT_DEPTH) return '[…]';
    seen.add(item);
    try {
      if (item instanceof Error) {
        return {
          name: item.name,
          message: text(item.message),
          stack: text(String(item.stack ?? '')),
        };
      }
      if (Array.isArray(item)) return item.map((entry) => copy(entry, depth + 1));
      const entries = (item as { entries?: unknown }).entries;
      const pairs: Iterable<unknown> =
        typeof entries === 'function' && !isPlainObject(item)
          ? (entries.call(item) as Iterable<unknown>)
          : Object.entries(item);
      const out: Record<string, unknown> = {};
      for (const pair of pairs) {
        if (!Array.isArray(pair) || pair.length < 2) continue;
        Object.defineProperty(out, text(String(pair[0])), {
          value: copy(pair[1], depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      seen.delete(item);
    }
  };
  return copy(value, 0);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The logger shape the official SDKs take (`clientOptions.logger`): console, pino, winston… */
export interface LogMethods {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/**
 * Wraps a logger so that nothing it is given shows a secret: every argument
 * goes through {@link redactDeep}. Providers hand it to the SDK clients they
 * build, because at debug level (`OPENAI_LOG=debug`, `ANTHROPIC_LOG=debug`) the
 * SDKs log response headers and error bodies, which hold the key when a server
 * echoes it back.
 */
export function redactingLogger(
  target: LogMethods,
  secrets: readonly (string | undefined)[],
): LogMethods {
  const wrap =
    (method: 'error' | 'warn' | 'info' | 'debug') =>
    (...args: unknown[]): void => {
      target[method](...args.map((arg) => redactDeep(arg, secrets)));
    };
  return { error: wrap('error'), warn: wrap('warn'), info: wrap('info'), debug: wrap('debug') };
}
