/**
 * Progress accuracy: how close `progressPercent` is to the true share of the answer
 * received, on six schemas of different shapes, with answers of realistic and of
 * unusual length. Cold: the first request of a response model (a fresh service);
 * warm: after five validated answers of realistic length. Per run: the mean absolute
 * error in points over every partial response, the worst error, and whether progress
 * ever went backwards within the attempt, above 100, or to 100 before validation.
 *
 *   node --conditions=@structllm/source src/progress-bench.ts [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import {
  type JsonSchema,
  jsonSchema,
  type ProgressEstimator,
  StructuredLLMService,
} from '@structllm/core';
import { chunkText, createMockProvider, seededRandom } from '@structllm/testing';
import { reportGoals } from './goals.ts';
import { benchFlags } from './replay.ts';

const { check, jsonOut } = benchFlags();
const CHUNK = 8;

const WORDS =
  'the of and a to in is it you that he was for on are with as his they be at one have this from or had by hot word but what some we can out other were all there when up use your how said an each she which do their time if will way about many then them write would like so these her long make thing see him two has look more day could go come did number sound no most people my over know water than call first who may down side been now find any new work part take get place made live where after back little only round man year came show every good me give our under name very through just form sentence great think say help low line differ turn cause much mean before move right boy old too same tell does set three want air well also play small end put home read hand port large spell add even land here must big high such follow act why ask men change went light kind off need house picture try us again animal point mother world near build self earth father'.split(
    ' ',
  );

function words(random: () => number, min: number, max: number): string {
  const n = min + Math.floor(random() * (max - min + 1));
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(random() * WORDS.length)] as string);
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function pick<T>(random: () => number, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)] as T;
}

interface Case {
  readonly name: string;
  readonly schema: JsonSchema;
  /** An answer; `size` is 'realistic' or one of the unusual lengths. */
  readonly answer: (random: () => number, size: Size) => unknown;
}
type Size = 'realistic' | 'short' | 'long';

const str = { type: 'string' } as const;
const CITIES = ['Lisbon', 'Osaka', 'Nairobi', 'Montréal', 'Tromsø', 'Valparaíso', 'Hanoi'];
const LEVELS = ['none', 'low', 'medium', 'high', 'critical'] as const;
const RATINGS = [
  'severity',
  'impact',
  'likelihood',
  'urgency',
  'exposure',
  'detectability',
  'reputational',
  'financial',
  'legal',
  'operational',
] as const;

