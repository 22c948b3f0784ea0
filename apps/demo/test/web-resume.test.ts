/**
 * The demo page on `@structllm/http` in a real Chromium: a run survives a
 * reload of the page (the page re-attaches to it by the id it kept in
 * sessionStorage) and a connection the server drops (the client re-attaches
 * with Last-Event-ID), with the model's text received exactly once.
 */
import { readStructuredStream } from '@structllm/http/client';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ProductCatalogue } from '../src/schemas.ts';
import type { WebServer } from '../src/web/server.ts';
import { requestsMade, useWebPage } from './helpers.ts';

type Sampled = Window & {
  demoRun?: { id: string; attempt: number; text: string };
  __samples?: { textLength: number; attempt: number; products: number; json: number }[];
};

/** Records, at each change of the shown object, how far the received text and the partial were. */
async function sample(page: Page): Promise<void> {
  await page.evaluate(() => {
    const samples: NonNullable<Sampled['__samples']> = [];
    (window as Sampled).__samples = samples;
    const result = document.getElementById('result') as HTMLElement;
    new MutationObserver(() => {
      const run = (window as Sampled).demoRun;
      const shown = result.textContent ?? '';
      if (run === undefined || shown === '') return;
      const value = JSON.parse(shown) as { products?: unknown[] };
      samples.push({
        textLength: run.text.length,
        attempt: run.attempt,
        products: value.products?.length ?? 0,
        json: shown.length,
      });
    }).observe(result, { childList: true, characterData: true, subtree: true });
  });
}

const samples = (page: Page) => page.evaluate(() => [...((window as Sampled).__samples ?? [])]);
const received = (page: Page) =>
  page.evaluate(() => {
    const run = (window as Sampled).demoRun;
    return run === undefined ? undefined : { id: run.id, attempt: run.attempt, text: run.text };
  });
const percent = (page: Page) =>
  page.evaluate(() => Number(document.getElementById('bar')?.getAttribute('aria-valuenow')));

/** The run as the server kept it: its whole text (the attempt that ended it) and its value. */
async function replay(web: WebServer, id: string): Promise<{ text: string; value: unknown }> {
  const stream = readStructuredStream(`${web.url}/api/runs/${id}/stream`);
  let text = '';
  let attempt = 0;
  for await (const response of stream) {
    if (response.attempt !== attempt) {
      attempt = response.attempt;
      text = '';
    }
    text += (response.rawChunks ?? []).join('');
  }
  return { text, value: await stream.result };
}

