/**
 * The demo page's browser module: plain DOM, no framework. It reads a run's
 * structured stream with `@structllm/http`'s client (`readStructuredStream`,
 * bundled for the browser by `assets.ts` and found through the page's import
 * map), with the run's progress events (lifecycle, estimate) and elements, and
 * renders the typed partial object as cards while it streams, the progress bar
 * and the uPlot chart, and the batch panel. Served by `server.ts` as
 * /assets/client.js (types stripped). A reload re-attaches to the running run.
 */
import type { ElementEvent, ProgressEvent, StreamingResponse } from '@structllm/core';
import { type ClientStructuredStream, readStructuredStream } from '@structllm/http/client';
import type UPlot from 'uplot';
import type { PageConfig } from './page.ts';
import type {
  BatchDoneMessage,
  BatchItemMessage,
  RunCreated,
  RunState,
  RunStatus,
} from './protocol.ts';

declare global {
  interface Window {
    uPlot: typeof UPlot;
  }
}

// ---------------------------------------------------------------- helpers

type Obj = Readonly<Record<string, unknown>>;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node as T;
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function money(price: number, currency: string | undefined): string {
  if (currency === undefined) return price.toFixed(2);
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(price);
  } catch {
    return `${price.toFixed(2)} ${currency}`;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ------------------------------------------------- field states and slots

/**
 * Where a value stands. The model writes JSON in order, so a value is
 * finished once the next key (or array item) has begun, or once the whole
 * response is complete; every partial the page gets has passed the engine's
 * validation, so a finished value is a validated one.
 */
type State = 'pending' | 'writing' | 'final';

function keyState(object: Obj | undefined, key: string, finished: boolean): State {
  if (object === undefined || object[key] === undefined) return 'pending';
  if (finished) return 'final';
  const keys = Object.keys(object);
  return keys.indexOf(key) < keys.length - 1 ? 'final' : 'writing';
}

function itemState(items: readonly unknown[], index: number, finished: boolean): State {
  return finished || index < items.length - 1 ? 'final' : 'writing';
}

const RANK: Record<State, number> = { pending: 0, writing: 1, final: 2 };
const least = (...states: State[]): State =>
  states.reduce((a, b) => (RANK[b] < RANK[a] ? b : a), 'final');

/** A shown value: a skeleton until it arrives, a caret while written, a check when finished. */
interface Slot {
  readonly root: HTMLElement;
  readonly value: HTMLElement;
}

function slot(tag: keyof HTMLElementTagNameMap, className: string, label?: string): Slot {
  const root = h(tag, className);
  if (label !== undefined) root.append(h('span', 'k', label));
  const value = h('span', 'v');
  const ok = h('i', 'ok');
  ok.setAttribute('role', 'img');
  ok.setAttribute('aria-label', 'validated');
  root.append(value, ok);
  root.dataset.state = 'pending';
  return { root, value };
}

function show(target: Slot, state: State, text: string | undefined): void {
  const shown = state === 'pending' || text === undefined ? '' : text;
  const next = text === undefined ? 'pending' : state;
  if (target.root.dataset.state !== next) target.root.dataset.state = next;
  if (target.value.textContent !== shown) target.value.textContent = shown;
}

/** Keeps `cache` one entry per item: new items are appended, items gone after a retry removed. */
function syncItems<T extends { readonly root: HTMLElement }>(
  parent: HTMLElement,
  cache: T[],
  count: number,
  make: (index: number) => T,
): void {
  while (cache.length > count) cache.pop()?.root.remove();
  while (cache.length < count) {
    const item = make(cache.length);
    cache.push(item);
    parent.append(item.root);
  }
}

function chips(
  parent: HTMLElement,
  cache: Slot[],
  items: readonly unknown[],
  finished: boolean,
): void {
  syncItems(parent, cache, items.length, () => slot('span', 'chip'));
  items.forEach((item, index) => {
    const target = cache[index];
    if (target !== undefined) show(target, itemState(items, index, finished), str(item));
  });
}

function titled(text: string, body: HTMLElement): HTMLElement {
  const box = h('div');
  box.append(h('h4', 'section-title', text), body);
  return box;
}

// ------------------------------------------------------------------ views

interface View {
  readonly root: HTMLElement;
  /** The partial (or final) object; `finished` once the result is validated. */
  update(value: unknown, finished: boolean): void;
  /** An element delivered on its own (`elements`), complete and validated. */
  element?(index: number, value: unknown): void;
}

function profileView(): View {
  const root = h('article', 'profile');
  const head = h('div', 'profile-head');
  const avatar = h('div', 'avatar');
  avatar.setAttribute('aria-hidden', 'true');
  const who = h('div', 'who');
  const name = slot('h3', 'field');
  const title = slot('div', 'field');
  const seniority = slot('div', 'field');
  seniority.value.classList.add('badge');
  who.append(name.root, title.root, seniority.root);
  head.append(avatar, who);
  const grid = h('div', 'profile-grid');
  const email = slot('div', 'field', 'Email');
  const location = slot('div', 'field', 'Location');
  const years = slot('div', 'field', 'Experience');
  const website = slot('div', 'field', 'Website');
  grid.append(email.root, location.root, years.root, website.root);
  const skillBox = h('div', 'chips');
  const skillSlots: Slot[] = [];
  const bio = slot('p', 'field');
  root.append(head, grid, titled('Skills', skillBox), titled('Bio', bio.root));
  root.dataset.schema = 'profile';
  return {
    root,
    update(value, finished) {
      const o = isObj(value) ? value : undefined;
      const nameText = str(o?.name);
      avatar.textContent =
        nameText
          ?.split(/\s+/)
          .filter((part) => part !== '')
          .slice(0, 2)
          .map((part) => part[0]?.toUpperCase() ?? '')
          .join('') ?? '';
      show(name, keyState(o, 'name', finished), nameText);
      show(title, keyState(o, 'title', finished), str(o?.title));
      show(seniority, keyState(o, 'seniority', finished), str(o?.seniority));
      show(email, keyState(o, 'email', finished), str(o?.email));
      show(location, keyState(o, 'location', finished), str(o?.location));
      const y = num(o?.yearsExperience);
      show(
        years,
        keyState(o, 'yearsExperience', finished),
        y === undefined ? undefined : `${y} ${y === 1 ? 'year' : 'years'}`,
      );
      // Optional: a finished profile without one says so instead of a skeleton.
      show(
        website,
        finished && o?.website === undefined ? 'final' : keyState(o, 'website', finished),
        str(o?.website) ?? (finished ? '—' : undefined),
      );
      chips(skillBox, skillSlots, list(o?.skills), keyState(o, 'skills', finished) === 'final');
      show(bio, keyState(o, 'bio', finished), str(o?.bio));
    },
  };
}

interface ProductCard {
  readonly root: HTMLElement;
  readonly category: Slot;
  readonly sku: Slot;
  readonly name: Slot;
  readonly price: Slot;
  readonly rating: Slot;
  readonly stock: Slot;
  readonly description: Slot;
  readonly tags: HTMLElement;
  readonly tagSlots: Slot[];
}

function productCard(index: number): ProductCard {
  const root = h('article', 'product');
  root.dataset.index = String(index);
  const top = h('div', 'product-top');
  const category = slot('span', 'field');
  const sku = slot('span', 'field');
  const left = h('span', 'field');
  left.append(h('b', 'n', `#${index}`), ' ', category.root);
  top.append(left, sku.root);
  const name = slot('h4', '');
  const meta = h('div', 'product-meta');
  const price = slot('span', 'field');
  price.value.classList.add('price');
  const rating = slot('span', 'field');
  const stock = slot('span', 'field');
  stock.value.classList.add('stock');
  meta.append(price.root, rating.root, stock.root);
  const description = slot('p', 'field');
  description.value.classList.add('desc');
  const tags = h('div', 'chips');
  root.append(top, name.root, meta, description.root, tags);
  return { root, category, sku, name, price, rating, stock, description, tags, tagSlots: [] };
}

function fillProduct(card: ProductCard, value: unknown, finished: boolean): void {
  const p = isObj(value) ? value : undefined;
  card.root.dataset.state = finished ? 'final' : 'writing';
  show(card.category, keyState(p, 'category', finished), str(p?.category));
  show(card.sku, keyState(p, 'sku', finished), str(p?.sku));
  show(card.name, keyState(p, 'name', finished), str(p?.name));
  const price = num(p?.price);
  const currency = str(p?.currency);
  show(
    card.price,
    least(keyState(p, 'price', finished), keyState(p, 'currency', finished)),
    price === undefined ? undefined : money(price, currency),
  );
  const rating = num(p?.rating);
  show(
    card.rating,
    keyState(p, 'rating', finished),
    rating === undefined ? undefined : `★ ${rating.toFixed(1)}`,
  );
  const inStock = p?.inStock;
  card.stock.value.dataset.in = String(inStock);
  show(
    card.stock,
    keyState(p, 'inStock', finished),
    typeof inStock === 'boolean' ? (inStock ? 'In stock' : 'Out of stock') : undefined,
  );
  show(card.description, keyState(p, 'description', finished), str(p?.description));
  chips(card.tags, card.tagSlots, list(p?.tags), keyState(p, 'tags', finished) === 'final');
}

function catalogueView(): View {
  const root = h('article', 'catalogue');
  root.dataset.schema = 'catalogue';
  const head = h('div', 'catalogue-head');
  const store = slot('h3', 'field');
  const updated = slot('span', 'field', 'updated');
  const count = h('span', 'badge', '0 products');
  head.append(store.root, updated.root, count);
  const grid = h('div', 'products');
  root.append(head, grid);
  const cards: ProductCard[] = [];
  /** With `elements`, the products arrive one by one and the result keeps none. */
  const delivered: unknown[] = [];
  const render = (products: readonly unknown[], finished: boolean) => {
    syncItems(grid, cards, products.length, productCard);
    products.forEach((product, index) => {
      const card = cards[index];
      if (card !== undefined) {
        fillProduct(card, product, itemState(products, index, finished) === 'final');
      }
    });
    count.textContent = `${products.length} ${products.length === 1 ? 'product' : 'products'}`;
  };
  return {
    root,
    update(value, finished) {
      const o = isObj(value) ? value : undefined;
      show(store, keyState(o, 'store', finished), str(o?.store));
      show(updated, keyState(o, 'updated', finished), str(o?.updated));
      if (delivered.length > 0) return;
      render(list(o?.products), keyState(o, 'products', finished) === 'final');
    },
    element(index, value) {
      delivered[index] = value;
      render(delivered, true);
    },
  };
}

interface MetricTile {
  readonly root: HTMLElement;
  readonly name: Slot;
  readonly value: Slot;
  readonly change: Slot;
}

function metricTile(): MetricTile {
  const root = h('div', 'metric');
  const name = slot('span', 'name');
  const value = slot('span', 'value');
  const change = slot('span', 'change');
  root.append(name.root, value.root, change.root);
  return { root, name, value, change };
}

interface SectionCard {
  readonly root: HTMLElement;
  readonly heading: Slot;
  readonly metrics: HTMLElement;
  readonly tiles: MetricTile[];
  readonly findings: HTMLElement;
  readonly findingSlots: Slot[];
}

function sectionCard(): SectionCard {
  const root = h('div', 'report-section');
  const heading = slot('h4', '');
  const metrics = h('div', 'metrics');
  const findings = h('ul', 'list');
  root.append(heading.root, metrics, findings);
  return { root, heading, metrics, tiles: [], findings, findingSlots: [] };
}

function textList(
  parent: HTMLElement,
  cache: Slot[],
  items: readonly unknown[],
  finished: boolean,
) {
  syncItems(parent, cache, items.length, () => slot('li', ''));
  items.forEach((item, index) => {
    const target = cache[index];
    if (target !== undefined) show(target, itemState(items, index, finished), str(item));
  });
}

function reportView(): View {
  const root = h('article', 'report');
  root.dataset.schema = 'report';
  const title = slot('h3', 'field');
  const period = slot('div', 'field');
  period.value.classList.add('badge');
  const summary = slot('p', 'field');
  const sectionsBox = h('div', 'report-sections');
  const sections: SectionCard[] = [];
  const risksBox = h('ul', 'list');
  const risks: { root: HTMLElement; sev: HTMLElement; text: Slot }[] = [];
  const recsBox = h('ol', 'list');
  const recs: Slot[] = [];
  const lower = h('div', 'two');
  lower.append(titled('Risks', risksBox), titled('Recommendations', recsBox));
  root.append(title.root, period.root, summary.root, sectionsBox, lower);
  return {
    root,
    update(value, finished) {
      const o = isObj(value) ? value : undefined;
      show(title, keyState(o, 'title', finished), str(o?.title));
      show(period, keyState(o, 'period', finished), str(o?.period));
      show(summary, keyState(o, 'summary', finished), str(o?.summary));
      const items = list(o?.sections);
      const sectionsFinal = keyState(o, 'sections', finished) === 'final';
      syncItems(sectionsBox, sections, items.length, sectionCard);
      items.forEach((item, index) => {
        const card = sections[index];
        if (card === undefined) return;
        const s = isObj(item) ? item : undefined;
        const done = itemState(items, index, sectionsFinal) === 'final';
        show(card.heading, keyState(s, 'heading', done), str(s?.heading));
        const metrics = list(s?.metrics);
        const metricsFinal = keyState(s, 'metrics', done) === 'final';
        syncItems(card.metrics, card.tiles, metrics.length, metricTile);
        metrics.forEach((metric, m) => {
          const tile = card.tiles[m];
          if (tile === undefined) return;
          const x = isObj(metric) ? metric : undefined;
          const whole = itemState(metrics, m, metricsFinal) === 'final';
          const amount = num(x?.value);
          const unit = str(x?.unit);
          show(tile.name, keyState(x, 'name', whole), str(x?.name));
          show(
            tile.value,
            least(keyState(x, 'value', whole), keyState(x, 'unit', whole)),
            amount === undefined
              ? undefined
              : `${amount.toLocaleString('en')}${unit === undefined ? '' : ` ${unit}`}`,
          );
          const change = num(x?.changePercent);
          tile.change.value.dataset.sign =
            change === undefined ? '' : change > 0 ? 'up' : change < 0 ? 'down' : '';
          show(
            tile.change,
            keyState(x, 'changePercent', whole),
            change === undefined
              ? undefined
              : `${change > 0 ? '▲' : change < 0 ? '▼' : '•'} ${Math.abs(change)}%`,
          );
        });
        textList(
          card.findings,
          card.findingSlots,
          list(s?.findings),
          keyState(s, 'findings', done) === 'final',
        );
      });
      const riskItems = list(o?.risks);
      const risksFinal = keyState(o, 'risks', finished) === 'final';
      syncItems(risksBox, risks, riskItems.length, () => {
        const text = slot('li', '');
        const sev = h('span', 'sev');
        text.root.prepend(sev);
        return { root: text.root, sev, text };
      });
      riskItems.forEach((item, index) => {
        const row = risks[index];
        if (row === undefined) return;
        const r = isObj(item) ? item : undefined;
        const whole = itemState(riskItems, index, risksFinal) === 'final';
        const severity = str(r?.severity) ?? '';
        row.sev.textContent = severity;
        row.sev.dataset.sev = severity;
        show(
          row.text,
          least(keyState(r, 'risk', whole), keyState(r, 'severity', whole)),
          str(r?.risk),
        );
      });
      textList(
        recsBox,
        recs,
        list(o?.recommendations),
        keyState(o, 'recommendations', finished) === 'final',
      );
    },
  };
}

/** A schema with no card layout: its JSON, pretty-printed. */
function jsonView(): View {
  const root = h('pre', 'json');
  return {
    root,
    update(value) {
      root.textContent = JSON.stringify(value, null, 2);
    },
  };
}

const VIEWS: Record<string, () => View> = {
  profile: profileView,
  catalogue: catalogueView,
  report: reportView,
};

// ------------------------------------------------------------------ chart

interface Marker {
  readonly at: number;
  readonly type: 'retry' | 'fallback';
  readonly label: string;
}

/** Progress over time (uPlot), with a dashed line at each retry and fallback. */
class ProgressChart {
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];
  private readonly markers: Marker[] = [];
  private readonly plot: UPlot;
  private readonly root: HTMLElement;

  constructor(root: HTMLElement) {
    this.root = root;
    const css = getComputedStyle(document.documentElement);
    const color = (name: string) => css.getPropertyValue(name).trim();
    const accent = color('--accent');
    const axis = {
      stroke: color('--muted'),
      grid: { stroke: color('--border'), width: 1 },
      ticks: { stroke: color('--border'), width: 1 },
    };
    this.plot = new window.uPlot(
      {
        width: this.width(),
        height: 170,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: false, range: (_u, _min, max) => [0, Math.max(1, max ?? 1)] },
          y: { range: [0, 100] },
        },
        series: [
          {},
          {
            label: 'progress',
            stroke: accent,
            width: 2,
            fill: `${accent}22`,
            points: { show: false },
          },
        ],
        axes: [
          { ...axis, values: (_u, ticks) => ticks.map((tick) => `${tick} s`) },
          { ...axis, size: 54, values: (_u, ticks) => ticks.map((tick) => `${tick}%`) },
        ],
        hooks: { draw: [(u) => this.placeMarkers(u)] },
      },
      [[], []],
      root,
    );
    new ResizeObserver(() => {
      const width = this.width();
      if (width !== this.plot.width) this.plot.setSize({ width, height: 170 });
    }).observe(root);
  }

  private width(): number {
    return Math.max(200, Math.floor(this.root.clientWidth));
  }

  reset(): void {
    this.xs.length = 0;
    this.ys.length = 0;
    this.markers.length = 0;
    this.redraw();
  }

  add(at: number, percent: number): void {
    this.xs.push(at);
    this.ys.push(percent);
    this.redraw();
  }

  mark(at: number, type: Marker['type'], label: string): void {
    this.markers.push({ at, type, label });
    this.add(at, 0);
  }

  private redraw(): void {
    this.plot.setData([this.xs, this.ys]);
  }

  private placeMarkers(u: UPlot): void {
    for (const old of u.over.querySelectorAll('.marker')) old.remove();
    for (const marker of this.markers) {
      const line = h('div', 'marker');
      line.dataset.type = marker.type;
      line.style.left = `${u.valToPos(marker.at, 'x')}px`;
      line.title = marker.label;
      line.append(h('span', '', marker.type));
      u.over.append(line);
    }
  }
}

