import { categoryForStatus } from '@structllm/core/provider';
import { expect } from 'vitest';
import type { ConformanceCheck } from './check-tools.ts';
import { CONFORMANCE_VALUES } from './collect.ts';

const STATUS_CASES: readonly number[] = [400, 401, 403, 408, 422, 429, 500, 502, 503, 529];
const value = CONFORMANCE_VALUES[0];
const fullText = JSON.stringify(value);

const httpErrorChecks: ConformanceCheck[] = STATUS_CASES.map((status) => ({
  group: 'HTTP errors',
  name: `${status} → ${categoryForStatus(status)}, with one request and no key in the error`,
  async run(t) {
    const outcome = await t.streamWith({ kind: 'error', status });
    const error = t.expectStreamError(outcome, [categoryForStatus(status)]);
    expect(error.status).toBe(status);
    expect(t.server.requests, 'no SDK retries').toHaveLength(1);
  },
}));

/** HTTP statuses, mid-stream faults, refusals, content filters and length. */
export const faultChecks: readonly ConformanceCheck[] = [
  ...httpErrorChecks,
  {
    group: 'HTTP errors',
    name: '429 reads retry-after (seconds) and retry-after-ms into retryAfterMs',
    async run(t) {
      const seconds = await t.streamWith({ kind: 'error', status: 429, retryAfter: 3 });
      expect(t.expectStreamError(seconds, ['rate_limit']).retryAfterMs).toBe(3000);
      const millis = await t.streamWith({ kind: 'error', status: 429, retryAfterMs: 1500 });
      expect(t.expectStreamError(millis, ['rate_limit']).retryAfterMs).toBe(1500);
      const both = await t.streamWith({
        kind: 'error',
        status: 429,
        retryAfter: 9,
        retryAfterMs: 250,
      });
      expect(t.expectStreamError(both, ['rate_limit']).retryAfterMs).toBe(250);
    },
  },
  {
    group: 'mid-stream faults',
    name: 'a mid-stream server error event fails the stream as server',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(value, { chunkSize: 4, fault: { type: 'error-event', afterChunks: 2 } }),
      );
      expect(fullText.startsWith(outcome.text)).toBe(true);
      if (outcome.error === undefined) {
        // Also acceptable: finish reason "error", which the engine reports as server.
        expect(outcome.finish?.finishReason).toBe('error');
      } else t.expectStreamError(outcome, ['server']);
    },
  },
  {
    group: 'mid-stream faults',
    name: 'a mid-stream rate-limit error event fails the stream as rate_limit',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(value, {
          chunkSize: 4,
          fault: { type: 'error-event', afterChunks: 2, status: 429 },
        }),
      );
      t.expectStreamError(outcome, ['rate_limit']);
    },
  },
  {
    group: 'mid-stream faults',
    name: 'a stream cut off without a finish never claims to have finished',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(value, { chunkSize: 4, fault: { type: 'truncate', afterChunks: 3 } }),
      );
      expect(fullText.startsWith(outcome.text)).toBe(true);
      expect(outcome.finish, 'a truncated stream yields no finish part').toBeUndefined();
      // Failing as network or parse, or ending without a finish (the engine then fails to parse).
      if (outcome.error !== undefined) t.expectStreamError(outcome, ['network', 'parse']);
    },
  },
  {
    group: 'mid-stream faults',
    name: 'a connection reset mid-stream fails as network',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(value, { chunkSize: 4, fault: { type: 'reset', afterChunks: 2 } }),
      );
      expect(t.expectStreamError(outcome, ['network']).retryable).toBe(true);
    },
  },
  {
    group: 'mid-stream faults',
    name: 'a connection reset before any response fails as network',
    async run(t) {
      const outcome = await t.streamWith({ kind: 'reset' });
      expect(t.expectStreamError(outcome, ['network']).retryable).toBe(true);
    },
  },
  {
    group: 'mid-stream faults',
    name: 'an event that is not JSON fails with a retryable error',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(value, { chunkSize: 4, fault: { type: 'malformed-event', afterChunks: 2 } }),
      );
      const error = t.expectStreamError(outcome, ['server', 'network', 'parse']);
      expect(error.retryable).toBe(true);
    },
  },
  {
    group: 'refusals and limits',
    name: 'a refusal ends as content_filter',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(undefined, { refusal: "I can't help with that." }),
      );
      if (outcome.error === undefined) {
        expect(outcome.finish?.finishReason).toBe('content_filter');
      } else t.expectStreamError(outcome, ['content_filter']);
    },
  },
  {
    group: 'refusals and limits',
    name: 'a content filter ends as content_filter',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(undefined, { text: '{"name": "A', finish: 'content_filter' }),
      );
      if (outcome.error === undefined) {
        expect(outcome.finish?.finishReason).toBe('content_filter');
      } else t.expectStreamError(outcome, ['content_filter']);
    },
  },
  {
    group: 'refusals and limits',
    name: 'an output token limit ends with finish reason "length" and the partial text',
    async run(t) {
      const outcome = await t.streamWith(
        t.generate(undefined, { text: '{"name": "Ad', finish: 'length' }),
      );
      expect(outcome.error, String(outcome.error)).toBeUndefined();
      expect(outcome.text).toBe('{"name": "Ad');
      expect(outcome.finish?.finishReason).toBe('length');
    },
  },
];
