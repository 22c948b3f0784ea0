import { describe, expect, it } from 'vitest';
import { describeElement, elementLine } from '../src/cli/elements.ts';
import { runCli } from '../src/cli/run.ts';
import { Product } from '../src/schemas.ts';
import { runDemo, runDemoInProcess } from './helpers.ts';

const FAST = ['--pace', '1'];
const ELEMENTS = ['--schema', 'catalogue', '--elements'];
/** The simulated catalogue's size. */
const PRODUCTS = 24;
const ALL_INDICES = Array.from({ length: PRODUCTS }, (_, index) => index);

interface ElementLine {
  index: number;
  element: unknown;
}

interface Summary {
  elementCount: number;
  replacedElements: number;
  attempt: number;
  model: string;
  attempts: { attempt: number; model: string; category?: string }[];
  isComplete: true;
  result?: { store: string; updated: string; products: unknown[] };
  error?: { category: string; message: string };
}

/** `--elements --json` output: the element lines, then exactly one summary line. */
function parseElementsJson(stdout: string): { elements: ElementLine[]; summary: Summary } {
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const summary = lines.pop() as unknown as Summary;
  expect(summary.isComplete).toBe(true);
  for (const line of lines) expect(Object.keys(line)).toEqual(['index', 'element']);
  return { elements: lines as unknown as ElementLine[], summary };
}

