/**
 * Deterministic benchmark documents: the kind of JSON a model emits for structured
 * output (a product catalogue of extracted records), pretty-printed with two-space
 * indentation. Same seed and target size → byte-identical text on every machine.
 */

import { jsonSchema } from '@structllm/core';
import { seededRandom } from '@structllm/testing';

export interface BenchDocument {
  /** Short label used in tables, e.g. `100 KB`. */
  readonly label: string;
  /** The JSON text. */
  readonly text: string;
  /** UTF-8 size of `text`. */
  readonly bytes: number;
  /** Number of top-level records (`products` entries). */
  readonly records: number;
}

export interface DocumentOptions {
  /** Stop adding records once the UTF-8 size reaches this many bytes. */
  readonly targetBytes: number;
  readonly seed?: number;
  readonly label?: string;
}

const WORDS: readonly string[] = [
  'premium lightweight durable ergonomic wireless stainless compact waterproof adjustable',
  'portable recycled modular quiet rechargeable steel cotton bamboo ceramic aluminium',
  'leather glass oak linen battery charger kettle backpack lamp speaker jacket blender',
  'desk with for and the a of in to is it on at by from café naïve résumé façade Zürich',
  'São Paulo crème brûlée über piñata Ærø smörgåsbord Kraków Ελληνικά Привет 東京 ソニー 한국어 ✓',
  '€ — … 🚀 😀 👍🏽 🔋 🎧 🇫🇷 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧑‍💻',
]
  .join(' ')
  .split(' ');

const COLOURS = ['black', 'white', 'graphite', 'sand', 'forest green', 'crimson', 'navy'];
const CATEGORIES = ['audio', 'kitchen', 'outdoor', 'office', 'apparel', 'lighting', 'travel'];
const NAMES = ['Ada', 'Grace', 'Linus', 'Zoë', 'Björn', 'Chloé', 'José', 'Mei', 'Oğuz', 'Søren'];