const cases: readonly Case[] = [
  {
    name: 'flat object',
    schema: {
      type: 'object',
      properties: {
        name: str,
        email: { type: 'string', format: 'email' },
        age: { type: 'integer', minimum: 0, maximum: 130 },
        city: str,
        country: str,
        phone: str,
        occupation: str,
        website: { type: 'string', format: 'uri' },
        active: { type: 'boolean' },
      },
      required: ['name', 'email', 'age', 'city', 'country', 'occupation', 'active'],
      additionalProperties: false,
    },
    answer: (random, size) => ({
      name: size === 'long' ? words(random, 6, 9) : words(random, 2, 3),
      email: `${words(random, 1, 1).toLowerCase()}@example.com`,
      age: 18 + Math.floor(random() * 60),
      city: pick(random, CITIES),
      country: words(random, 1, 2),
      ...(size === 'short' ? {} : { phone: '+351 912 345 678' }),
      occupation: size === 'long' ? words(random, 12, 20) : words(random, 2, 4),
      ...(size === 'short' ? {} : { website: 'https://example.com/people/someone' }),
      active: random() < 0.5,
    }),
  },
  {
    name: 'nested objects',
    schema: {
      type: 'object',
      properties: {
        orderId: str,
        customer: {
          type: 'object',
          properties: {
            name: str,
            address: {
              type: 'object',
              properties: { street: str, city: str, postcode: str, country: str },
              required: ['street', 'city', 'postcode', 'country'],
            },
          },
          required: ['name', 'address'],
        },
        shipping: {
          type: 'object',
          properties: {
            method: { enum: ['standard', 'express', 'overnight'] },
            cost: { type: 'number' },
            eta: { type: 'string', format: 'date' },
          },
          required: ['method', 'cost', 'eta'],
        },
        payment: {
          type: 'object',
          properties: { card: str, holder: str, currency: { enum: ['EUR', 'USD', 'JPY'] } },
          required: ['card', 'holder', 'currency'],
        },
        notes: str,
      },
      required: ['orderId', 'customer', 'shipping', 'payment'],
    },
    answer: (random, size) => ({
      orderId: `ORD-${Math.floor(random() * 1e6)}`,
      customer: {
        name: words(random, 2, 3),
        address: {
          street: `${Math.floor(random() * 300)} ${words(random, 2, size === 'long' ? 8 : 3)}`,
          city: pick(random, CITIES),
          postcode: '1100-148',
          country: words(random, 1, 2),
        },
      },
      shipping: { method: pick(random, ['standard', 'express']), cost: 4.99, eta: '2026-12-24' },
      payment: { card: '**** 4242', holder: words(random, 2, 3), currency: 'EUR' },
      ...(size === 'short'
        ? {}
        : { notes: words(random, size === 'long' ? 60 : 6, size === 'long' ? 90 : 14) }),
    }),
  },
  {
    name: 'array of records (no maxItems)',
    schema: {
      type: 'object',
      properties: {
        category: str,
        products: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: str,
              name: str,
              description: str,
              price: { type: 'number' },
              tags: { type: 'array', items: str },
            },
            required: ['id', 'name', 'description', 'price', 'tags'],
          },
        },
      },
      required: ['category', 'products'],
    },
    answer: (random, size) => {
      const count = size === 'short' ? 2 : size === 'long' ? 48 : 6 + Math.floor(random() * 14);
      return {
        category: words(random, 1, 2),
        products: Array.from({ length: count }, (_, i) => ({
          id: `p-${i}`,
          name: words(random, 2, 4),
          description: words(random, 12, 30),
          price: Math.round(random() * 10_000) / 100,
          tags: Array.from({ length: 1 + Math.floor(random() * 4) }, () => words(random, 1, 1)),
        })),
      };
    },
  },
  {
    name: 'array with minItems/maxItems',
    schema: {
      type: 'object',
      properties: {
        question: str,
        answers: {
          type: 'array',
          minItems: 3,
          maxItems: 10,
          items: {
            type: 'object',
            properties: { text: str, score: { type: 'integer', minimum: 0, maximum: 100 } },
            required: ['text', 'score'],
          },
        },
      },
      required: ['question', 'answers'],
    },
    answer: (random, size) => ({
      question: words(random, 6, 12),
      answers: Array.from(
        { length: size === 'short' ? 3 : size === 'long' ? 10 : 4 + Math.floor(random() * 3) },
        () => ({ text: words(random, 3, 10), score: Math.floor(random() * 100) }),
      ),
    }),
  },
  {
    name: 'long free text',
    schema: {
      type: 'object',
      properties: {
        title: str,
        summary: str,
        body: str,
        conclusion: str,
        keywords: { type: 'array', items: str, maxItems: 8 },
      },
      required: ['title', 'summary', 'body', 'conclusion', 'keywords'],
    },
    answer: (random, size) => {
      const scale = size === 'short' ? 0.2 : size === 'long' ? 4 : 1;
      return {
        title: words(random, 4, 9),
        summary: words(random, Math.ceil(25 * scale), Math.ceil(45 * scale)),
        body: words(random, Math.ceil(120 * scale), Math.ceil(220 * scale)),
        conclusion: words(random, Math.ceil(20 * scale), Math.ceil(40 * scale)),
        keywords: Array.from({ length: 3 + Math.floor(random() * 4) }, () => words(random, 1, 1)),
      };
    },
  },
  {
    name: 'enum-heavy form',
    schema: {
      type: 'object',
      properties: Object.fromEntries([
        ...RATINGS.map((name) => [name, { enum: LEVELS }] as const),
        ['department', { enum: ['engineering', 'finance', 'legal', 'operations', 'sales'] }],
        ['escalate', { type: 'boolean' }],
        ['reviewed', { type: 'boolean' }],
        ['comment', str],
      ]),
      required: [...RATINGS, 'department', 'escalate', 'reviewed'],
    },
    answer: (random, size) => ({
      ...Object.fromEntries(RATINGS.map((name) => [name, pick(random, LEVELS)])),
      department: pick(random, ['engineering', 'finance', 'legal']),
      escalate: random() < 0.3,
      reviewed: random() < 0.5,
      ...(size === 'short'
        ? {}
        : { comment: words(random, size === 'long' ? 80 : 8, size === 'long' ? 120 : 20) }),
    }),
  },
];

