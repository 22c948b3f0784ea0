import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStructuredStream } from '@structllm/http/client';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ProductCatalogue, QuarterlyReport, UserProfile } from '../src/schemas.ts';
import type { WebServer } from '../src/web/server.ts';
import { useWebPage } from './helpers.ts';

type Watched = Window & { __progress?: number[] };

/** Records every value the progress bar shows, from the page's side. */
async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const bar = document.getElementById('bar');
    if (bar === null) throw new Error('no progress bar');
    const seen: number[] = [];
    (window as Watched).__progress = seen;
    new MutationObserver(() => seen.push(Number(bar.getAttribute('aria-valuenow')))).observe(bar, {
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
  });
}

const progressSeen = (page: Page) =>
  page.evaluate(() => [...((window as Watched).__progress ?? [])]);

/** The text events of run `id` that hold text, read again from the server (a finished run is kept). */
async function textEventsOf(web: WebServer, id: string): Promise<number> {
  const stream = readStructuredStream(`${web.url}/api/runs/${id}/stream`);
  let events = 0;
  for await (const response of stream) events += response.rawChunks?.length ?? 0;
  await stream.result;
  return events;
}

/** Screenshots kept for a person to look at (git-ignored). */
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

type Recorder = Window & { __seen?: Record<string, unknown> };

/**
 * Watches the page from the inside, synchronously with each change: what the
 * bar says the moment the status turns complete, whether cards were shown
 * while the status still said streaming, the stats when a retry is listed.
 */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, unknown> = {};
    (window as Recorder).__seen = seen;
    const status = () => document.getElementById('status')?.dataset.status;
    const bar = document.getElementById('bar') as HTMLElement;
    const fill = document.getElementById('fill') as HTMLElement;
    let maxStreamingRows = 0;
    new MutationObserver(() => {
      const now = status();
      if (now === 'complete' && seen.atComplete === undefined) {
        seen.atComplete = {
          valueNow: Number(bar.getAttribute('aria-valuenow')),
          widthRatio: fill.getBoundingClientRect().width / bar.clientWidth,
          computedWidth: getComputedStyle(fill).width,
        };
      }
      const finalField = document.querySelector('#view [data-state="final"]');
      if (finalField !== null && seen.firstFinalFieldWhile === undefined) {
        seen.firstFinalFieldWhile = now;
      }
      const cards = document.querySelectorAll('#view .product').length;
      if (cards > 0 && seen.firstCardWhile === undefined) seen.firstCardWhile = now;
      if (now === 'streaming') seen.cardsWhileStreaming = cards;
      if (
        document.querySelector('#events li[data-type="retry"]') !== null &&
        seen.atRetry === undefined
      ) {
        seen.atRetry = {
          attempt: document.getElementById('attempt')?.textContent,
          valueNow: Number(bar.getAttribute('aria-valuenow')),
        };
      }
      const streamingRows = document.querySelectorAll(
        '#batch-bars .batch-row[data-status="streaming"]',
      ).length;
      maxStreamingRows = Math.max(maxStreamingRows, streamingRows);
      seen.maxStreamingRows = maxStreamingRows;
    }).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  });
}

const recorded = (page: Page) => page.evaluate(() => ({ ...(window as Recorder).__seen }));

