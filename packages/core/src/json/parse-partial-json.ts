import { createJsonStreamParser, type JsonStreamParserOptions } from './json-stream-parser.ts';

export interface PartialJsonResult {
  /** The value as far as the text goes; `undefined` when nothing is known yet. */
  readonly value: unknown;
  /** True when the text holds a complete JSON value. */
  readonly complete: boolean;
}

/**
 * Parses text that may be cut off anywhere: the prefix of a JSON document.
 *
 * Same partial rules as {@link createJsonStreamParser}: a top-level `123` is not
 * known to be complete (more digits may follow), so it reads as `undefined`
 * until a delimiter arrives. Throws a `StructuredLLMError` (category `parse`)
 * when the text cannot be the start of valid JSON.
 *
 * For a stream, prefer one {@link createJsonStreamParser} fed chunk by chunk:
 * calling this on a growing text re-reads it every time.
 */
export function parsePartialJson(
  text: string,
  options: JsonStreamParserOptions = {},
): PartialJsonResult {
  const parser = createJsonStreamParser(options);
  parser.write(text);
  return { value: parser.value, complete: parser.complete };
}
