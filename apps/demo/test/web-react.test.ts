/**
 * The React page (/react, `src/web/react-app.tsx` on `@structllm/react`'s
 * `useStructuredStream`) in a real Chromium: a run streams to completion, Stop
 * cancels it on the server, a reload re-attaches to the same run, and a failed
 * run shows its error's category.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StructuredLLMError } from '@structllm/core';
import { readStructuredStream } from '@structllm/http/client';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProductCatalogue, QuarterlyReport, UserProfile } from '../src/schemas.ts';
import type { WebServer } from '../src/web/server.ts';
import { requestsMade, useWebPage } from './helpers.ts';

/** Screenshots kept for a person to look at (git-ignored). */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

interface Sample {
  readonly status: string;
  readonly attempt: number;
  readonly progress: number;
  readonly json: string;
}
type Sampled = Window & { __samples?: Sample[] };

/** Records, at every change React makes to the page, the status, attempt, progress and object shown. */
async function sample(page: Page): Promise<void> {
  await page.evaluate(() => {
    const samples: Sample[] = [];
    (window as Sampled).__samples = samples;
    const root = document.getElementById('root') as HTMLElement;
    new MutationObserver(() => {
      const progress = document.getElementById('progress') as HTMLProgressElement | null;
      if (progress === null) return;
      samples.push({
        status: document.getElementById('status')?.dataset.status ?? '',
        attempt: Number(document.getElementById('attempt')?.textContent),
        progress: progress.value,
        json: document.getElementById('partial')?.textContent ?? '',
      });
    }).observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

const samples = (page: Page) => page.evaluate(() => [...((window as Sampled).__samples ?? [])]);
const shownValue = async (page: Page): Promise<unknown> =>
  JSON.parse((await page.textContent('#partial')) ?? '');
const progressOf = (page: Page) =>
  page.evaluate(() => (document.getElementById('progress') as HTMLProgressElement).value);

/** The run as the server kept it, read again from its start: its value, or its error. */
async function serverOutcome(
  web: WebServer,
  id: string,
): Promise<{ value?: unknown; error?: StructuredLLMError }> {
  const stream = readStructuredStream(`${web.url}/api/runs/${id}/stream`);
  for await (const _ of stream) {
    // read to the end
  }
  try {
    return { value: await stream.result };
  } catch (error) {
    if (StructuredLLMError.is(error)) return { error };
    throw error;
  }
}

describe('the React page', { timeout: 60_000 }, () => {
  const demo = useWebPage({ paceMs: 6 });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
  });

  /** The React page, reached by its link on the main page; console errors collected. */
  async function openReactPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(demo.web.url);
    await Promise.all([page.waitForURL(`${demo.web.url}/react`), page.click('a[href="/react"]')]);
    await page.waitForSelector('#status[data-status="idle"]');
    return { page, errors };
  }

  async function startCatalogue(page: Page): Promise<string> {
    await page.selectOption('#schema', 'catalogue');
    await page.click('#run');
    await page.waitForFunction(
      () => ((document.getElementById('progress') as HTMLProgressElement | null)?.value ?? 0) > 20,
      undefined,
      { timeout: 20_000 },
    );
    const id = (await page.textContent('#run-id')) ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    return id;
  }

  it('streams a run to completion: the partial grows, progress only moves forward, the final value is the server’s', async () => {
    const { page, errors } = await openReactPage();
    await sample(page);
    await page.selectOption('#schema', 'catalogue');
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 30_000 });

    const seen = (await samples(page)).filter((s) => s.json !== '');
    // The object was shown growing while the status said streaming.
    const streaming = seen.filter((s) => s.status === 'streaming');
    expect(streaming.length).toBeGreaterThan(10);
    expect(new Set(streaming.map((s) => s.json)).size).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      if (a === undefined || b === undefined) continue;
      expect(b.attempt).toBe(1);
      expect(b.progress).toBeGreaterThanOrEqual(a.progress);
      expect(b.json.length).toBeGreaterThanOrEqual(a.json.length);
    }
    expect(await progressOf(page)).toBe(100);
    expect(await page.textContent('#attempt')).toBe('1');

    const id = (await page.textContent('#run-id')) ?? '';
    const server = await serverOutcome(demo.web, id);
    const shown = ProductCatalogue.parse(await shownValue(page));
    expect(shown.products).toHaveLength(24);
    expect(shown).toEqual(server.value);
    expect(await page.locator('#error').count()).toBe(0);
    // Nothing to re-attach to once the run has ended.
    expect(await page.evaluate(() => sessionStorage.getItem('structllm-react-run'))).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'react-complete-1280.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Stop stops the request and the server aborts the run', async () => {
    const { page, errors } = await openReactPage();
    const id = await startCatalogue(page);
    await page.click('#stop');
    await page.waitForSelector('#status[data-status="stopped"]');
    const shownAtStop = await page.textContent('#partial');

    // The server's run ended aborted, short of the whole catalogue.
    const server = await serverOutcome(demo.web, id);
    expect(server.value).toBeUndefined();
    expect(server.error?.category).toBe('aborted');
    // The page shows no more than it had when stopped, and no error: stopping is not failing.
    expect(await page.textContent('#partial')).toBe(shownAtStop);
    expect(await page.textContent('#status')).toBe('stopped');
    expect(await page.locator('#error').count()).toBe(0);
    expect(await page.isEnabled('#run')).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('structllm-react-run'))).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'react-stopped-1280.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a reload mid-stream resumes the same run id to completion, without a new request', async () => {
    const requestsBefore = await requestsMade(demo.web);
    const { page, errors } = await openReactPage();
    const id = await startCatalogue(page);
    expect(await page.evaluate(() => sessionStorage.getItem('structllm-react-run'))).toBe(id);

    await page.reload();
    await page.waitForFunction(
      (runId) => document.getElementById('run-id')?.textContent === runId,
      id,
      { timeout: 10_000 },
    );
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 30_000 });
    expect(await page.textContent('#run-id')).toBe(id);
    const server = await serverOutcome(demo.web, id);
    const shown = ProductCatalogue.parse(await shownValue(page));
    expect(shown).toEqual(server.value);
    expect(shown.products).toHaveLength(24);
    expect(await progressOf(page)).toBe(100);
    // One engine request in all: the reloaded page re-attached, it did not start another.
    expect(await requestsMade(demo.web)).toBe(requestsBefore + 1);
    expect(await page.evaluate(() => sessionStorage.getItem('structllm-react-run'))).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works on a 390 px wide phone: one column, no sideways scrolling', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 390, height: 844 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.web.url}/react`);
    await page.selectOption('#schema', 'report');
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    expect(await page.textContent('#attempt')).toBe('1');
    QuarterlyReport.parse(await shownValue(page));
    await page.screenshot({ path: join(ARTIFACTS, 'react-complete-390.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a failed run shows its error’s category', async () => {
    const { page, errors } = await openReactPage();
    await page.selectOption('#fault', 'server-error');
    await page.fill('#max-retries', '0');
    await page.click('#run');
    await page.waitForSelector('#status[data-status="failed"]', { timeout: 20_000 });
    expect(await page.getAttribute('#error', 'data-category')).toBe('server');
    expect(await page.textContent('#error')).toMatch(/^server: /);
    const id = (await page.textContent('#run-id')) ?? '';
    expect((await serverOutcome(demo.web, id)).error?.category).toBe('server');
    expect(await page.isEnabled('#run')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'react-failed-1280.png'), fullPage: true });

    // The next run on the same page succeeds and clears the error.
    await page.selectOption('#fault', '');
    await page.selectOption('#schema', 'profile');
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    expect(await page.locator('#error').count()).toBe(0);
    UserProfile.parse(await shownValue(page));
    expect(errors).toEqual([]);
    await page.close();
  });
});
