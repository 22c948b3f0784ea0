/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Shorter secrets are left alone: they would match ordinary text and protect nothing. */
const MIN_SECRET_LENGTH = 4;
/** How deep {@link redactDeep} copies; deeper values become `'[…]'`. */
const MAX_REDACT_DEPTH = 8;

/** How many trailing characters of a secret are redacted on their own (a masked key shows them). */
const TAIL_LENGTH = 8;
/** Secrets at least this long also have their last {@link TAIL_LENGTH} characters redacted. */
const MIN_LENGTH_FOR_TAIL = 16;
/** Errors down a `cause` chain that {@link causeWithoutSecrets} copies, after the first. */
const MAX_CAUSE_LINKS = 8;

/**
 * The texts to replace, longest first: each secret of 4 characters or more,
 * and for those of 16 or more also their last 8 characters, which a server
 * masking the key (`sk-…1a2b3c4d`) still shows.
 */
function usable(secrets: readonly (string | undefined)[]): string[] {
  const texts = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    texts.add(secret);
    if (secret.length >= MIN_LENGTH_FOR_TAIL) texts.add(secret.slice(-TAIL_LENGTH));
  }
  return [...texts].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of each secret (an API key, a token) in `text` with
 * `[redacted]`, so a provider can put a server's message into a
 * `StructuredLLMError` even when the server echoed the key back. Longer secrets
 * go first, so a secret inside another leaves no part of the longer one behind.
 * The last 8 characters of a secret of 16 or more are replaced too, wherever
 * they stand (a server masking the key as `sk-…1a2b3c4d` still shows them).
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

/**
 * Fields of an error worth keeping as a short scalar: the HTTP status, the
 * SDK's error type/code, the request id, what a socket error names
 * (`ECONNREFUSED`). Anything else — response headers, the parsed body, the
 * request, client options — is left behind: a server can echo the key there.
 */
const KEPT_FIELDS = ['status', 'code', 'type', 'requestID', 'errno', 'syscall'];

/**
 * A plain, secret-free copy of an error a provider's SDK (or any code) threw,
 * to keep as a `StructuredLLMError`'s `cause`: an `Error` with the original's
 * `name`, `message` and `stack`, its `status`, `code`, `type`, `requestID`,
 * `errno` and `syscall` when they are strings or numbers, and the same copy of
 * its own `cause` (8 deep). Every string has the secrets (and their
 * last 8 characters) replaced. Everything else — response headers, error
 * bodies, request objects — is dropped, so `util.inspect`, `JSON.stringify` or
 * a logger cannot show a key a server echoed there. `undefined` for a
 * non-error.
 */
export function causeWithoutSecrets(
  cause: unknown,
  secrets: readonly (string | undefined)[],
): Error | undefined {
  const keys = usable(secrets);
  const kept = (value: unknown): unknown =>
    typeof value === 'string'
      ? replaceAll(value, keys)
      : Number.isFinite(value)
        ? value
        : undefined;
  const copy = (error: unknown, depth: number): Error | undefined => {
    if (!(error instanceof Error)) return undefined;
    const source = error as unknown as Record<string, unknown>;
    const plain = Object.defineProperties(new Error(kept(error.message) as string), {
      name: { value: kept(String(error.name)) },
      stack: { value: kept(String(error.stack ?? '')) },
    }) as Error & Record<string, unknown>;
    for (const field of KEPT_FIELDS) {
      const value = kept(source[field]);
      if (value !== undefined) plain[field] = value;
    }
    const inner = depth < MAX_CAUSE_LINKS ? copy(error.cause, depth + 1) : undefined;
    if (inner !== undefined) Object.defineProperty(plain, 'cause', { value: inner });
    return plain;
  };
  return copy(cause, 0);
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