describe('the page re-attaches to its run', { timeout: 60_000 }, () => {
  const demo = useWebPage({ paceMs: 6 });

  async function startCatalogue(): Promise<Page> {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(demo.web.url);
    await page.selectOption('#schema', 'catalogue');
    await page.click('#run');
    await page.waitForFunction(
      () => Number(document.getElementById('bar')?.getAttribute('aria-valuenow')) > 20,
      undefined,
      { timeout: 20_000 },
    );
    return page;
  }

  it('a reload mid-stream shows the same run again and follows it to its end, without a new request', async () => {
    const requestsBefore = await requestsMade(demo.web);
    const page = await startCatalogue();
    const before = await received(page);
    const percentBefore = await percent(page);
    expect(before?.id).toBeDefined();
    const kept = await page.evaluate(() => sessionStorage.getItem('structllm-demo-run'));
    expect(JSON.parse(kept ?? '{}')).toMatchObject({ id: before?.id, schema: 'catalogue' });

    await page.reload();
    // The reloaded page is on the same run, and shows at least as much as it had at once.
    await page.waitForFunction(
      (at) => Number(document.getElementById('bar')?.getAttribute('aria-valuenow')) >= at,
      percentBefore,
      { timeout: 10_000 },
    );
    expect((await received(page))?.id).toBe(before?.id);
    expect(await page.textContent('#status')).toMatch(/streaming|complete/);
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 30_000 });

    const after = await received(page);
    const kept2 = await replay(demo.web, before?.id ?? '');
    // The text before the reload is the start of the run's text: the same run, where it left off.
    expect(kept2.text.startsWith(before?.text ?? '∅')).toBe(true);
    expect(after?.text).toBe(kept2.text);
    const shown = ProductCatalogue.parse(JSON.parse((await page.textContent('#result')) ?? ''));
    expect(shown).toEqual(kept2.value);
    expect(shown.products).toHaveLength(24);
    // One engine request: the reload re-attached, it did not start the run again.
    expect(await requestsMade(demo.web)).toBe(requestsBefore + 1);
    // The page no longer re-attaches once the run has ended.
    expect(await page.evaluate(() => sessionStorage.getItem('structllm-demo-run'))).toBeNull();
    await page.close();
  });

  it('a page reloaded while its run is paused shows it paused, its events and items listed again, and resume finishes it', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(demo.web.url);
    await page.selectOption('#schema', 'catalogue');
    await page.check('#elements');
    await page.click('#run');
    await page.waitForFunction(
      () => document.querySelectorAll('#view .product').length >= 3,
      undefined,
      { timeout: 20_000 },
    );
    await page.click('#pause');
    await page.waitForSelector('#status[data-status="paused"]');
    const id = (await received(page))?.id;

    await page.reload();
    // The same run, still paused: the reloaded page says so, and lists again what the run's
    // stream carried so far (its start event, the items delivered).
    await page.waitForSelector('#status[data-status="paused"]', { timeout: 10_000 });
    expect((await received(page))?.id).toBe(id);
    expect(await page.isEnabled('#resume')).toBe(true);
    expect(await page.locator('#events li[data-type="start"]').count()).toBe(1);
    await page.waitForFunction(
      () => document.querySelectorAll('#view .product').length >= 3,
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#items-count')).toMatch(
      /^\d+ products so far, each delivered once$/,
    );

    await page.click('#resume');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 30_000 });
    const indices = await page.$$eval('#view .product', (items) =>
      items.map((item) => Number((item as HTMLElement).dataset.index)),
    );
    expect(indices).toEqual(Array.from({ length: 24 }, (_, index) => index));
    expect(await page.locator('#events li[data-type="start"]').count()).toBe(1);
    expect(await page.locator('#events li[data-type="complete"]').count()).toBe(1);
    await page.close();
  });

  it('a connection the server drops is re-attached with no text lost or repeated, the partial never going back', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 860 } });
    const reattached: string[] = [];
    page.on('request', (request) => {
      if (/\/api\/runs\/[^/]+\/stream$/.test(new URL(request.url()).pathname)) {
        reattached.push(request.headers()['last-event-id'] ?? '');
      }
    });
    await page.goto(demo.web.url);
    await sample(page);
    await page.selectOption('#schema', 'catalogue');
    await page.click('#run');
    for (const at of [15, 45, 75]) {
      await page.waitForFunction(
        (p) => Number(document.getElementById('bar')?.getAttribute('aria-valuenow')) > p,
        at,
        { timeout: 20_000 },
      );
      demo.web.dropConnections(); // the network fails under the page
    }
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 30_000 });

    // The page re-attached after each drop, from the last event it had.
    expect(reattached.length).toBeGreaterThanOrEqual(3);
    expect(reattached.every((id) => /^[1-9]\d*$/.test(id))).toBe(true);
    const run = await received(page);
    const kept = await replay(demo.web, run?.id ?? '');
    // Every character of the model's text arrived once, in order: no duplicated segment, no gap.
    expect(run?.text).toBe(kept.text);
    const shown = ProductCatalogue.parse(JSON.parse((await page.textContent('#result')) ?? ''));
    expect(shown).toEqual(kept.value);
    expect(shown.products).toHaveLength(24);
    // The partials shown never went backwards.
    const seen = await samples(page);
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      if (a === undefined || b === undefined || a.attempt !== b.attempt) continue;
      expect(b.textLength).toBeGreaterThanOrEqual(a.textLength);
      expect(b.products).toBeGreaterThanOrEqual(a.products);
    }
    expect(await page.textContent('#error')).toBe('');
    await page.close();
  });
});
