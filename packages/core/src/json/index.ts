export {
  createJsonStreamParser,
  DEFAULT_MAX_DEPTH,
  type JsonPath,
  type JsonStreamParser,
  type JsonStreamParserOptions,
} from './json-stream-parser.ts';
export { type PartialJsonResult, parsePartialJson } from './parse-partial-json.ts';
