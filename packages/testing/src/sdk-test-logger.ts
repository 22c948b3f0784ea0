import { format } from 'node:util';

/** What the `openai` and `@anthropic-ai/sdk` clients print for an event they cannot parse. */
const UNPARSABLE_EVENT = /^(Could not parse message into JSON|From chunk:)/;

/** A logger for SDK clients in tests, keeping the lines a test provokes on purpose. */
export interface SdkTestLogger {
  /** The SDK's lines about events it could not parse, held back from the test log. */
  readonly expected: readonly string[];
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/**
 * The `logger` to give an SDK client (`new OpenAI({ logger })`, or a provider's
 * `clientOptions.logger`) in tests that send malformed events on purpose: the SDKs print
 * each event they cannot parse, and those lines are kept in `expected` (for the test to
 * assert) instead of filling the test log. Anything else goes to the console as usual.
 */
export function sdkTestLogger(): SdkTestLogger {
  const expected: string[] = [];
  return {
    expected,
    error: (...args) => {
      const line = format(...args);
      if (UNPARSABLE_EVENT.test(line)) expected.push(line);
      else console.error(...args);
    },
    warn: (...args) => console.warn(...args),
    info: (...args) => console.info(...args),
    debug: (...args) => console.debug(...args),
  };
}