// ------------------------------------------------------------------- page

const config = JSON.parse(byId('config').textContent ?? '{}') as PageConfig;
const form = byId<HTMLFormElement>('form');
const schemaSelect = byId<HTMLSelectElement>('schema');
const faultSelect = byId<HTMLSelectElement>('fault');
const elementsBox = byId<HTMLInputElement>('elements');
const bar = byId('bar');
const fill = byId('fill');
const resultPre = byId('result');
const viewBox = byId('view');
const eventsList = byId('events');
const chart = new ProgressChart(byId('chart'));

for (const schema of config.schemas) schemaSelect.add(new Option(schema.label, schema.id));
for (const model of config.models) byId('models').append(new Option(model));
byId<HTMLInputElement>('model').placeholder = config.defaultModel;
faultSelect.add(new Option('none', ''));
for (const fault of config.faults) faultSelect.add(new Option(fault.label, fault.id));
if (config.faults.length === 0) byId('fault-field').hidden = true;

const chosenSchema = () => config.schemas.find((schema) => schema.id === schemaSelect.value);
const syncSchema = () => {
  byId<HTMLTextAreaElement>('prompt').placeholder = chosenSchema()?.prompt ?? '';
  // The elements checkbox only for a schema whose bulk is one array.
  const streamable = chosenSchema()?.elements === true;
  elementsBox.disabled = !streamable;
  byId('elements-field').dataset.available = String(streamable);
};
syncSchema();
schemaSelect.addEventListener('change', syncSchema);

