// @vitest-environment happy-dom
import type { StructuredLLMError } from '@structllm/core';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode, useEffect } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type UseStructuredStreamOptions,
  type UseStructuredStreamResult,
  useStructuredStream,
} from '../src/index.ts';
import { type Profile, profile, profileModel, startServer, type TestServer } from './support.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  cleanup();
  for (const server of servers.splice(0)) await server.close();
});

async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const started = await startServer(...args);
  servers.push(started);
  // The page is served by this server: requests to it are same-origin, as in an app.
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(
    `${started.url}/`,
  );
  return started;
}

type Hook = UseStructuredStreamResult<Profile, { prompt: string }>;

function Probe({
  options,
  submitOnMount,
  onRender,
}: {
  options: UseStructuredStreamOptions<Profile, { prompt: string }>;
  submitOnMount: string | undefined;
  onRender: (hook: Hook) => void;
}) {
  const hook = useStructuredStream<Profile, { prompt: string }>(options);
  onRender(hook);
  const { submit } = hook;
  useEffect(() => {
    if (submitOnMount !== undefined) submit({ prompt: submitOnMount });
  }, [submit, submitOnMount]);
  return (
    <p data-testid="status">
      {hook.status} {hook.progress}
    </p>
  );
}

/** Renders the hook in a component; `seen` has every state it rendered. */
function mount(
  options: UseStructuredStreamOptions<Profile, { prompt: string }>,
  { strict = false, submitOnMount }: { strict?: boolean; submitOnMount?: string } = {},
) {
  const seen: Hook[] = [];
  let latest: Hook | undefined;
  const onRender = (hook: Hook) => {
    latest = hook;
    seen.push(hook);
  };
  const probe = <Probe options={options} submitOnMount={submitOnMount} onRender={onRender} />;
  const view = render(strict ? <StrictMode>{probe}</StrictMode> : probe);
  return {
    seen,
    view,
    get hook(): Hook {
      if (latest === undefined) throw new Error('not rendered');
      return latest;
    },
  };
}

const until = (check: () => void) => waitFor(check, { timeout: 10_000, interval: 5 });