/** The page never scrolls sideways. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/** The [r, g, b] of a computed CSS colour. */
function rgb(colour: string): [number, number, number] {
  const match = colour.match(/rgba?\((\d+), (\d+), (\d+)/);
  if (match === null) throw new Error(`not an rgb colour: ${colour}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

const progressNow = async (page: Page) => Number(await page.getAttribute('#bar', 'aria-valuenow'));

async function resultOf(page: Page): Promise<unknown> {
  return JSON.parse((await page.textContent('#result')) ?? '');
}

describe('web page in a real browser', { timeout: 30_000 }, () => {
  const demo = useWebPage({ paceMs: 3 });

  async function openPage(): Promise<Page> {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(demo.web.url);
    await watchProgress(page);
    return page;
  }

  it('streams a result to completion with the progress bar rising, and the page is not blank', async () => {
    const page = await openPage();
    expect(await page.textContent('#backend')).toContain('embedded simulated model');
    await page.selectOption('#schema', 'report');
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });

    const seen = await progressSeen(page);
    expect(seen.filter((value) => value > 0 && value < 100).length).toBeGreaterThan(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(100);
    const report = QuarterlyReport.parse(await resultOf(page));
    expect(report.sections).toHaveLength(3);
    expect(await page.textContent('#attempt')).toBe('1');
    // The page counted each text event of the run once: the model's text arrived in many
    // pieces (a live stream, not one blob), gathered by the server into fewer events than
    // the simulated model's 3–8 character chunks.
    const run = await page.evaluate(() => {
      const { id, text } = (window as Window & { demoRun?: { id: string; text: string } })
        .demoRun ?? { id: '', text: '' };
      return { id, text };
    });
    const textEvents = Number(await page.textContent('#text-events'));
    expect(textEvents).toBe(await textEventsOf(demo.web, run.id));
    expect(textEvents).toBeGreaterThan(10);
    expect(textEvents).toBeLessThan(run.text.length / 8);

    const png = await page.screenshot();
    await writeFile(join(tmpdir(), 'structllm-demo-web.png'), png);
    expect(png.length).toBeGreaterThan(20_000);
    // Decode the PNG in the browser and measure it: a blank page has one colour and no variance.
    const stats = await page.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d');
      if (context === null) throw new Error('no 2d context');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      let sum = 0;
      let squares = 0;
      let count = 0;
      for (let i = 0; i < data.length; i += 4 * 5) {
        const r = data[i] ?? 0;
        const g = data[i + 1] ?? 0;
        const b = data[i + 2] ?? 0;
        const luma = 0.3 * r + 0.59 * g + 0.11 * b;
        sum += luma;
        squares += luma * luma;
        count++;
        colours.add((r << 16) | (g << 8) | b);
      }
      const mean = sum / count;
      return {
        width: canvas.width,
        colours: colours.size,
        variance: squares / count - mean * mean,
      };
    }, png.toString('base64'));
    expect(stats.width).toBe(1280);
    expect(stats.colours).toBeGreaterThan(50);
    expect(stats.variance).toBeGreaterThan(500);
    await page.close();
  });

  it('recovers from an injected fault and shows the retry', async () => {
    const page = await openPage();
    await page.selectOption('#fault', 'midstream-error');
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    const retry = await page.textContent('#events li[data-type="retry"]');
    expect(retry).toMatch(/after server \(attempt 2\)/);
    expect(await page.textContent('#attempt')).toBe('2');
    UserProfile.parse(await resultOf(page));
    // Progress restarts with the new attempt, then reaches 100.
    const seen = await progressSeen(page);
    expect(seen.at(-1)).toBe(100);
    expect(seen.some((value, i) => i > 0 && value < (seen[i - 1] ?? 0))).toBe(true);
    await page.close();
  });

  it('shows a fallback to another model', async () => {
    const page = await openPage();
    await page.selectOption('#fault', 'rate-limit');
    await page.fill('#model', 'openai/gpt-4o-mini');
    await page.fill('#fallback', 'anthropic/claude-haiku-4-5');
    // One try per model, so the rate limit moves the request to the fallback.
    await page.fill('#max-retries', '0');
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    expect(await page.textContent('#events li[data-type="fallback"]')).toMatch(
      /to anthropic\/claude-haiku-4-5/,
    );
    expect(await page.textContent('#model-shown')).toBe('anthropic/claude-haiku-4-5');
    UserProfile.parse(await resultOf(page));
    await page.close();
  });

  it('pause holds the stream still and resume finishes it', async () => {
    const page = await openPage();
    await page.selectOption('#schema', 'catalogue');
    await page.click('#run');
    await page.waitForFunction(
      () => Number(document.getElementById('bar')?.getAttribute('aria-valuenow')) > 5,
      undefined,
      { timeout: 15_000 },
    );
    await page.click('#pause');
    await page.waitForSelector('#status[data-status="paused"]');
    // Let anything already in flight land, then watch for movement.
    await page.waitForTimeout(250);
    const before = { percent: await progressNow(page), text: await page.textContent('#result') };
    await page.waitForTimeout(600);
    expect(await progressNow(page)).toBe(before.percent);
    expect(await page.textContent('#result')).toBe(before.text);
    expect(before.percent).toBeLessThan(100);
    expect(await page.isEnabled('#resume')).toBe(true);

    await page.click('#resume');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    const catalogue = ProductCatalogue.parse(await resultOf(page));
    expect(catalogue.products).toHaveLength(24);
    await page.close();
  });

  it('cancel aborts the stream', async () => {
    const page = await openPage();
    await page.selectOption('#schema', 'catalogue');
    await page.click('#run');
    await page.waitForFunction(
      () => Number(document.getElementById('bar')?.getAttribute('aria-valuenow')) > 5,
      undefined,
      { timeout: 15_000 },
    );
    await page.click('#cancel');
    await page.waitForSelector('#status[data-status="cancelled"]', { timeout: 10_000 });
    expect(await page.textContent('#error')).toMatch(/^aborted: /);
    await page.close();
  });

  it('/metrics exposes the Prometheus registry', async () => {
    const response = await fetch(`${demo.web.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /structured_llm_streaming_requests_total\{provider="openai",model="openai\/gpt-4o-mini",status="success"\} [1-9]/,
    );
    expect(text).toMatch(/structured_llm_streaming_retries_total\{.*category="server"\} 1/);
    // The run cancelled from the page is counted as cancelled, not as an error.
    expect(text).toMatch(
      /structured_llm_streaming_requests_total\{provider="openai",model="openai\/gpt-4o-mini",status="cancelled"\} 1/,
    );
    expect(text).not.toMatch(
      /structured_llm_streaming_errors_total\{[^}]*category="aborted"\} [1-9]/,
    );
  });

  it('rejects a bad form with a 400 the page shows', async () => {
    const response = await fetch(`${demo.web.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schema: 'invoice' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unknown schema "invoice"' });
    for (const [body, error] of [
      [{ schema: 'profile', elements: true }, 'schema "profile" has no array to list item by item'],
      [{ schema: 'catalogue', elements: 'yes' }, 'elements must be true or false'],
    ] as const) {
      const refused = await fetch(`${demo.web.url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error });
    }
  });

  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    describe(`at ${viewport.width}×${viewport.height}`, () => {
      let consoleErrors: string[] = [];

      async function openAt(): Promise<Page> {
        consoleErrors = [];
        const page = await demo.browser.newPage({ viewport });
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => consoleErrors.push(error.message));
        await page.goto(demo.web.url);
        await record(page);
        return page;
      }

      async function shoot(page: Page, name: string): Promise<void> {
        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({
          path: join(ARTIFACTS, `${name}-${viewport.width}.png`),
          fullPage: true,
        });
      }

      async function finishPage(page: Page): Promise<void> {
        await expectNoSidewaysScroll(page);
        await page.close();
        expect(consoleErrors).toEqual([]);
      }

      it('fills the profile card in while streaming, and the bar is at 100 the moment it says complete', async () => {
        const page = await openAt();
        await page.click('#run');
        await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
        const seen = await recorded(page);
        expect(seen.firstFinalFieldWhile).toBe('streaming');
        expect(seen.atComplete).toMatchObject({ valueNow: 100 });
        expect((seen.atComplete as { widthRatio: number }).widthRatio).toBeGreaterThan(0.99);
        // Every field arrived and is marked validated; the card shows the result.
        const profile = UserProfile.parse(await resultOf(page));
        expect(await page.locator('#view [data-state="pending"]').count()).toBe(0);
        expect(await page.locator('#view [data-state="writing"]').count()).toBe(0);
        expect(await page.textContent('.profile h3 .v')).toBe(profile.name);
        expect(await page.locator('.profile .chip[data-state="final"]').count()).toBe(
          profile.skills.length,
        );
        // Raw JSON is one toggle away.
        expect(await page.isVisible('#result')).toBe(false);
        await page.click('#tab-json');
        expect(await page.isVisible('#result')).toBe(true);
        expect(await page.isVisible('#view')).toBe(false);
        await page.click('#tab-view');
        await shoot(page, 'profile');
        await finishPage(page);
      });

      it('shows product cards one by one while the catalogue streams', async () => {
        const page = await openAt();
        await page.selectOption('#schema', 'catalogue');
        await page.click('#run');
        await page.waitForFunction(
          () => document.querySelectorAll('#view .product[data-state="final"]').length >= 3,
          undefined,
          { timeout: 15_000 },
        );
        await shoot(page, 'catalogue-streaming');
        await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
        const seen = await recorded(page);
        expect(seen.firstCardWhile).toBe('streaming');
        expect(seen.cardsWhileStreaming).toBeGreaterThan(0);
        const catalogue = ProductCatalogue.parse(await resultOf(page));
        expect(await page.locator('#view .product').count()).toBe(catalogue.products.length);
        expect(await page.locator('#view .product[data-state="final"]').count()).toBe(24);
        expect(await page.textContent('.product[data-index="0"] h4 .v')).toBe(
          catalogue.products[0]?.name,
        );
        await shoot(page, 'catalogue');
        await finishPage(page);
      });

      it('shows the report as sections', async () => {
        const page = await openAt();
        await page.selectOption('#schema', 'report');
        await page.click('#run');
        await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
        const report = QuarterlyReport.parse(await resultOf(page));
        expect(await page.locator('.report-section').count()).toBe(report.sections.length);
        expect(await page.textContent('.report-section h4 .v')).toBe(report.sections[0]?.heading);
        expect(await page.locator('.report-section .metric').count()).toBe(
          report.sections.reduce((sum, section) => sum + section.metrics.length, 0),
        );
        expect(await page.locator('.report .sev').count()).toBe(report.risks.length);
        await shoot(page, 'report');
        await finishPage(page);
      });

      it('charts progress with uPlot, marks the retry, and the stats follow the retry at once', async () => {
        const page = await openAt();
        expect(await page.locator('#chart .uplot canvas').count()).toBe(1);
        // A rate limit: the engine waits 300 ms before attempt 2.
        await page.selectOption('#fault', 'rate-limit');
        await page.click('#run');
        await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
        const seen = await recorded(page);
        // The moment the retry is listed, the stats say attempt 2 and progress restarts.
        expect(seen.atRetry).toEqual({ attempt: '2', valueNow: 0 });
        expect(await page.locator('#chart .marker[data-type="retry"]').count()).toBe(1);
        expect(await page.getAttribute('#chart .marker[data-type="retry"]', 'title')).toMatch(
          /after rate_limit \(attempt 2\)/,
        );
        await shoot(page, 'retry');
        await finishPage(page);
      });

      it('shows a failure at 0% with the bar red', async () => {
        const page = await openAt();
        await page.selectOption('#fault', 'server-error');
        await page.fill('#max-retries', '0');
        await page.click('#run');
        await page.waitForSelector('#status[data-status="failed"]', { timeout: 20_000 });
        expect(await progressNow(page)).toBe(0);
        expect(await page.textContent('#error')).toMatch(/^server: /);
        const [r, g, b] = rgb(
          await page.$eval('#bar', (bar) => getComputedStyle(bar).borderTopColor),
        );
        expect(r - Math.max(g, b)).toBeGreaterThan(100);
        await shoot(page, 'failed');
        await finishPage(page);
      });

      it('gives a cancelled run a style of its own', async () => {
        const page = await openAt();
        await page.selectOption('#schema', 'catalogue');
        await page.click('#run');
        await page.waitForFunction(
          () => Number(document.getElementById('bar')?.getAttribute('aria-valuenow')) > 5,
          undefined,
          { timeout: 15_000 },
        );
        await page.click('#cancel');
        await page.waitForSelector('#status[data-status="cancelled"]', { timeout: 10_000 });
        expect(await page.getAttribute('#bar', 'data-status')).toBe('cancelled');
        // The bar's and the status label's look in each state: a cancelled run looks like no other,
        // the bar and the label each (not like an idle one either).
        const looks = await page.evaluate(() => {
          const bar = document.getElementById('bar') as HTMLElement;
          const fill = document.getElementById('fill') as HTMLElement;
          const pill = document.getElementById('status') as HTMLElement;
          const look = (status: string) => {
            bar.dataset.status = status;
            pill.dataset.status = status;
            const b = getComputedStyle(bar);
            const f = getComputedStyle(fill);
            const p = getComputedStyle(pill);
            return {
              bar: [
                b.borderTopColor,
                b.borderTopStyle,
                b.backgroundColor,
                f.backgroundImage,
                f.backgroundColor,
              ].join(' '),
              label: [p.color, p.backgroundColor, p.borderTopColor, p.borderTopStyle].join(' '),
            };
          };
          const result = Object.fromEntries(
            ['idle', 'streaming', 'paused', 'complete', 'failed', 'cancelled'].map((s) => [
              s,
              look(s),
            ]),
          );
          look('cancelled');
          return result;
        });
        const cancelled = looks.cancelled;
        for (const status of ['idle', 'streaming', 'paused', 'complete', 'failed']) {
          expect(cancelled?.bar).not.toBe(looks[status]?.bar);
          expect(cancelled?.label).not.toBe(looks[status]?.label);
        }
        await shoot(page, 'cancelled');
        await finishPage(page);
      });

      it('runs a batch: one bar per request, each completing', async () => {
        const page = await openAt();
        await page.fill('#batch-count', '4');
        await page.fill('#batch-concurrency', '2');
        await page.click('#batch-run');
        await page.waitForSelector('#batch-summary:not(:empty)', { timeout: 20_000 });
        expect(await page.textContent('#batch-summary')).toMatch(/^4 of 4 complete in \d+\.\d s$/);
        expect(await page.locator('#batch-bars .batch-row').count()).toBe(4);
        expect(
          await page.$$eval('#batch-bars [role="progressbar"]', (bars) =>
            bars.map((bar) => bar.getAttribute('aria-valuenow')),
          ),
        ).toEqual(['100.0', '100.0', '100.0', '100.0']);
        expect(await page.locator('#batch-bars .batch-row[data-status="complete"]').count()).toBe(
          4,
        );
        const seen = await recorded(page);
        // concurrency 2: never more than two bars moving at once.
        expect(seen.maxStreamingRows).toBeGreaterThan(0);
        expect(seen.maxStreamingRows).toBeLessThanOrEqual(2);
        await shoot(page, 'batch');
        await finishPage(page);
      });
    });
  }

  it('serves the icon, uPlot and the page module; refuses a bad batch', async () => {
    const icon = await fetch(`${demo.web.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    const uplot = await fetch(`${demo.web.url}/assets/uplot.js`);
    expect(uplot.status).toBe(200);
    expect(await uplot.text()).toContain('uPlot');
    const client = await fetch(`${demo.web.url}/assets/client.js`);
    expect(client.headers.get('content-type')).toContain('text/javascript');
    // Types stripped: what the browser gets is JavaScript.
    expect(await client.text()).not.toMatch(/import type|: HTMLElement\b/);
    expect((await fetch(`${demo.web.url}/assets/secrets.txt`)).status).toBe(404);
    for (const [body, error] of [
      [{ count: 9 }, 'count must be a whole number from 1 to 8'],
      [{ concurrency: 0 }, 'concurrency must be a whole number from 1 to 8'],
      [{ schema: 'invoice' }, 'unknown schema "invoice"'],
    ] as const) {
      const refused = await fetch(`${demo.web.url}/api/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error });
    }
  });

  it('lists the catalogue items as they arrive, each once across a retry', async () => {
    const page = await openPage();
    // Only a schema whose bulk is one array can be listed item by item.
    expect(await page.isDisabled('#elements')).toBe(true);
    await page.selectOption('#schema', 'catalogue');
    expect(await page.isDisabled('#elements')).toBe(false);
    await page.check('#elements');
    await page.selectOption('#fault', 'midstream-error');
    // How many items were listed when the retry showed up.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as Window & { __itemsAtRetry?: number[] }).__itemsAtRetry = seen;
      new MutationObserver(() => {
        if (document.querySelector('#events li[data-type="retry"]') !== null && seen.length === 0) {
          seen.push(document.querySelectorAll('#view .product').length);
        }
      }).observe(document.getElementById('events') as HTMLElement, { childList: true });
    });
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    const indices = await page.$$eval('#view .product', (items) =>
      items.map((item) => Number((item as HTMLElement).dataset.index)),
    );
    expect(indices).toEqual(Array.from({ length: 24 }, (_, index) => index));
    const [atRetry] = await page.evaluate(
      () => (window as Window & { __itemsAtRetry?: number[] }).__itemsAtRetry ?? [],
    );
    expect(atRetry).toBeGreaterThan(0);
    expect(atRetry).toBeLessThan(24);
    // Each product is a card, complete and validated when it arrives.
    expect(await page.textContent('.product[data-index="3"] .n')).toBe('#3');
    expect(await page.textContent('.product[data-index="3"] h4')).toMatch(/\w/);
    expect(await page.textContent('.product[data-index="3"] .price')).toMatch(
      /^[$€£][\d,]+\.\d\d$/,
    );
    expect(await page.locator('#view .product[data-state="final"]').count()).toBe(24);
    expect(await page.textContent('#items-count')).toBe(
      '24 items, each listed once as it arrived; none kept (the result holds the array empty)',
    );
    // retainElements: false — the result holds the array empty.
    expect(await resultOf(page)).toMatchObject({ products: [] });
    expect(await page.textContent('#attempt')).toBe('2');
    await page.close();
  });
});

