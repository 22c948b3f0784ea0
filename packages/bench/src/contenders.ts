/**
 * The contenders of the parser benchmark. Each is fed the same document as the
 * same array of small chunks and reads the partial value after every chunk, the
 * way a UI rendering partial structured output would.
 */
import { JSONParser } from '@streamparser/json';
import { createJsonStreamParser } from '@structllm/core';
import { parsePartialJson as aiParsePartialJson } from 'ai';
import { parse as jsonriverParse } from 'jsonriver';
import { parse as partialJsonParse } from 'partial-json';

export interface StreamInput {
  /** The whole document. */
  readonly text: string;
  /** The same document split into the chunks a stream would deliver. */
  readonly chunks: readonly string[];
}

export interface RunResult {
  /** The final value, compared with `JSON.parse(text)` before timing. */
  readonly value: unknown;
  /** How many partial values the contender produced (and we read). */
  readonly partials: number;
  /** Prefixes the contender could not parse (it kept its previous value). */
  readonly prefixErrors: number;
}

export interface Contender {
  readonly id: string;
  /** Row label in the table. */
  readonly name: string;
  /** npm package the contender comes from, for the version column. */
  readonly packageName?: string;
  /**
   * True when the contender re-parses the whole accumulated text on each chunk,
   * so a document costs O(n²): it runs at 100 KB only.
   */
  readonly quadratic: boolean;
  /** True for the reference rows (JSON.parse, concat-only): they give no partials. */
  readonly reference: boolean;
  /** What the contender gives after each chunk. */
  readonly perChunk: string;
  run(input: StreamInput): RunResult | Promise<RunResult>;
}

/** An async iterable over the chunks with as little overhead as the protocol allows. */
function asyncChunks(chunks: readonly string[]): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<string> {
      let i = 0;
      return {
        next(): Promise<IteratorResult<string>> {
          return Promise.resolve(
            i < chunks.length
              ? { value: chunks[i++] as string, done: false }
              : { value: undefined, done: true },
          );
        },
      };
    },
  };
}

const ours: Contender = {
  id: 'ours',
  name: 'structllm createJsonStreamParser',
  packageName: '@structllm/core',
  quadratic: false,
  reference: false,
  perChunk:
    '`write(chunk)`, then `parser.value`: the live partial value (one object graph mutated in ' +
    'place; strings as prefixes, numbers/literals once complete).',
  run({ chunks }) {
    const parser = createJsonStreamParser();
    let partials = 0;
    for (const chunk of chunks) {
      parser.write(chunk);
      if (parser.value !== undefined) partials++;
    }
    parser.end();
    return { value: parser.value, partials, prefixErrors: 0 };
  },
};

const jsonParse: Contender = {
  id: 'json-parse',
  name: 'JSON.parse (whole text, once)',
  quadratic: false,
  reference: true,
  perChunk: 'nothing: parses the complete text once (the limit to approach).',
  run({ text }) {
    return { value: JSON.parse(text), partials: 0, prefixErrors: 0 };
  },
};

const concatOnly: Contender = {
  id: 'concat-only',
  name: 'concat-only (s += chunk, JSON.parse at end)',
  quadratic: false,
  reference: true,
  perChunk: 'nothing: appends each chunk to a string, JSON.parse once at the end.',
  run({ chunks }) {
    let text = '';
    for (const chunk of chunks) text += chunk;
    return { value: JSON.parse(text), partials: 0, prefixErrors: 0 };
  },
};

const jsonriver: Contender = {
  id: 'jsonriver',
  name: 'jsonriver parse',
  packageName: 'jsonriver',
  quadratic: false,
  reference: false,
  perChunk:
    '`parse(asyncIterable)` yields the live root value (mutated in place, strings as ' +
    'prefixes) once after each chunk that changed it; whitespace-only chunks yield nothing. ' +
    'Async: one promise round trip per chunk.',
  async run({ chunks }) {
    let value: unknown;
    let partials = 0;
    for await (const partial of jsonriverParse(asyncChunks(chunks))) {
      value = partial;
      partials++;
    }
    return { value, partials, prefixErrors: 0 };
  },
};

const streamparser: Contender = {
  id: 'streamparser',
  name: '@streamparser/json JSONParser',
  packageName: '@streamparser/json',
  quadratic: false,
  reference: false,
  perChunk:
    '`JSONParser({ emitPartialTokens: true, emitPartialValues: true })`: `write(chunk)` ' +
    'calls `onValue` 0..n times: `partial: true` events for an opened container or a growing ' +
    'string/number prefix (the prefix is NOT stored in its parent), and one event per ' +
    'completed value, innermost first. We keep the live root container (captured from the ' +
    'first event; it holds completed leaves and open containers) and the latest partial ' +
    'leaf, and read the root after each chunk. Merging the partial leaf into the tree, which ' +
    'a UI would need, is not done (in its favour).',
  run({ chunks }) {
    const parser = new JSONParser({ emitPartialTokens: true, emitPartialValues: true });
    let root: unknown;
    let latestLeaf: unknown;
    let final: unknown;
    parser.onValue = (info) => {
      if (root === undefined) root = info.stack.length === 1 ? info.parent : info.value;
      if (info.partial === true) latestLeaf = info.value;
      else if (info.stack.length === 0) final = info.value;
    };
    let partials = 0;
    for (const chunk of chunks) {
      parser.write(chunk);
      if (root !== undefined || latestLeaf !== undefined) partials++;
    }
    if (!parser.isEnded) parser.end();
    return { value: final, partials, prefixErrors: 0 };
  },
};

const partialJson: Contender = {
  id: 'partial-json',
  name: 'partial-json parse (accumulated text)',
  packageName: 'partial-json',
  quadratic: true,
  reference: false,
  perChunk:
    '`parse(accumulatedText)` (default `Allow.ALL`) returns a fresh value for the whole ' +
    'prefix: re-reads everything received so far on every chunk.',
  run({ chunks }) {
    let text = '';
    let value: unknown;
    let partials = 0;
    let prefixErrors = 0;
    for (const chunk of chunks) {
      text += chunk;
      try {
        value = partialJsonParse(text);
        partials++;
      } catch {
        prefixErrors++;
      }
    }
    return { value, partials, prefixErrors };
  },
};

const aiSdk: Contender = {
  id: 'ai',
  name: 'ai parsePartialJson (accumulated text)',
  packageName: 'ai',
  quadratic: true,
  reference: false,
  perChunk:
    '`await parsePartialJson(accumulatedText)` → `{ value, state }`: tries JSON.parse, then ' +
    'repairs the prefix (closes strings/containers) and parses again; a fresh value each ' +
    'chunk. Async; re-reads everything received so far on every chunk.',
  async run({ chunks }) {
    let text = '';
    let value: unknown;
    let partials = 0;
    let prefixErrors = 0;
    for (const chunk of chunks) {
      text += chunk;
      const result = await aiParsePartialJson(text);
      if (result.state === 'failed-parse') prefixErrors++;
      else {
        value = result.value;
        partials++;
      }
    }
    return { value, partials, prefixErrors };
  },
};

/** Table order. */
export const contenders: readonly Contender[] = [
  ours,
  jsonParse,
  concatOnly,
  jsonriver,
  streamparser,
  partialJson,
  aiSdk,
];