// Cards or raw JSON.
function showTab(json: boolean): void {
  byId('tab-view').setAttribute('aria-selected', String(!json));
  byId('tab-json').setAttribute('aria-selected', String(json));
  viewBox.hidden = json;
  resultPre.hidden = !json;
}
byId('tab-view').addEventListener('click', () => showTab(false));
byId('tab-json').addEventListener('click', () => showTab(true));

let runId: string | undefined;
/** The structured stream being read; a new run replaces it. */
let reader: ClientStructuredStream<unknown> | undefined;
let ticker: ReturnType<typeof setInterval> | undefined;
/** `Date.now()` when the run was started (kept across a reload). */
let startedAt = 0;
let view: View | undefined;
let status: RunStatus = 'idle';
/** What the percent rests on (the run's latest `progress` event): the bar is striped while it is `schema`. */
let estimate: 'schema' | 'learned' | undefined;
/** The attempt the stats show: a retry listed restarts the bar only if the stream has not got there yet. */
let shownAttempt = 0;

const TERMINAL: readonly RunStatus[] = ['complete', 'failed', 'cancelled'];

/**
 * The run being followed, for a person in the devtools (and the page's tests): its id and
 * the model's text of the current attempt exactly as received, each piece once.
 */
interface DemoRun {
  readonly id: string;
  attempt: number;
  text: string;
}
declare global {
  interface Window {
    demoRun?: DemoRun;
  }
}

