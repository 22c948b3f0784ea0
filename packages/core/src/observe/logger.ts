/** Any logger with these four methods works: console, pino, winston, bunyan. */
export interface Logger {
  debug(message: string, data?: Readonly<Record<string, unknown>>): void;
  info(message: string, data?: Readonly<Record<string, unknown>>): void;
  warn(message: string, data?: Readonly<Record<string, unknown>>): void;
  error(message: string, data?: Readonly<Record<string, unknown>>): void;
}

const ignore = (): void => {};

/** The default: says nothing. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * Wraps a user logger so that a logger that throws never breaks a request,
 * and `pino`-style loggers (data first) still get the message.
 */
export function safeLogger(logger: Logger | undefined): Logger {
  if (logger === undefined) return silentLogger;
  const call =
    (level: keyof Logger) =>
    (message: string, data?: Readonly<Record<string, unknown>>): void => {
      try {
        if (data === undefined) logger[level](message);
        else logger[level](message, data);
      } catch {
        // A broken logger must not take the request down with it.
      }
    };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}