describe('progress that says what it rests on', { timeout: 60_000 }, () => {
  // A server of its own: nothing of this schema has completed on it yet.
  const demo = useWebPage({ paceMs: 3 });

  /** Runs the report once; every estimate basis the bar showed, and the label at one point mid-run. */
  async function runReport(page: Page): Promise<{ bases: string[]; labels: string[] }> {
    await page.evaluate(() => {
      const bar = document.getElementById('bar') as HTMLElement;
      const percent = document.getElementById('percent') as HTMLElement;
      const seen = { bases: [] as string[], labels: [] as string[] };
      (window as Window & { __estimates?: typeof seen }).__estimates = seen;
      new MutationObserver(() => {
        if (bar.dataset.estimate !== undefined) seen.bases.push(bar.dataset.estimate);
        seen.labels.push(percent.textContent ?? '');
      }).observe(bar, { attributes: true, attributeFilter: ['aria-valuenow', 'data-estimate'] });
    });
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    return page.evaluate(
      () =>
        (window as Window & { __estimates?: { bases: string[]; labels: string[] } })
          .__estimates ?? { bases: [], labels: [] },
    );
  }

  it('is marked as the schema’s estimate on a first answer, and as learned after one completed', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(demo.web.url);
    await page.selectOption('#schema', 'report');
    const first = await runReport(page);
    expect(first.bases.length).toBeGreaterThan(0);
    expect(new Set(first.bases)).toEqual(new Set(['schema']));
    expect(first.labels.some((label) => /^~\d+%$/.test(label))).toBe(true);
    // Complete: an exact 100, no longer an estimate.
    expect(await page.textContent('#percent')).toBe('100%');
    expect(await page.getAttribute('#bar', 'data-estimate')).toBeNull();

    await page.reload();
    await page.selectOption('#schema', 'report');
    const second = await runReport(page);
    expect(second.bases.length).toBeGreaterThan(0);
    expect(new Set(second.bases)).toEqual(new Set(['learned']));
    expect(second.labels.some((label) => label.startsWith('~'))).toBe(false);
    await page.close();
  });
});
