import type { ConformanceCheck } from './check-tools.ts';
import { CONFORMANCE_VALUES, collectStream, eventually, makeCall, within } from './collect.ts';

/** Aborts through `call.signal`: prompt, categorised `aborted`, and the connection released. */
export const abortChecks: readonly ConformanceCheck[] = [
  {
    group: 'aborts',
    name: 'aborting mid-stream ends the stream promptly as aborted and releases the connection',
    async run(t) {
      const controller = new AbortController();
      t.server.enqueue(
        t.generate(CONFORMANCE_VALUES[0], {
          chunkSize: 4,
          fault: { type: 'stall', afterChunks: 2 },
        }),
      );
      const call = makeCall(t.model, t.firstMode(), controller.signal);
      const outcome = await within(
        collectStream(t.provider, call, (part) => {
          if (part.type === 'text-delta') controller.abort();
        }),
        t.abortTimeoutMs,
        'the aborted stream',
      );
      t.expectStreamError(outcome, ['aborted']);
      await eventually(
        () => t.server.openResponses === 0,
        t.abortTimeoutMs,
        'the connection was not released',
      );
    },
  },
  {
    group: 'aborts',
    name: 'aborting before the response starts rejects promptly as aborted',
    async run(t) {
      const controller = new AbortController();
      t.server.enqueue({ kind: 'generate', json: {}, fault: { type: 'stall-before-headers' } });
      const running = collectStream(
        t.provider,
        makeCall(t.model, t.firstMode(), controller.signal),
      );
      await eventually(
        () => t.server.requests.length === 1,
        t.abortTimeoutMs,
        'no request arrived',
      );
      controller.abort();
      const outcome = await within(running, t.abortTimeoutMs, 'the aborted call');
      t.expectStreamError(outcome, ['aborted']);
      await eventually(
        () => t.server.openResponses === 0,
        t.abortTimeoutMs,
        'the connection was not released',
      );
    },
  },
  {
    group: 'aborts',
    name: 'an already-aborted signal fails as aborted',
    async run(t) {
      t.server.setDefault(t.generate(CONFORMANCE_VALUES[0]));
      const outcome = await within(
        collectStream(t.provider, makeCall(t.model, t.firstMode(), AbortSignal.abort())),
        t.abortTimeoutMs,
        'the aborted call',
      );
      t.expectStreamError(outcome, ['aborted']);
    },
  },
  {
    group: 'aborts',
    name: 'aborting doGenerate rejects promptly as aborted',
    async run(t) {
      const controller = new AbortController();
      t.server.enqueue({ kind: 'generate', json: {}, fault: { type: 'stall-before-headers' } });
      const running = t.provider
        .doGenerate(makeCall(t.model, t.firstMode(), controller.signal))
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      await eventually(
        () => t.server.requests.length === 1,
        t.abortTimeoutMs,
        'no request arrived',
      );
      controller.abort();
      t.expectCategory(await within(running, t.abortTimeoutMs, 'the aborted call'), ['aborted']);
    },
  },
];
