import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seededRandom, splitEvery, splitRandomly } from './support/chunking.ts';
import { parseInChunks } from './support/parse-in-chunks.ts';

// JSONTestSuite (MIT, see JSONTestSuite/LICENSE and SOURCES.md): y_ must parse,
// n_ must be rejected, i_ is implementation-defined but must neither crash nor hang.
const corpus = fileURLToPath(new URL('./JSONTestSuite/test_parsing/', import.meta.url));
const files = readdirSync(corpus)
  .filter((name) => name.endsWith('.json'))
  .sort();

/** Bytes as a provider SDK turns them into text: UTF-8 with replacement characters, BOM kept. */
function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

function chunkings(name: string, text: string): Array<[string, string[]]> {
  const random = seededRandom(name.length * 7919 + text.length);
  return [
    ['whole', [text]],
    ['one character at a time', splitEvery(text, 1)],
    ['random chunks', splitRandomly(text, random, 7)],
    ['random larger chunks', splitRandomly(text, random, 64)],
  ];
}

const options = { maxDepth: Number.POSITIVE_INFINITY };

describe('JSONTestSuite', () => {
  it('has the whole corpus', () => {
    expect(files.filter((name) => name.startsWith('y_')).length).toBe(95);
    expect(files.filter((name) => name.startsWith('n_')).length).toBe(188);
    expect(files.filter((name) => name.startsWith('i_')).length).toBe(35);
  });

  for (const name of files) {
    const text = decode(readFileSync(corpus + name));
    if (name.startsWith('y_')) {
      it(`accepts ${name} like JSON.parse at every chunking`, () => {
        const expected = JSON.parse(text) as unknown;
        for (const [how, chunks] of chunkings(name, text)) {
          expect(parseInChunks(chunks, options), how).toStrictEqual({ ok: true, value: expected });
        }
      });
    } else if (name.startsWith('n_')) {
      it(`rejects ${name} at every chunking`, () => {
        for (const [how, chunks] of chunkings(name, text)) {
          const outcome = parseInChunks(chunks, options);
          expect(outcome.ok, how).toBe(false);
          if (!outcome.ok) expect(outcome.error.category).toBe('parse');
        }
      });
    } else {
      it(`handles ${name} without crashing, consistently at every chunking`, () => {
        const outcomes = chunkings(name, text).map(([, chunks]) => parseInChunks(chunks, options));
        for (const outcome of outcomes) {
          expect(outcome.ok).toBe(outcomes[0]?.ok);
          if (outcome.ok) expect(outcome.value).toStrictEqual(JSON.parse(text));
        }
      });
    }
  }

  it('rejects n_structure_100000_opening_arrays with a depth error under the default limit', () => {
    const text = decode(readFileSync(`${corpus}n_structure_100000_opening_arrays.json`));
    const outcome = parseInChunks([text]);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe('depth_limit');
  });
});