/** A run survives a reload of the page: the page re-attaches to it by its id. */
const SAVED_RUN = 'structllm-demo-run';
interface SavedRun {
  readonly id: string;
  readonly schema: string;
  readonly elements: boolean;
  readonly model: string;
  readonly startedAt: number;
}

function savedRun(): SavedRun | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SAVED_RUN) ?? 'null') as SavedRun | null;
    return saved !== null && typeof saved.id === 'string' ? saved : undefined;
  } catch {
    return undefined;
  }
}

function setStatus(next: RunStatus): void {
  status = next;
  const pill = byId('status');
  pill.textContent = next;
  pill.dataset.status = next;
  bar.dataset.status = next;
  const running = next === 'streaming' || next === 'paused' || next === 'starting';
  byId<HTMLButtonElement>('run').disabled = running;
  byId<HTMLButtonElement>('pause').disabled = next !== 'streaming';
  byId<HTMLButtonElement>('resume').disabled = next !== 'paused';
  byId<HTMLButtonElement>('cancel').disabled = !running;
  byId('error').dataset.status = next;
  if (TERMINAL.includes(next)) {
    byId('wait').textContent = '';
    viewBox.dataset.ended = next;
  } else delete viewBox.dataset.ended;
}

/**
 * The bar and its label. While the percent rests on the schema alone (`estimate: 'schema'`:
 * the first answer of this schema) the bar is striped and the label reads `~42%`,
 * with a line saying why; from learned sizes it is a plain bar.
 */
