import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, connectBackend } from '../src/backend.ts';
import { ProductCatalogue, QuarterlyReport, UserProfile } from '../src/schemas.ts';
import { startWebServer, type WebServer } from '../src/web/server.ts';

/** The system Chromium: CHROMIUM_PATH, else the usual Debian/Ubuntu paths. Missing is a failure, not a skip. */
function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path) => path !== undefined && path !== '' && existsSync(path));
  if (found === undefined) {
    throw new Error(
      'The web page test needs a Chromium binary: install it (apt-get install chromium) or set CHROMIUM_PATH. Tried: ' +
        candidates.filter(Boolean).join(', '),
    );
  }
  return found;
}

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

const progressNow = async (page: Page) => Number(await page.getAttribute('#bar', 'aria-valuenow'));

async function resultOf(page: Page): Promise<unknown> {
  return JSON.parse((await page.textContent('#result')) ?? '');
}

describe('web page in a real browser', { timeout: 30_000 }, () => {
  let backend: Backend;
  let web: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    const executablePath = chromiumPath();
    backend = await connectBackend({ simulated: true, env: {} });
    web = await startWebServer({ backend, port: 0, paceMs: 3 });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await backend?.close();
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(web.url);
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
    expect(Number(await page.textContent('#chunks'))).toBeGreaterThan(50);

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
    expect(await page.textContent('#events')).toMatch(/fallback: .*anthropic\/claude-haiku-4-5/);
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
    const response = await fetch(`${web.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /structured_llm_streaming_requests_total\{provider="openai",model="openai\/gpt-4o-mini",status="success"\} [1-9]/,
    );
    expect(text).toMatch(/structured_llm_streaming_retries_total\{.*category="server"\} 1/);
    expect(text).toMatch(/structured_llm_streaming_errors_total\{.*category="aborted"\} 1/);
  });

  it('rejects a bad form with a 400 the page shows', async () => {
    const response = await fetch(`${web.url}/api/runs`, {
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
      const refused = await fetch(`${web.url}/api/runs`, {
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
          seen.push(document.querySelectorAll('#items li').length);
        }
      }).observe(document.getElementById('events') as HTMLElement, { childList: true });
    });
    await page.click('#run');
    await page.waitForSelector('#status[data-status="complete"]', { timeout: 20_000 });
    const indices = await page.$$eval('#items li', (items) =>
      items.map((item) => Number((item as HTMLElement).dataset.index)),
    );
    expect(indices).toEqual(Array.from({ length: 24 }, (_, index) => index));
    const [atRetry] = await page.evaluate(
      () => (window as Window & { __itemsAtRetry?: number[] }).__itemsAtRetry ?? [],
    );
    expect(atRetry).toBeGreaterThan(0);
    expect(atRetry).toBeLessThan(24);
    expect(await page.textContent('#items li[data-index="3"]')).toMatch(/^#3.+ [$€£][\d,]+\.\d\d$/);
    expect(await page.textContent('#items-count')).toBe(
      '24 items, each listed once as it arrived; none kept (the result holds the array empty)',
    );
    // retainElements: false — the result holds the array empty.
    expect(await resultOf(page)).toMatchObject({ products: [] });
    expect(await page.textContent('#attempt')).toBe('2');
    await page.close();
  });
});
