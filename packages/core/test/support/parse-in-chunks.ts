import {
  createJsonStreamParser,
  type JsonStreamParserOptions,
  StructuredLLMError,
} from '../../src/index.ts';
import { disagreement } from './json-agreement.ts';

export type ChunkedOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: StructuredLLMError };

/** Feeds chunks to a fresh parser and ends it; a parse error becomes an outcome, anything else throws. */
export function parseInChunks(
  chunks: readonly string[],
  options?: JsonStreamParserOptions,
): ChunkedOutcome {
  const parser = createJsonStreamParser(options);
  try {
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
    return { ok: true, value: parser.value };
  } catch (error) {
    if (StructuredLLMError.is(error)) return { ok: false, error };
    throw error;
  }
}

/**
 * Feeds chunks and, after every write, checks that the partial value agrees
 * with `expected`. Returns the first disagreement, or undefined.
 */
export function firstDisagreement(
  chunks: readonly string[],
  expected: unknown,
  options: JsonStreamParserOptions = {},
): string | undefined {
  const parser = createJsonStreamParser({ maxDepth: Number.POSITIVE_INFINITY, ...options });
  for (const [index, chunk] of chunks.entries()) {
    parser.write(chunk);
    const found = disagreement(parser.value, expected);
    if (found) return `after chunk ${index} (${JSON.stringify(chunk)}): ${found}`;
  }
  parser.end();
  return undefined;
}