function setProgress(percent: number, basis?: 'schema' | 'learned'): void {
  const value = Math.max(0, Math.min(100, percent));
  fill.style.width = `${value}%`;
  bar.setAttribute('aria-valuenow', value.toFixed(1));
  const rough = basis === 'schema';
  if (basis === undefined) delete bar.dataset.estimate;
  else bar.dataset.estimate = basis;
  bar.setAttribute('aria-valuetext', `${rough ? 'about ' : ''}${value.toFixed(0)}%`);
  byId('percent').textContent = `${rough ? '~' : ''}${value.toFixed(0)}%`;
  byId('estimate').textContent =
    basis === 'schema'
      ? 'Estimated from the schema alone: the first answer of this schema on this server.'
      : basis === 'learned'
        ? 'Estimated from the sizes of earlier answers.'
        : '';
}

const since = () => (Date.now() - startedAt) / 1000;

/** A lifecycle event (start, retry, fallback, complete, error) listed; a retry or fallback also moves the stats. */
function addEvent(event: ProgressEvent): void {
  const item = h('li', '', event.message);
  item.dataset.type = event.eventType;
  eventsList.append(item);
  eventsList.scrollTop = eventsList.scrollHeight;
  if (event.eventType !== 'retry' && event.eventType !== 'fallback') return;
  chart.mark(since(), event.eventType, event.message);
  // The next attempt starts now (after any wait): the stats say so at once, and progress restarts.
  const data = event.data ?? {};
  const attempt = num(data.attempt);
  if (attempt === undefined || attempt <= shownAttempt) return;
  shownAttempt = attempt;
  byId('attempt').textContent = String(attempt);
  const model = str(data.to) ?? str(data.model);
  if (model !== undefined) byId('model-shown').textContent = model;
  setProgress(0);
  const delayMs = num(data.delayMs);
  byId('wait').textContent =
    delayMs !== undefined && delayMs > 0
      ? `Waiting ${seconds(delayMs)} before attempt ${attempt}…`
      : '';
}