interface RunResult {
  readonly mae: number;
  readonly worst: number;
  readonly backwards: number;
  readonly over100: number;
  readonly early100: number;
  readonly responses: number;
}

/** Streams one answer through `service` and scores its progress against the true share received. */
async function measure(
  service: StructuredLLMService,
  schema: JsonSchema,
  answer: unknown,
  name: string,
): Promise<RunResult> {
  const text = JSON.stringify(answer);
  provider.next = chunkText(text, CHUNK);
  let received = 0;
  let previous = 0;
  let errors = 0;
  let worst = 0;
  let count = 0;
  let backwards = 0;
  let over100 = 0;
  let early100 = 0;
  for await (const response of service.routeStructuredStreaming({
    prompt: 'x',
    responseModel: jsonSchema(schema, { name }),
  })) {
    if (response.error) throw response.error;
    for (const piece of response.rawChunks ?? []) received += piece.length;
    const percent = response.progressPercent;
    if (percent > 100) over100++;
    if (percent < previous) backwards++;
    previous = percent;
    if (response.isComplete) continue;
    if (percent >= 100) early100++;
    const error = Math.abs(percent - (100 * received) / text.length);
    errors += error;
    worst = Math.max(worst, error);
    count++;
  }
  return { mae: errors / count, worst, backwards, over100, early100, responses: count };
}

/** One provider for the whole run, answering with whatever `provider.next` holds. */
const provider = { next: [] as string[] };
const mock = createMockProvider({ id: 'bench', responses: () => ({ chunks: provider.next }) });

/**
 * The baseline: what a size-only estimator shows — received characters against the
 * mean size of earlier answers, and before any answer a saturating curve of the size
 * (the estimator structllm shipped before this one).
 */
function sizeOnlyEstimator(): ProgressEstimator {
  const means = new Map<string, { mean: number; count: number }>();
  return {
    estimate: ({ key, receivedChars }) => {
      const stats = means.get(key);
      const fraction =
        stats === undefined ? 1 - Math.exp(-receivedChars / 2000) : receivedChars / stats.mean;
      return {
        fraction: Math.min(0.99, fraction),
        basis: stats === undefined ? 'schema' : 'learned',
      };
    },
    learn: (key, chars) => {
      const stats = means.get(key);
      if (stats === undefined) means.set(key, { mean: chars, count: 1 });
      else {
        stats.count++;
        stats.mean += (chars - stats.mean) / Math.min(stats.count, 10);
      }
    },
  };
}

let useBaseline = false;
const newService = (): StructuredLLMService =>
  new StructuredLLMService({
    providers: [mock],
    defaultModel: 'bench/m',
    ...(useBaseline ? { progressEstimator: sizeOnlyEstimator() } : {}),
  });

const SIZES: readonly Size[] = ['realistic', 'short', 'long'];
const REALISTIC_RUNS = 4;
interface Row {
  readonly schema: string;
  readonly cold: RunResult[];
  readonly warm: RunResult[];
}
async function runAll(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [index, testCase] of cases.entries()) {
    const name = `case${index}`;
    const answers: Array<{ size: Size; value: unknown }> = [];
    let seed = 1000 * (index + 1);
    for (const size of SIZES) {
      const runs = size === 'realistic' ? REALISTIC_RUNS : 1;
      for (let r = 0; r < runs; r++)
        answers.push({ size, value: testCase.answer(seededRandom(seed++), size) });
    }
    const cold: RunResult[] = [];
    for (const { value } of answers)
      cold.push(await measure(newService(), testCase.schema, value, name));
    const warm: RunResult[] = [];
    for (const { value } of answers) {
      // A service that has validated five answers of realistic length: what the next request sees.
      const trained = newService();
      for (let r = 0; r < 5; r++) {
        const training = testCase.answer(seededRandom(50_000 + 100 * index + r), 'realistic');
        await measure(trained, testCase.schema, training, name);
      }
      warm.push(await measure(trained, testCase.schema, value, name));
    }
    rows.push({ schema: testCase.name, cold, warm });
  }
  return rows;
}

