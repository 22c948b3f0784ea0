/**
 * The demo's React page (/react): the same runs as the main page, read with
 * `useStructuredStream` from `@structllm/react`. A small app meant to be
 * copied: a form, the live partial object, progress, attempt, status, Stop,
 * the error's category, and a reload that re-attaches to the running request.
 * Bundled for the browser with esbuild by `assets.ts` (as /assets/react-app.js).
 */
import { useStructuredStream } from '@structllm/react';
import { type FormEvent, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { ReactPageConfig } from './react-page.ts';

/** What the form submits: the body of `POST /api/runs`. */
interface RunInput {
  readonly schema: string;
  readonly prompt: string;
  readonly fault: string;
  readonly maxRetries: number;
}

/** The running request's id, kept while it streams so that a reload re-attaches to it. */
const SAVED_RUN = 'structllm-react-run';

/**
 * The demo server makes a run in two steps: `POST /api/runs` creates it, then
 * `GET /api/runs/:id/events` starts it and streams it. A server with one
 * endpoint would pass `api: '/api/…'` instead of a fetcher.
 */
async function startRun(input: RunInput, { signal }: { signal: AbortSignal }): Promise<Response> {
  const created = await fetch('/api/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
    signal,
  });
  // A refused run (400) is handed to the hook as it is: it becomes a categorized error.
  if (!created.ok) return created;
  const { id } = (await created.json()) as { id: string };
  return fetch(`/api/runs/${id}/events`, { signal });
}

function App({ config }: { config: ReactPageConfig }) {
  const first = config.schemas[0];
  const [schema, setSchema] = useState(first?.id ?? 'profile');
  const [prompt, setPrompt] = useState(first?.prompt ?? '');
  const [fault, setFault] = useState('');
  const [maxRetries, setMaxRetries] = useState(3);

  const { partial, progress, attempt, status, error, runId, submit, stop, resume } =
    useStructuredStream<unknown, RunInput>({
      fetcher: startRun,
      resumeUrl: (id) => `/api/runs/${id}/stream`,
    });

  // After a reload: follow the run this tab started, from its first event.
  useEffect(() => {
    const saved = sessionStorage.getItem(SAVED_RUN);
    if (saved !== null) resume(saved);
  }, [resume]);

  // Keep the id while the run streams; forget it once it has ended.
  useEffect(() => {
    if (status === 'streaming' && runId !== undefined) sessionStorage.setItem(SAVED_RUN, runId);
    if (status === 'complete' || status === 'failed' || status === 'stopped') {
      sessionStorage.removeItem(SAVED_RUN);
    }
  }, [status, runId]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit({ schema, prompt, fault, maxRetries });
  };

  // Stop reading, and cancel the run on the server: a run left alone would go on detached.
  const onStop = () => {
    stop();
    if (runId !== undefined) void fetch(`/api/runs/${runId}/cancel`, { method: 'POST' });
  };

  const chooseSchema = (id: string) => {
    setSchema(id);
    setPrompt(config.schemas.find((option) => option.id === id)?.prompt ?? '');
  };

  return (
    <main>
      <form onSubmit={onSubmit}>
        <label>
          Schema
          <select id="schema" value={schema} onChange={(e) => chooseSchema(e.target.value)}>
            {config.schemas.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Prompt
          <textarea id="prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </label>
        {config.faults.length > 0 && (
          <label>
            Inject a fault into the first call
            <select id="fault" value={fault} onChange={(e) => setFault(e.target.value)}>
              <option value="">none</option>
              {config.faults.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Retries
          <input
            id="max-retries"
            type="number"
            min={0}
            max={10}
            value={maxRetries}
            onChange={(e) => setMaxRetries(Number(e.target.value))}
          />
        </label>
        <div className="buttons">
          <button id="run" type="submit" disabled={status === 'streaming'}>
            Run
          </button>
          <button id="stop" type="button" onClick={onStop} disabled={status !== 'streaming'}>
            Stop
          </button>
        </div>
      </form>

      <section aria-label="Progress">
        <p>
          <span id="status" data-status={status}>
            {status}
          </span>{' '}
          · attempt <span id="attempt">{attempt}</span> · run{' '}
          <code id="run-id">{runId ?? '—'}</code>
        </p>
        <div className="bar">
          <progress id="progress" max={100} value={progress} aria-label="progress" />
          <span id="percent">{progress.toFixed(0)}%</span>
        </div>
        <p className="note">
          The percent is the server's estimate of the answer's size; a retry or fallback (attempt
          2…) starts it over, with the object.
        </p>
        {error !== undefined && (
          <p id="error" role="alert" data-category={error.category}>
            {error.category}: {error.message}
          </p>
        )}
      </section>

      <pre id="partial">{partial === undefined ? '' : JSON.stringify(partial, null, 2)}</pre>
    </main>
  );
}

const configElement = document.getElementById('config');
const rootElement = document.getElementById('root');
if (configElement === null || rootElement === null)
  throw new Error('the page has no #config or #root');
const config = JSON.parse(configElement.textContent ?? '{}') as ReactPageConfig;
createRoot(rootElement).render(
  <StrictMode>
    <App config={config} />
  </StrictMode>,
);