function finish(next: RunStatus): void {
  setStatus(next);
  if (ticker !== undefined) clearInterval(ticker);
  reader = undefined;
  sessionStorage.removeItem(SAVED_RUN);
}

/**
 * Reads run `id`'s structured stream with `@structllm/http`'s client (from its start: a
 * reloaded page replays it) and renders it, with its lifecycle events, estimate and elements
 * (the server forwards them with `StreamEvents`); the client re-attaches by itself when the
 * connection drops. The one place the page reads a run.
 */
async function connectRun(id: string, elements: boolean, reattach: boolean): Promise<void> {
  runId = id;
  // Set once `stream` is: the client calls these while the page reads it.
  let current: ClientStructuredStream<unknown> | undefined;
  const onProgress = (event: ProgressEvent): void => {
    if (current === undefined || reader !== current) return;
    if (event.eventType === 'progress') estimate = event.estimate;
    else addEvent(event);
  };
  const onElement = (element: ElementEvent<unknown>): void => {
    if (current === undefined || reader !== current) return;
    if (!elements || element.error !== undefined) return;
    view?.element?.(element.index, element.value);
    if (!TERMINAL.includes(status)) {
      byId('items-count').textContent = `${element.index + 1} products so far, each delivered once`;
    }
  };
  const stream = readStructuredStream(
    reattach ? `/api/runs/${id}/stream` : `/api/runs/${id}/events`,
    { reconnect: { attempts: 10, delayMs: 200 }, onProgress, onElement },
  );
  current = stream;
  reader = stream;
  const received: DemoRun = { id, attempt: 0, text: '' };
  window.demoRun = received;
  setStatus('streaming');
  if (reattach) void showPaused(id, stream);
  let textEvents = 0;
  // The object is drawn at most every 40 ms (and at each attempt change and at the end).
  let latest: StreamingResponse<unknown> | undefined;
  let drawn = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const draw = (): void => {
    timer = undefined;
    const response = latest;
    if (response === undefined || reader !== stream) return;
    drawn = performance.now();
    setProgress(response.progressPercent, estimate);
    chart.add(since(), response.progressPercent);
    byId('wait').textContent = '';
    byId('text-events').textContent = String(textEvents);
    if (response.partialResult !== undefined) {
      view?.update(response.partialResult, false);
      resultPre.textContent = JSON.stringify(response.partialResult, null, 2);
      if (!elements) resultPre.scrollTop = resultPre.scrollHeight;
    }
  };
  for await (const response of stream) {
    if (reader !== stream) {
      stream.abort();
      break;
    }
    if (response.attempt !== received.attempt) {
      received.attempt = response.attempt;
      received.text = '';
    }
    // One raw chunk per text event: the model's text as the server gathered it.
    for (const chunk of response.rawChunks ?? []) {
      received.text += chunk;
      textEvents++;
    }
    if (response.attempt !== shownAttempt) {
      shownAttempt = response.attempt;
      byId('attempt').textContent = String(response.attempt);
      latest = response;
      draw();
    }
    if (response.model !== '') byId('model-shown').textContent = response.model;
    if (response.isComplete) {
      if (timer !== undefined) clearTimeout(timer);
      byId('text-events').textContent = String(textEvents);
      if (response.error !== undefined) {
        byId('error').textContent = `${response.error.category}: ${response.error.message}`;
        finish(response.error.category === 'aborted' ? 'cancelled' : 'failed');
        return;
      }
      finish('complete');
      setProgress(100);
      byId('elapsed').textContent = seconds(Date.now() - startedAt);
      view?.update(response.partialResult, true);
      resultPre.textContent = JSON.stringify(response.partialResult, null, 2);
      resultPre.scrollTop = 0;
      if (response.elementCount !== undefined) {
        byId('items-count').textContent =
          `${response.elementCount} items, each listed once as it arrived; none kept (the result holds the array empty)`;
      }
      return;
    }
    latest = response;
    if (performance.now() - drawn >= 40) draw();
    else timer ??= setTimeout(draw, 40);
  }
}