const started = performance.now();
const rows = await runAll();
useBaseline = true;
const baseline = await runAll();

const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const fmt = (value: number): string => value.toFixed(1);
const summary = (runs: readonly RunResult[]) => ({
  mae: mean(runs.map((run) => run.mae)),
  realistic: mean(runs.slice(0, REALISTIC_RUNS).map((run) => run.mae)),
  unusual: mean(runs.slice(REALISTIC_RUNS).map((run) => run.mae)),
  worst: Math.max(...runs.map((run) => run.worst)),
});

console.log(
  `## Progress accuracy (${CHUNK}-character chunks, compact JSON; error = |progressPercent − true % received|, in points)\n`,
);
console.log(
  `Each schema: ${REALISTIC_RUNS} answers of realistic length and 2 of unusual length (much shorter, much longer). Cold: a fresh service; warm: after five validated answers of realistic length. Beside each figure, in brackets, the size-only estimator (received characters against the learned mean size) on the same answers.\n`,
);
console.log(
  '| schema | cold MAE: realistic / unusual | cold worst | warm MAE: realistic / unusual | warm worst |',
);
console.log('| --- | --- | --- | --- | --- |');
rows.forEach((row, index) => {
  const c = summary(row.cold);
  const w = summary(row.warm);
  const base = baseline[index] as Row;
  const bc = summary(base.cold);
  const bw = summary(base.warm);
  console.log(
    `| ${row.schema} | ${fmt(c.realistic)} / ${fmt(c.unusual)} [${fmt(bc.realistic)} / ${fmt(bc.unusual)}] | ${fmt(c.worst)} [${fmt(bc.worst)}] | ${fmt(w.realistic)} / ${fmt(w.unusual)} [${fmt(bw.realistic)} / ${fmt(bw.unusual)}] | ${fmt(w.worst)} [${fmt(bw.worst)}] |`,
  );
});
const maeOf = (set: readonly Row[], pick: (row: Row) => readonly RunResult[]): number =>
  mean(set.flatMap(pick).map((run) => run.mae));
const coldMae = maeOf(rows, (row) => row.cold);
const realisticOf = (runs: readonly RunResult[]) => runs.slice(0, REALISTIC_RUNS);
const warmMae = maeOf(rows, (row) => row.warm);
const all = rows.flatMap((row) => [...row.cold, ...row.warm]);
const backwards = all.reduce((sum, run) => sum + run.backwards, 0);
const over100 = all.reduce((sum, run) => sum + run.over100, 0);
const early100 = all.reduce((sum, run) => sum + run.early100, 0);
const responses = all.reduce((sum, run) => sum + run.responses, 0);
console.log(
  `\n${all.length} streams, ${responses} partial responses (and as many for the baseline), ${((performance.now() - started) / 1000).toFixed(1)} s.`,
);
console.log(
  `- realistic answers alone: cold MAE ${fmt(maeOf(rows, (row) => realisticOf(row.cold)))}, warm MAE ${fmt(maeOf(rows, (row) => realisticOf(row.warm)))} [size-only ${fmt(maeOf(baseline, (row) => realisticOf(row.cold)))}, ${fmt(maeOf(baseline, (row) => realisticOf(row.warm)))}]`,
);
reportGoals(
  [
    {
      name: 'cold MAE ≤ 12 (first request of a model), all answers',
      actual: `${fmt(coldMae)} [size-only ${fmt(maeOf(baseline, (row) => row.cold))}]`,
      pass: coldMae <= 12,
    },
    {
      name: 'warm MAE ≤ 8 (after five answers), all answers',
      actual: `${fmt(warmMae)} [size-only ${fmt(maeOf(baseline, (row) => row.warm))}]`,
      pass: warmMae <= 8,
    },
    {
      name: 'never backwards within an attempt, never above 100, 100 only when validated',
      actual: `${backwards} backwards, ${over100} above 100, ${early100} early`,
      pass: backwards === 0 && over100 === 0 && early100 === 0,
    },
  ],
  check,
);
if (jsonOut !== undefined) {
  writeFileSync(jsonOut, `${JSON.stringify({ rows, baseline, coldMae, warmMae }, null, 2)}\n`);
}
