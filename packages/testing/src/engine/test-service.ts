import {
  type ProgressEvent,
  StructuredLLMService,
  type StructuredLLMServiceOptions,
  type StructuredProvider,
} from '@structllm/core';
import {
  createMockProvider,
  type MockProvider,
  type MockProviderOptions,
} from '../mock-provider.ts';

/** Retries at once: no backoff, no jitter, so tests need neither real waits nor fake timers. */
const INSTANT_RETRY = { baseDelayMs: 0, maxDelayMs: 0, random: () => 0 } as const;

/**
 * A `StructuredLLMService` for tests. Differs from the defaults only where a
 * test wants it to: retries happen at once (backoff 0 ms; a provider's
 * `retry-after` is still honoured), and `defaultModel` is
 * `<first provider's id>/model`. Anything in `options` wins.
 */
export function createTestService(
  providers: StructuredProvider | readonly StructuredProvider[],
  options: Partial<StructuredLLMServiceOptions> = {},
): StructuredLLMService {
  const list: readonly StructuredProvider[] = Array.isArray(providers) ? providers : [providers];
  const first = list[0];
  return new StructuredLLMService({
    providers: list,
    ...(first === undefined ? {} : { defaultModel: `${first.id}/model` }),
    retry: INSTANT_RETRY,
    ...options,
  });
}

/** A mock provider, a service over it, and the progress events of the requests that opt in. */
export interface MockService {
  readonly provider: MockProvider;
  readonly service: StructuredLLMService;
  /** Every event passed to {@link MockService.onProgress}, in order. */
  readonly events: ProgressEvent[];
  /** Pass as a request's `progressCallback` to record its events in `events`. */
  readonly onProgress: (event: ProgressEvent) => void;
}

/**
 * {@link createMockProvider} with `providerOptions`, wrapped in
 * {@link createTestService} (with `serviceOptions`): the usual first lines of
 * a test of application code or of a response model.
 */
export function createMockService(
  providerOptions: MockProviderOptions,
  serviceOptions: Partial<StructuredLLMServiceOptions> = {},
): MockService {
  const provider = createMockProvider(providerOptions);
  const events: ProgressEvent[] = [];
  return {
    provider,
    service: createTestService(provider, serviceOptions),
    events,
    onProgress: (event) => {
      events.push(event);
    },
  };
}