/** A page reloaded while its run is paused says so (pause and resume are not on the stream). */
async function showPaused(id: string, stream: ClientStructuredStream<unknown>): Promise<void> {
  try {
    const response = await fetch(`/api/runs/${id}`);
    if (!response.ok) return;
    const state = (await response.json()) as RunState;
    if (reader === stream && state.status === 'paused' && status === 'streaming') {
      setStatus('paused');
    }
  } catch {
    // The connection dropped: the page shows the run as streaming, as it did before the reload.
  }
}

/** Clears the page for a run of `schema` started at `at` (`Date.now()`). */
function startView(schema: string, at: number): void {
  byId('error').textContent = '';
  byId('wait').textContent = '';
  eventsList.replaceChildren();
  resultPre.textContent = '';
  byId('items-count').textContent = '';
  view = (VIEWS[schema] ?? jsonView)();
  viewBox.replaceChildren(view.root);
  estimate = undefined;
  shownAttempt = 0;
  setProgress(0);
  chart.reset();
  byId('attempt').textContent = '1';
  byId('text-events').textContent = '0';
  startedAt = at;
  byId('elapsed').textContent = seconds(Date.now() - at);
  chart.add(since(), 0);
  if (ticker !== undefined) clearInterval(ticker);
  ticker = setInterval(() => {
    if (status === 'streaming' || status === 'starting') {
      byId('elapsed').textContent = seconds(Date.now() - startedAt);
    }
  }, 100);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  reader?.abort();
  reader = undefined;
  const elements = elementsBox.checked && !elementsBox.disabled;
  const schema = schemaSelect.value;
  startView(schema, Date.now());
  setStatus('starting');
  // In one column (a phone) the progress is below the form: bring it into view.
  if (matchMedia('(max-width: 900px)').matches) {
    byId('progress-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }
  const response = await fetch('/api/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      prompt: byId<HTMLTextAreaElement>('prompt').value,
      schema,
      model: byId<HTMLInputElement>('model').value,
      fallback: byId<HTMLInputElement>('fallback').value,
      fault: faultSelect.value,
      maxRetries: Number(byId<HTMLInputElement>('max-retries').value),
      elements,
    }),
  });
  const body = (await response.json()) as Partial<RunCreated> & { error?: string };
  if (!response.ok || body.id === undefined) {
    byId('error').textContent = body.error ?? `HTTP ${response.status}`;
    setStatus('idle');
    return;
  }
  const model = body.model ?? '';
  byId('model-shown').textContent = model;
  const saved: SavedRun = { id: body.id, schema, elements, model, startedAt };
  sessionStorage.setItem(SAVED_RUN, JSON.stringify(saved));
  await connectRun(body.id, elements, false);
});