/** The indices of the `#i  …` lines, in the order they were printed. */
function printedIndices(stdout: string): number[] {
  return [...stdout.matchAll(/^#(\d+) {2}/gm)].map((match) => Number(match[1]));
}

describe('element lines', () => {
  it('shows a product as its index, name and price in its currency', () => {
    const lamp = { name: 'Walnut desk lamp', price: 49, currency: 'EUR' };
    expect(elementLine(3, lamp)).toBe('#3  Walnut desk lamp  €49.00');
    expect(describeElement({ ...lamp, price: 1234.5, currency: 'USD' })).toBe(
      'Walnut desk lamp  $1,234.50',
    );
    expect(describeElement({ ...lamp, currency: 'GBP' })).toBe('Walnut desk lamp  £49.00');
  });

  it('falls back to a name or title, then to cut JSON', () => {
    expect(describeElement({ title: 'Q3' })).toBe('Q3');
    expect(describeElement({ risk: 'x', severity: 'low' })).toBe('{"risk":"x","severity":"low"}');
    const long = describeElement({ text: 'a'.repeat(300) }, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('pnpm demo --schema catalogue --elements', { timeout: 20_000 }, () => {
  it('prints every product once, in order, across a mid-stream failure and its retry (the binary)', async () => {
    // The reference: the same catalogue, streamed as JSON element lines without a fault.
    const reference = parseElementsJson(
      (await runDemoInProcess([...ELEMENTS, '--json', ...FAST])).stdout,
    );
    const products = reference.elements.map((line) => Product.parse(line.element));
    expect(products).toHaveLength(PRODUCTS);

    const result = await runDemo([...ELEMENTS, '--fault', 'midstream-error', ...FAST]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const printed = printedIndices(result.stdout);
    // Each index once, in order, and all 24 of them.
    expect(printed).toEqual(ALL_INDICES);
    // Each line names the product the model wrote at that index.
    for (const [index, product] of products.entries()) {
      expect(lines).toContain(`#${index}  ${describeElement(product)}`);
    }
    // The fault struck after some products were printed and before the last: the retry
    // re-streamed the whole answer, and the products already printed were not printed again.
    const retryAt = lines.findIndex((line) => line.startsWith('retry: '));
    const before = lines.slice(0, retryAt).filter((line) => /^#\d+ {2}/.test(line)).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(PRODUCTS);
    expect(lines[retryAt]).toBe(
      `retry: Retrying openai/gpt-4o-mini after server (attempt 2) — ${before} products already printed, not printed again`,
    );
    expect(result.stdout).toMatch(/^\[100%\] .* attempt 2, openai\/gpt-4o-mini complete$/m);
    // The count comes from the engine (elementCount) and the result kept none of them.
    expect(result.stdout).toContain(
      '24 products printed as they arrived, each once; none kept (retainElements: false), so the result holds the array empty: {"store":',
    );
    expect(result.stdout).toContain('"products":[]}');
    // No per-10 % progress lines: the element lines are the progress.
    expect(result.stdout).not.toMatch(/^\[\s*~?\d+%\] .*chunks, attempt 1/m);
  });

  it.concurrent.each([
    ['midstream-error', 'server'],
    ['truncate', 'network'],
    ['malformed', 'server'],
    ['stall', 'timeout'],
    ['rate-limit', 'rate_limit'],
    ['invalid', 'validation'],
  ])(
    '--json with --fault %s: one parseable line per element, each index once, then a summary',
    async (fault, category) => {
      const result = await runDemoInProcess([...ELEMENTS, '--json', '--fault', fault, ...FAST]);
      expect(result.code).toBe(0);
      const { elements, summary } = parseElementsJson(result.stdout);
      expect(elements.map((line) => line.index)).toEqual(ALL_INDICES);
      for (const line of elements) Product.parse(line.element);
      expect(new Set(elements.map((line) => (line.element as { sku: string }).sku)).size).toBe(
        PRODUCTS,
      );
      expect(summary).toMatchObject({
        elementCount: PRODUCTS,
        replacedElements: 0,
        attempt: 2,
        model: 'openai/gpt-4o-mini',
        result: { products: [] },
      });
      expect(summary.result?.store).toEqual(expect.any(String));
      expect(summary.attempts.map((attempt) => attempt.category)).toEqual([category, undefined]);
      expect(summary.error).toBeUndefined();
    },
  );

  it('keeps each index once when a fallback model takes over', async () => {
    const result = await runDemoInProcess([
      ...ELEMENTS,
      '--json',
      '--fault',
      'overloaded',
      '--max-retries',
      '0',
      '--fallback',
      'anthropic/claude-haiku-4-5',
      ...FAST,
    ]);
    expect(result.code).toBe(0);
    const { elements, summary } = parseElementsJson(result.stdout);
    expect(elements.map((line) => line.index)).toEqual(ALL_INDICES);
    expect(summary).toMatchObject({
      elementCount: PRODUCTS,
      attempt: 2,
      model: 'anthropic/claude-haiku-4-5',
    });
  });

  it('works without streaming: one call, every product printed', async () => {
    const result = await runDemoInProcess([...ELEMENTS, '--no-stream', ...FAST]);
    expect(result.code).toBe(0);
    expect(printedIndices(result.stdout)).toEqual(ALL_INDICES);
    expect(result.stdout).toContain('24 products printed as they arrived, each once');
  });

  it('a request that fails after some products exits 1 and says how many were printed', async () => {
    const text = await runDemoInProcess([
      ...ELEMENTS,
      '--fault',
      'midstream-error',
      '--max-retries',
      '0',
      ...FAST,
    ]);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('failed [server]');
    const printed = printedIndices(text.stdout);
    expect(printed.length).toBeGreaterThan(0);
    expect(printed.length).toBeLessThan(PRODUCTS);
    expect(printed).toEqual(ALL_INDICES.slice(0, printed.length));
    expect(text.stdout).toContain(`${printed.length} products printed before the failure`);

    const json = await runDemoInProcess([
      ...ELEMENTS,
      '--json',
      '--fault',
      'midstream-error',
      '--max-retries',
      '0',
      ...FAST,
    ]);
    expect(json.code).toBe(1);
    const { elements, summary } = parseElementsJson(json.stdout);
    expect(elements.map((line) => line.index)).toEqual(printed);
    expect(summary.elementCount).toBe(printed.length);
    expect(summary.error?.category).toBe('server');
    expect(summary.result).toBeUndefined();
  });

  it('in a terminal prints each product once above the live progress bar', async () => {
    let written = '';
    const stdout = {
      isTTY: true,
      columns: 110,
      rows: 30,
      write: (text: string) => {
        written += text;
        return true;
      },
      on: () => stdout,
      once: () => stdout,
      off: () => stdout,
      removeListener: () => stdout,
    };
    let errors = '';
    const code = await runCli([...ELEMENTS, '--fault', 'midstream-error', ...FAST], {
      stdout,
      stderr: { write: (text: string) => (errors += text) },
      env: { NO_COLOR: '1' },
    });
    expect(errors).toBe('');
    expect(code).toBe(0);
    expect(written).toContain('\u001b['); // redrawn in place
    expect(written).toMatch(/█+░+\s+~?\d+%.*chunks.*attempt.*openai\/gpt-4o-mini/);
    expect(written).toMatch(/\d+ products so far/);
    expect(written).toContain('products already printed, not printed again');
    // The frame is redrawn many times, the element lines are written once each.
    for (const index of ALL_INDICES) {
      expect(written.split(`#${index}  `).length - 1, `#${index}`).toBe(1);
    }
    expect(written).toContain('✔ 24 products printed as they arrived, each once');
  });

  it('--help documents --elements', async () => {
    const result = await runDemoInProcess(['--help']);
    expect(result.stdout).toContain('--elements');
    expect(result.stdout).toContain('--schema catalogue only');
  });
});

describe('--elements usage errors exit 2', { timeout: 20_000 }, () => {
  it('the binary refuses --schema profile --elements', async () => {
    const result = await runDemo(['--schema', 'profile', '--elements']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'error: --elements needs a schema whose bulk is one array, and "profile" has none: use --schema catalogue\n',
    );
  });

  it.each([
    [['--elements'], '"profile" has none'],
    [['--schema', 'report', '--elements'], '"report" has none'],
    [[...ELEMENTS, '--batch', '2'], 'not with --batch'],
    [[...ELEMENTS, '--web'], 'not with --web'],
  ])('%j', async (args, message) => {
    const result = await runDemoInProcess(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
