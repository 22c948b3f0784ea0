import type { StructuredProvider } from '@structllm/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { WireDialect, WireServer } from '../wire/types.ts';
import { startWireServer } from '../wire/wire-server.ts';
import { abortChecks } from './abort-checks.ts';
import { type CheckTools, type ConformanceCheck, createCheckTools } from './check-tools.ts';
import { engineChecks } from './engine-checks.ts';
import { faultChecks } from './fault-checks.ts';
import { fixtureChecks } from './fixture-checks.ts';
import { streamChecks } from './stream-checks.ts';

/** What `createProvider` gets: where the fake API listens and the key to send. */
export interface ConformanceContext {
  /** Pass as the SDK's `baseURL` (see {@link WireServer.baseURL}). */
  readonly baseURL: string;
  /** A fake key; the suite checks it is sent and never appears in an error. */
  readonly apiKey: string;
  readonly server: WireServer;
}

export interface ProviderConformanceOptions {
  /** Shown in the suite title. Default: the dialect. */
  readonly name?: string;
  /** The wire API the provider speaks; the suite starts that fake server. */
  readonly dialect: WireDialect;
  /**
   * Builds the provider under test, pointed at the fake server. Called once per
   * check. Switch SDK retries off (`maxRetries: 0`): the suite checks that each
   * call makes exactly one request.
   */
  readonly createProvider: (context: ConformanceContext) => StructuredProvider;
  /** The model id passed in calls (prefix already removed). Default `'conformance-model'`. */
  readonly model?: string;
  /** How long an aborted call may take to end, in real milliseconds. Default 2000. */
  readonly abortTimeoutMs?: number;
  /** Replay every recorded fixture of the dialect. Default true. */
  readonly fixtures?: boolean;
}

/** Every check of the suite for a dialect, in order (also usable one by one, see {@link prepareConformanceCheck}). */
export function conformanceChecks(
  dialect: WireDialect,
  options: { readonly fixtures?: boolean } = {},
): readonly ConformanceCheck[] {
  return [
    ...streamChecks,
    ...faultChecks,
    ...abortChecks,
    ...engineChecks,
    ...((options.fixtures ?? true) ? fixtureChecks(dialect) : []),
  ];
}

function randomKey(): string {
  let hex = '';
  for (let i = 0; i < 24; i++) hex += Math.floor(Math.random() * 16).toString(16);
  return `sk-conformance-${hex}`;
}

/**
 * The tools for running checks against a provider outside the suite: call
 * `prepare()` before each check (it resets the server and makes a fresh
 * provider), then `check.run(tools)`.
 */
export function prepareConformanceCheck(
  options: ProviderConformanceOptions,
  server: WireServer,
): () => CheckTools {
  const apiKey = randomKey();
  return () => {
    server.reset();
    server.setDefault({
      kind: 'error',
      status: 500,
      message: 'conformance: a request nobody scripted (a retry?)',
    });
    return createCheckTools({
      dialect: options.dialect,
      provider: options.createProvider({ baseURL: server.baseURL, apiKey, server }),
      server,
      model: options.model ?? 'conformance-model',
      apiKey,
      abortTimeoutMs: options.abortTimeoutMs ?? 2000,
    });
  };
}

/**
 * Registers the shared vitest suite every structllm provider passes, run
 * against a fake wire server: streaming and non-streaming in every mode the
 * provider `supports()`, usage and metadata, each HTTP status and mid-stream
 * fault mapped to the right `StructuredLLMError` category, refusals, length,
 * keep-alives, aborts that end promptly and release the connection, no SDK
 * retries, no API key in any error, and every recorded fixture of the dialect.
 *
 * Call it at the top level of a test file (it calls `describe`).
 */
export function runProviderConformance(options: ProviderConformanceOptions): void {
  const checks = conformanceChecks(options.dialect, options);
  const groups = [...new Set(checks.map((check) => check.group))];
  let server: WireServer | undefined;
  let prepare: (() => CheckTools) | undefined;

  describe(`provider conformance: ${options.name ?? options.dialect} (${options.dialect} wire)`, () => {
    beforeAll(async () => {
      server = await startWireServer({ dialect: options.dialect });
      prepare = prepareConformanceCheck(options, server);
    });
    afterAll(async () => {
      await server?.close();
    });

    for (const group of groups) {
      describe(group, () => {
        for (const check of checks.filter((candidate) => candidate.group === group)) {
          it(check.name, async (context) => {
            if (prepare === undefined) throw new Error('the fake server did not start');
            const tools = prepare();
            const reason = check.skip?.(tools);
            if (reason !== undefined) {
              context.skip(reason);
              return;
            }
            await check.run(tools);
          });
        }
      });
    }
  });
}
