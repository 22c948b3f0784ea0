import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { WireDialect, WireScript, WireScriptFactory, WireServer } from '../wire/types.ts';
import { noScript, startWireServer } from '../wire/wire-server.ts';

export interface UseWireServerOptions {
  /**
   * The script for requests nothing was queued for, restored before each test.
   * Default: a 500 saying no script was queued.
   */
  readonly defaultScript?: WireScript | WireScriptFactory;
}

/**
 * One fake wire server for the tests of the current file or `describe`:
 * started in `beforeAll`, closed in `afterAll`, and before each test cleared
 * of recorded requests and queued scripts with its default script restored —
 * so no test sees what another queued, recorded or set as default.
 *
 * Returns a handle usable at once (e.g. `const server = useWireServer('openai')`
 * at the top of a file); its members reach the running server, so read them
 * inside tests and hooks, not while the file is being collected.
 */
export function useWireServer(
  dialect: WireDialect,
  options: UseWireServerOptions = {},
): WireServer {
  let current: WireServer | undefined;
  const running = (): WireServer => {
    if (current === undefined) {
      throw new Error(
        `useWireServer('${dialect}'): the server runs from beforeAll to afterAll; use it inside a test or hook`,
      );
    }
    return current;
  };

  beforeAll(async () => {
    current = await startWireServer({ dialect });
  });
  afterAll(async () => {
    await current?.close();
    current = undefined;
  });
  beforeEach(() => {
    const server = running();
    server.reset();
    server.setDefault(options.defaultScript ?? noScript());
  });

  return {
    dialect,
    get url() {
      return running().url;
    },
    get baseURL() {
      return running().baseURL;
    },
    get port() {
      return running().port;
    },
    get requests() {
      return running().requests;
    },
    get openResponses() {
      return running().openResponses;
    },
    enqueue: (...scripts) => running().enqueue(...scripts),
    setDefault: (script) => running().setDefault(script),
    reset: () => running().reset(),
    close: () => running().close(),
    [Symbol.asyncDispose]: () => running().close(),
  };
}