async function control(action: 'pause' | 'resume' | 'cancel'): Promise<void> {
  if (runId === undefined) return;
  const response = await fetch(`/api/runs/${runId}/${action}`, { method: 'POST' });
  if (response.ok && action !== 'cancel') {
    const body = (await response.json()) as RunState;
    if (body.status === 'paused' || body.status === 'streaming') setStatus(body.status);
  }
}
byId('pause').addEventListener('click', () => void control('pause'));
byId('resume').addEventListener('click', () => void control('resume'));
byId('cancel').addEventListener('click', () => void control('cancel'));
setStatus('idle');

// A reload while a run streams: show the same run again, replayed from its start, then live.
const saved = savedRun();
if (saved !== undefined) {
  schemaSelect.value = saved.schema;
  syncSchema();
  elementsBox.checked = saved.elements;
  startView(saved.schema, saved.startedAt);
  byId('model-shown').textContent = saved.model;
  void connectRun(saved.id, saved.elements, true);
}

// ------------------------------------------------------------------ batch

function batchRow(index: number): HTMLElement {
  const row = h('li', 'batch-row');
  row.dataset.index = String(index);
  row.dataset.status = 'queued';
  const track = h('div', 'bar');
  track.setAttribute('role', 'progressbar');
  track.setAttribute('aria-label', `request ${index + 1}`);
  track.setAttribute('aria-valuemin', '0');
  track.setAttribute('aria-valuemax', '100');
  track.setAttribute('aria-valuenow', '0');
  track.append(h('div', 'fill'));
  row.append(h('span', 'n', `#${index + 1}`), track, h('span', 'state', 'queued'));
  return row;
}

function updateRow(row: HTMLElement, data: BatchItemMessage): void {
  const track = row.querySelector<HTMLElement>('.bar');
  const rowFill = row.querySelector<HTMLElement>('.fill');
  const state = row.querySelector<HTMLElement>('.state');
  if (track === null || rowFill === null || state === null) return;
  row.dataset.status = data.status;
  track.dataset.status = data.status;
  const percent = data.status === 'complete' ? 100 : data.progressPercent;
  rowFill.style.width = `${percent}%`;
  track.setAttribute('aria-valuenow', percent.toFixed(1));
  state.textContent =
    data.status === 'complete'
      ? `done${data.attempt > 1 ? ` (attempt ${data.attempt})` : ''}`
      : data.status === 'failed'
        ? `failed: ${data.category ?? 'unknown'}`
        : `${percent.toFixed(0)}%${data.attempt > 1 ? ` · try ${data.attempt}` : ''}`;
}

const parse = <T>(event: Event): T => JSON.parse((event as MessageEvent<string>).data) as T;

/** Starts a batch and follows its events: the one place the page talks to the batch endpoints. */
function connectBatch(id: string, count: number): void {
  const bars = byId('batch-bars');
  const rows = Array.from({ length: count }, (_, index) => batchRow(index));
  bars.replaceChildren(...rows);
  const events = new EventSource(`/api/batches/${id}/events`);
  const button = byId<HTMLButtonElement>('batch-run');
  events.addEventListener('item', (e) => {
    const data = parse<BatchItemMessage>(e);
    const row = rows[data.index];
    if (row !== undefined) updateRow(row, data);
  });
  events.addEventListener('done', (e) => {
    const data = parse<BatchDoneMessage>(e);
    events.close();
    button.disabled = false;
    byId('batch-summary').textContent =
      `${data.fulfilled} of ${count} complete${data.rejected > 0 ? `, ${data.rejected} failed` : ''} in ${seconds(data.elapsedMs)}`;
  });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) {
      button.disabled = false;
      byId('batch-summary').textContent = 'The connection to the demo server was lost.';
    }
  };
}

byId<HTMLFormElement>('batch-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = byId<HTMLButtonElement>('batch-run');
  button.disabled = true;
  byId('batch-summary').textContent = '';
  const response = await fetch('/api/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      schema: schemaSelect.value,
      model: byId<HTMLInputElement>('model').value,
      fault: faultSelect.value,
      count: Number(byId<HTMLInputElement>('batch-count').value),
      concurrency: Number(byId<HTMLInputElement>('batch-concurrency').value),
    }),
  });
  const body = (await response.json()) as { id?: string; count?: number; error?: string };
  if (!response.ok || body.id === undefined || body.count === undefined) {
    byId('batch-summary').textContent = body.error ?? `HTTP ${response.status}`;
    button.disabled = false;
    return;
  }
  connectBatch(body.id, body.count);
});