describe('useStructuredStream', { timeout: 20_000 }, () => {
  it('submit streams growing partials with progress to the validated value, then onFinish once', async () => {
    // Each chunk its own event (coalesceMs: 0): the ~60 chunks of this fast model would
    // otherwise cross in one or two events, with no partial in between to watch grow.
    const s = await server({ json: profile, chunkSize: 6, delayMs: 1 }, { coalesceMs: 0 });
    const onFinish = vi.fn();
    const onError = vi.fn();
    const probe = mount({
      api: '/generate',
      responseModel: profileModel,
      onFinish,
      onError,
    });
    expect(probe.hook.status).toBe('idle');
    act(() => probe.hook.submit({ prompt: 'a profile' }));
    expect(probe.hook.status).toBe('streaming');
    await until(() => expect(probe.hook.status).toBe('complete'));

    expect(s.bodies).toEqual([{ prompt: 'a profile' }]);
    expect(probe.hook.partial).toEqual(profile);
    expect(probe.hook.progress).toBe(100);
    expect(probe.hook.attempt).toBe(1);
    expect(probe.hook.error).toBeUndefined();
    expect(onFinish).toHaveBeenCalledTimes(1);
    expect(onFinish).toHaveBeenCalledWith(profile);
    expect(onError).not.toHaveBeenCalled();
    expect(screen.getByTestId('status').textContent).toBe('complete 100');
    // Partials were rendered while streaming, each at least as far along as the one before.
    const streaming = probe.seen.filter((h) => h.status === 'streaming' && h.partial !== undefined);
    expect(streaming.length).toBeGreaterThan(2);
    const skills = streaming.map((h) => (h.partial as Partial<Profile>).skills?.length ?? 0);
    expect(skills).toEqual([...skills].sort((a, b) => a - b));
    const progress = streaming.map((h) => h.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
  });

  it('a retry starts the partial over at attempt 2', async () => {
    const s = await server([
      { json: profile, chunkSize: 6, failAfterChunks: 10 },
      { json: profile, chunkSize: 6, delayMs: 1 },
    ]);
    const probe = mount({ api: '/generate', responseModel: profileModel });
    act(() => probe.hook.submit({ prompt: 'p' }));
    await until(() => expect(probe.hook.status).toBe('complete'));
    expect(probe.hook.attempt).toBe(2);
    expect(probe.hook.partial).toEqual(profile);
    expect(s.provider.calls).toHaveLength(2);
    expect(probe.seen.some((h) => h.attempt === 1 && h.partial !== undefined)).toBe(true);
  });

  it('a failed request ends with its category; onError once, onFinish never', async () => {
    const s = await server({ error: { status: 429, message: 'slow down' } }, { maxRetries: 0 });
    const onFinish = vi.fn();
    const onError = vi.fn<(error: StructuredLLMError) => void>();
    const probe = mount({ api: '/generate', onFinish, onError });
    act(() => probe.hook.submit({ prompt: 'p' }));
    await until(() => expect(probe.hook.status).toBe('failed'));
    expect(probe.hook.error?.category).toBe('rate_limit');
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toBe(probe.hook.error);
    expect(onFinish).not.toHaveBeenCalled();
    await expect(s.requests[0]?.result).rejects.toMatchObject({ category: 'rate_limit' });
  });

  it('a non-200 answer, an unreachable server and a missing endpoint are categorized errors', async () => {
    await server({ json: profile });
    const http = mount({ api: '/nowhere' });
    act(() => http.hook.submit({ prompt: 'p' }));
    await until(() => expect(http.hook.status).toBe('failed'));
    expect(http.hook.error).toMatchObject({ category: 'server', code: 'http_500', status: 500 });

    const closed = await server({ json: profile });
    await closed.close();
    const unreachable = mount({ api: `${closed.url}/generate` });
    act(() => unreachable.hook.submit({ prompt: 'p' }));
    await until(() => expect(unreachable.hook.status).toBe('failed'));
    expect(unreachable.hook.error).toMatchObject({ category: 'network', code: 'fetch_failed' });

    const thrown = mount({
      fetcher: () => Promise.reject(new TypeError('offline')),
    });
    act(() => thrown.hook.submit({ prompt: 'p' }));
    await until(() => expect(thrown.hook.status).toBe('failed'));
    expect(thrown.hook.error).toMatchObject({ category: 'network', code: 'fetch_failed' });

    const none = mount({});
    act(() => none.hook.submit({ prompt: 'p' }));
    await until(() => expect(none.hook.status).toBe('failed'));
    expect(none.hook.error).toMatchObject({ category: 'bad_request', code: 'no_endpoint' });
  });

  it('a fetcher makes the request its own way', async () => {
    const s = await server({ json: profile, chunkSize: 8 });
    const probe = mount({
      fetcher: (input, { signal }) =>
        fetch(`${s.url}/generate`, {
          method: 'POST',
          body: JSON.stringify({ prompt: `${input.prompt}!` }),
          signal,
        }),
      responseModel: profileModel,
    });
    act(() => probe.hook.submit({ prompt: 'mine' }));
    await until(() => expect(probe.hook.status).toBe('complete'));
    expect(s.bodies).toEqual([{ prompt: 'mine!' }]);
    expect(probe.hook.partial).toEqual(profile);
  });

  it('stop() ends the request on the server too', async () => {
    const s = await server({ json: profile, chunkSize: 6, stallAfterChunks: 5 });
    const onError = vi.fn();
    const probe = mount({ api: '/generate', onError });
    act(() => probe.hook.submit({ prompt: 'p' }));
    await until(() => expect(probe.hook.partial).toBeDefined());
    act(() => probe.hook.stop());
    expect(probe.hook.status).toBe('stopped');
    await expect(s.requests[0]?.result).rejects.toMatchObject({ category: 'aborted' });
    await until(() => expect(s.provider.inFlight).toBe(0));
    expect(probe.hook.status).toBe('stopped');
    expect(onError).not.toHaveBeenCalled();
  });

  it('unmounting aborts the running request', async () => {
    const s = await server({ json: profile, chunkSize: 6, stallAfterChunks: 5 });
    const probe = mount({ api: '/generate' });
    act(() => probe.hook.submit({ prompt: 'p' }));
    await until(() => expect(probe.hook.partial).toBeDefined());
    probe.view.unmount();
    await expect(s.requests[0]?.result).rejects.toMatchObject({ category: 'aborted' });
    await until(() => expect(s.provider.inFlight).toBe(0));
  });

  it('a new submit aborts the previous request and shows only the new one', async () => {
    const s = await server((call) =>
      call.messages.some((m) => JSON.stringify(m).includes('first'))
        ? { json: { ...profile, name: 'First' }, chunkSize: 6, stallAfterChunks: 5 }
        : { json: profile, chunkSize: 6 },
    );
    const probe = mount({ api: '/generate', responseModel: profileModel });
    act(() => probe.hook.submit({ prompt: 'first' }));
    await until(() => expect(probe.hook.partial).toBeDefined());
    act(() => probe.hook.submit({ prompt: 'second' }));
    await until(() => expect(probe.hook.status).toBe('complete'));
    expect(probe.hook.partial).toEqual(profile);
    await expect(s.requests[0]?.result).rejects.toMatchObject({ category: 'aborted' });
    // Nothing of the first request was rendered after the second was submitted.
    const afterSecond = probe.seen.slice(
      probe.seen.findLastIndex((h) => h.partial === undefined && h.status === 'streaming'),
    );
    expect(
      afterSecond.some((h) => (h.partial as Partial<Profile> | undefined)?.name === 'First'),
    ).toBe(false);
  });

  it('StrictMode: a submit in a mount effect makes one request, not two', async () => {
    const s = await server({ json: profile, chunkSize: 6 });
    const probe = mount(
      { api: '/generate', responseModel: profileModel },
      { strict: true, submitOnMount: 'once' },
    );
    await until(() => expect(probe.hook.status).toBe('complete'));
    expect(probe.hook.partial).toEqual(profile);
    expect(s.bodies).toEqual([{ prompt: 'once' }]);
    expect(s.requests).toHaveLength(1);
  });

  it('resume(id) re-attaches to a running run after the first reader went away', async () => {
    const s = await server({ json: profile, chunkSize: 4, delayMs: 2 }, { resumable: true });
    const first = mount({ api: '/generate', responseModel: profileModel });
    act(() => first.hook.submit({ prompt: 'p' }));
    await until(() => expect(first.hook.runId).toBeDefined());
    const runId = first.hook.runId as string;
    expect(first.hook.resumeUrl).toBe(`/runs/${runId}`);
    first.view.unmount(); // the page reloads: the run goes on, detached

    const onFinish = vi.fn();
    const second = mount({
      resumeUrl: (id) => `/runs/${id}`,
      responseModel: profileModel,
      onFinish,
    });
    act(() => second.hook.resume(runId));
    await until(() => expect(second.hook.status).toBe('complete'));
    expect(second.hook.partial).toEqual(profile);
    expect(second.hook.runId).toBe(runId);
    expect(onFinish).toHaveBeenCalledWith(profile);
    expect(s.requests).toHaveLength(1);
    await expect(s.requests[0]?.result).resolves.toEqual(profile);

    const unknown = mount({ resumeUrl: (id) => `/runs/${id}` });
    act(() => unknown.hook.resume('no-such-run'));
    await until(() => expect(unknown.hook.status).toBe('failed'));
    expect(unknown.hook.error).toMatchObject({ code: 'unknown_run', status: 404 });
  });
});