interface Picker {
  readonly rng: () => number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function createPicker(seed: number): Picker {
  const rng = seededRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
  return {
    rng,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
    chance: (p: number): boolean => rng() < p,
  };
}

function sentence(r: Picker, minWords: number, maxWords: number): string {
  const count = r.int(minWords, maxWords);
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    let word: string = r.pick(WORDS);
    const roll = r.rng();
    if (roll < 0.03) word = `"${word}"`;
    else if (roll < 0.045) word = `${word}\\${r.pick(WORDS)}`;
    else if (roll < 0.06) word = `${word}\t`;
    words.push(word);
  }
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function paragraphs(r: Picker, minChars: number, maxChars: number): string {
  const target = r.int(minChars, maxChars);
  let text = '';
  while (text.length < target) {
    text += sentence(r, 4, 18);
    text += r.chance(0.2) ? '\n\n' : r.chance(0.1) ? '\n- ' : ' ';
  }
  return text.trimEnd();
}

/** Two-decimal price-like float. */
function money(r: Picker, max: number): number {
  return Math.round(r.rng() * max * 100) / 100;
}

/** A float that `JSON.stringify` writes with an exponent (`3.25e-7`, `6.02e+23`). */
function exponentFloat(r: Picker): number {
  const mantissa = Math.round((1 + r.rng() * 8.99) * 1000) / 1000;
  return r.chance(0.5) ? mantissa * 10 ** -r.int(7, 12) : mantissa * 10 ** r.int(21, 30);
}

function product(r: Picker, index: number): Record<string, unknown> {
  const variants = [];
  for (let i = r.int(0, 4); i > 0; i--) {
    variants.push({
      sku: `SKU-${index.toString().padStart(6, '0')}-${i}`,
      colour: r.pick(COLOURS),
      priceDelta: r.chance(0.5) ? -money(r, 20) : money(r, 40),
      available: r.chance(0.7),
    });
  }
  const reviews = [];
  for (let i = r.int(0, 3); i > 0; i--) {
    reviews.push({
      author: `${r.pick(NAMES)} ${r.pick(NAMES).charAt(0)}.`,
      score: r.int(1, 5),
      verified: r.chance(0.6),
      text: paragraphs(r, 20, 400),
      helpful: r.int(-3, 250),
    });
  }
  return {
    id: `prod_${index.toString(36).padStart(5, '0')}`,
    name: sentence(r, 2, 8).slice(0, -1),
    category: r.pick(CATEGORIES),
    description: paragraphs(r, 40, 1500),
    price: money(r, 2000),
    discount: r.chance(0.3) ? -Math.round(r.rng() * 50) / 100 : 0,
    rating: Math.round((1 + r.rng() * 4) * 10) / 10,
    stock: r.int(-5, 5000),
    inStock: r.chance(0.8),
    tolerance: exponentFloat(r),
    dimensions: {
      widthCm: money(r, 120),
      heightCm: money(r, 80),
      depthCm: r.int(1, 60),
      weightKg: r.chance(0.1) ? null : Math.round(r.rng() * 300) / 10,
    },
    tags: Array.from({ length: r.int(0, 6) }, () => r.pick(WORDS)),
    supplier: r.chance(0.25)
      ? null
      : {
          name: `${r.pick(NAMES)} & ${r.pick(NAMES)} GmbH`,
          country: r.pick(['DE', 'FR', 'JP', 'BR', 'US', 'PL']),
          leadTimeDays: r.int(1, 90),
          contact: { email: `sales${r.int(1, 99)}@example.com`, phone: null },
        },
    variants,
    reviews,
    notes: r.chance(0.4) ? paragraphs(r, 5, 120) : null,
  };
}

/** Replaces every non-ASCII UTF-16 unit with a `\uXXXX` escape (surrogate pairs become two). */
function asciiEscape(json: string): string {
  return json.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function indent(json: string, spaces: string): string {
  return json.replaceAll('\n', `\n${spaces}`);
}

/**
 * Generates a catalogue document of at least `targetBytes` UTF-8 bytes. About a
 * quarter of the records are written with `\uXXXX` escapes for non-ASCII
 * characters (as some models do), the rest with raw UTF-8.
 */
export function generateCatalogue(options: DocumentOptions): BenchDocument {
  const r = createPicker(options.seed ?? 0x5eed);
  const header = {
    source: 'structllm-bench synthetic catalogue',
    schemaVersion: 3,
    currency: 'EUR',
    extractedAt: '2025-01-01T00:00:00.000Z',
    confidence: 0.97,
  };
  const head = `{\n  "catalogue": ${indent(JSON.stringify(header, null, 2), '  ')},\n  "products": [\n`;
  const parts: string[] = [head];
  let bytes = Buffer.byteLength(head);
  let records = 0;
  // Leave room for the closing part (~200 bytes) within the target.
  while (bytes < options.targetBytes - 200 || records === 0) {
    let record = JSON.stringify(product(r, records), null, 2);
    if (r.chance(0.25)) record = asciiEscape(record);
    const part = `${records === 0 ? '' : ',\n'}    ${indent(record, '    ')}`;
    parts.push(part);
    bytes += Buffer.byteLength(part);
    records++;
  }
  const summary = { records, complete: true, warnings: [], nextCursor: null };
  parts.push(`\n  ],\n  "summary": ${indent(JSON.stringify(summary, null, 2), '  ')}\n}\n`);
  const text = parts.join('');
  return {
    label: options.label ?? formatSize(options.targetBytes),
    text,
    bytes: Buffer.byteLength(text),
    records,
  };
}

/** `100 KB`, `1 MB` (decimal units). */
function formatSize(bytes: number): string {
  if (bytes >= 1_000_000) return `${Number((bytes / 1_000_000).toPrecision(3))} MB`;
  return `${Number((bytes / 1_000).toPrecision(3))} KB`;
}

/**
 * Splits text into chunks of `size` UTF-16 code units (the last one may be shorter),
 * never between the two halves of a surrogate pair: a chunk that would end on a high
 * surrogate takes one more unit. Real streams (`TextDecoderStream`, SDK text deltas)
 * never split a code point either.
 */
export function splitChunks(text: string, size: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff && end < text.length) end++;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

const amount = { type: 'number' };
/** A response model for the catalogue documents: partial validation does real work on every record. */
export const catalogueModel = jsonSchema(
  {
    type: 'object',
    properties: {
      catalogue: {
        type: 'object',
        properties: { source: { type: 'string' }, currency: { type: 'string' } },
      },
      products: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            category: { type: 'string' },
            description: { type: 'string' },
            price: amount,
            rating: { type: 'number', minimum: 0, maximum: 5 },
            stock: { type: 'integer' },
            inStock: { type: 'boolean' },
            dimensions: { type: 'object', properties: { widthCm: amount, heightCm: amount } },
            tags: { type: 'array', items: { type: 'string' } },
          },
          required: ['id', 'name', 'price'],
        },
      },
      summary: { type: 'object', properties: { records: { type: 'integer' } } },
    },
    required: ['catalogue', 'products', 'summary'],
  },
  { name: 'catalogue' },
);
