import { type ErrorCode, StructuredLLMError } from '../errors/index.ts';
import {
  N_DOT,
  N_EXP,
  N_EXP_DIGITS,
  N_EXP_SIGN,
  N_FRACTION,
  N_INT,
  N_MINUS,
  N_ZERO,
  S_AFTER_VALUE,
  S_ARRAY_START,
  S_COLON,
  S_DONE,
  S_ESCAPE,
  S_FAILED,
  S_FENCE_BODY,
  S_FENCE_INFO,
  S_KEY,
  S_LITERAL,
  S_NUMBER,
  S_OBJECT_START,
  S_PREAMBLE,
  S_PREAMBLE_OPEN,
  S_STRING,
  S_UNICODE,
  S_VALUE,
} from './parser-states.ts';

export interface JsonStreamParserOptions {
  /**
   * Deepest nesting of arrays and objects accepted. Default {@link DEFAULT_MAX_DEPTH}.
   * `Infinity` is safe: the parser keeps its own stack and never recurses.
   */
  readonly maxDepth?: number;
  /** Most characters accepted over all writes. Default `Infinity`. */
  readonly maxLength?: number;
  /**
   * Prompt-mode front end: skip a BOM, prose and a Markdown code fence before
   * the value, and ignore everything after the first complete value.
   */
  readonly lenient?: boolean;
  /**
   * Called each time a value is complete and in place: a string, number or
   * literal when it ends, an array or object when it closes, the top-level
   * value last. `depth` is the number of enclosing containers (0 for the
   * top-level value); {@link JsonStreamParser.path} locates the value. This is
   * how consumers validate or deliver pieces of a large document without
   * walking all of it.
   */
  readonly onValue?: (value: unknown, depth: number) => void;
  /**
   * Called when an object key is complete, before its value is read, with the
   * object being read (the same identity for all of its keys, so answers can be
   * cached per object); {@link JsonStreamParser.path} ends with the key.
   * Returning false leaves that key out of {@link JsonStreamParser.value}: its
   * value is still parsed (invalid JSON there is still an error, limits still
   * apply) but never attached, and `onValue` is not called for it or anything
   * inside it. Not called for keys inside a value already left out.
   */
  readonly acceptKey?: (key: string, object: object) => boolean;
}

/** Object keys and array indices from the top-level value down. */
export type JsonPath = readonly (string | number)[];

/**
 * An incremental JSON parser. Feed text with {@link write} in chunks of any
 * size; read the partial value at any time with {@link value}.
 *
 * **Identity semantics.** `value` is one live object graph that the parser
 * mutates in place: every array and object keeps its identity from the moment
 * its opening bracket is read until the end, and only grows. Leaves (strings,
 * numbers, booleans, null) are replaced as they grow or complete. Reading
 * `value` costs O(1) whatever the document size. Take `structuredClone(value)`
 * when you need a snapshot that later writes will not change.
 *
 * **Partials** only ever show what the final value will contain: strings as
 * prefixes, numbers and `true`/`false`/`null` only once complete, object keys
 * only once their name is complete and their value has begun.
 */
export interface JsonStreamParser {
  /** Parses the next piece of text. Throws a `StructuredLLMError` (category `parse`) on invalid JSON. */
  write(chunk: string): void;
  /** Declares the end of the text. Throws a `StructuredLLMError` if the value is incomplete. */
  end(): void;
  /** The current partial (or, once {@link complete}, final) value; `undefined` before anything is known. */
  readonly value: unknown;
  /** True once the top-level value is complete. */
  readonly complete: boolean;
  /** Characters consumed so far. */
  readonly position: number;
  /** Arrays and objects currently open. */
  readonly depth: number;
  /**
   * True while a string value (not an object key) is being read: {@link value}
   * shows it as a prefix, at {@link path}, and it will only grow.
   */
  readonly readingString: boolean;
  /**
   * Where the value most recently started (or, inside an `onValue` callback, just
   * completed) sits: for each open container, the current key or the index of
   * its last element. Built on request, in O(depth).
   */
  readonly path: JsonPath;
  /**
   * Inside an `onValue` callback for an element of an array: removes that element
   * from the array, so a consumer that has taken it lets it be garbage-collected.
   * The array keeps counting it ({@link path} indices stay those of the text), so
   * memory stays bounded by the largest element, however long the array.
   * Returns false (and does nothing) when the completed value is not an array
   * element; throws a TypeError outside an `onValue` callback.
   */
  releaseLast(): boolean;
}

export const DEFAULT_MAX_DEPTH = 1000;

type JsonObject = Record<string, unknown>;
type Container = JsonObject | unknown[];

const LITERALS = ['true', 'false', 'null'] as const;
const LITERAL_VALUES = [true, false, null] as const;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * A string built by appending chunk-sized pieces is a V8 rope: it keeps every
 * piece and a node per piece alive, about three times the memory of the string.
 * JavaScript has no "flatten" call; a JSON round trip is the cheapest way found
 * to get one compact copy (exact for every string, lone surrogates included).
 * Below 13 characters V8 copies instead of building ropes, so those are left alone.
 */
function compactString(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/** Sets an own data property; `__proto__` becomes an own key instead of replacing the prototype. */
function setProperty(target: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

class JsonStreamParserImpl implements JsonStreamParser {
  // Set by the constructor (`declare`: no field initialisers of their own to run first).
  readonly #maxDepth: number;
  readonly #maxLength: number;
  readonly #lenient: boolean;
  readonly #onValue: ((value: unknown, depth: number) => void) | undefined;
  readonly #acceptKey: ((key: string, object: object) => boolean) | undefined;
  /** Depth of the object whose current key `acceptKey` refused; -1 when none. */
  #hiddenAt = -1;

  #state: number;
  #root: unknown = undefined;
  #hasRoot = false;
  #ended = false;
  #failure: StructuredLLMError | undefined = undefined;

  // Position: characters consumed before the current chunk, and line bookkeeping for messages.
  #offset = 0;
  #line = 1;
  #lineStart = 0;

  // Open containers, innermost last. `keys[d]` is the current key of the object at depth d.
  readonly #containers: Container[] = [];
  readonly #keys: string[] = [];
  // Elements released from each open array (releaseLast): its indices continue after them.
  readonly #released: number[] = [];
  #current: Container | undefined = undefined;
  #currentIsArray = false;

  // String being read: decoded text so far (excluding the raw segment of the current chunk).
  #inKey = false;
  #text = '';
  #segmentStart = 0;
  // `text` without its last code unit when that is a high surrogate whose pair has not arrived.
  #safeText: string | undefined = undefined;
  #unicodeValue = 0;
  #unicodeDigits = 0;
  // Where a value string is shown while it grows: its array index (or -1 for an object key / the root).
  #stringIndex = -1;
  #notifying = false;

  // Number being read.
  #numberState = N_MINUS;
  #numberText = '';
  #numberStart = 0;

  // Literal being read.
  #literal = 0;
  #literalIndex = 0;

  // Lenient front end.
  #backticks = 0;
  #pendingOpen = 0;

  constructor(options: JsonStreamParserOptions) {
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#maxLength = options.maxLength ?? Infinity;
    this.#lenient = options.lenient ?? false;
    this.#onValue = options.onValue;
    this.#acceptKey = options.acceptKey;
    if (!(this.#maxDepth >= 0)) throw new RangeError('maxDepth must be a non-negative number');
    if (!(this.#maxLength >= 0)) throw new RangeError('maxLength must be a non-negative number');
    this.#state = this.#lenient ? S_PREAMBLE : S_VALUE;
  }

  get value(): unknown {
    if (this.readingString) this.#showGrowingString();
    return this.#root;
  }

  get complete(): boolean {
    return this.#state === S_DONE;
  }

  get readingString(): boolean {
    const state = this.#state;
    return (state === S_STRING || state === S_ESCAPE || state === S_UNICODE) && !this.#inKey;
  }

  get position(): number {
    return this.#offset;
  }

  get depth(): number {
    return this.#containers.length;
  }

  get path(): JsonPath {
    const containers = this.#containers;
    const path: (string | number)[] = new Array(containers.length);
    for (let d = 0; d < containers.length; d++) {
      const container = containers[d] as Container;
      path[d] = Array.isArray(container)
        ? container.length - 1 + (this.#released[d] as number)
        : (this.#keys[d] as string);
    }
    return path;
  }

  releaseLast(): boolean {
    if (!this.#notifying) {
      throw new TypeError('releaseLast() can only be called inside an onValue callback');
    }
    const depth = this.#containers.length;
    if (depth === 0 || !this.#currentIsArray) return false;
    const array = this.#current as unknown[];
    if (array.length === 0) return false;
    array.pop();
    this.#released[depth - 1] = (this.#released[depth - 1] as number) + 1;
    return true;
  }

  /** Calls onValue, marking the time during which releaseLast() is allowed. */
  #notify(value: unknown, depth: number): void {
    // Values inside a left-out key are nobody's business.
    if (this.#hiddenAt !== -1 && depth >= this.#hiddenAt) return;
    const onValue = this.#onValue as (value: unknown, depth: number) => void;
    this.#notifying = true;
    try {
      onValue(value, depth);
    } finally {
      this.#notifying = false;
    }
  }

  write(chunk: string): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#ended) {
      throw this.#fail('write_after_end', 'write() called after end()', this.#offset);
    }
    const n = chunk.length;
    if (n === 0) return;
    if (this.#offset + n > this.#maxLength) {
      throw this.#fail(
        'length_limit',
        `JSON text is longer than maxLength (${this.#maxLength} characters)`,
        this.#maxLength,
      );
    }
    this.#run(chunk, n);
    this.#offset += n;
  }

  end(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#ended) return;
    this.#ended = true;
    const state = this.#state;
    if (state === S_NUMBER && this.#containers.length === 0) {
      if (this.#numberIsComplete()) {
        this.#setValue(+this.#numberText);
        return;
      }
    }
    if (state === S_DONE) return;
    const at = this.#offset;
    if (!this.#hasRoot && (state === S_VALUE || state >= S_PREAMBLE)) {
      throw this.#lenient
        ? this.#fail('no_json', 'No JSON value found in the text', at)
        : this.#fail('empty', 'Empty JSON text: expected a value', at);
    }
    throw this.#fail(
      'unexpected_end',
      `Unexpected end of JSON text: ${this.#openDescription()}`,
      at,
    );
  }

  #run(chunk: string, n: number): void {
    let i = 0;
    scan: while (i < n) {
      const state = this.#state;
      let code = chunk.charCodeAt(i);
      if (state <= S_AFTER_VALUE && (code === 32 || code === 10 || code === 13 || code === 9)) {
        // Insignificant whitespace (a third of pretty-printed output): one tight loop.
        do {
          if (code === 10) this.#newline(i);
          if (++i === n) break scan;
          code = chunk.charCodeAt(i);
        } while (code === 32 || code === 10 || code === 13 || code === 9);
      }
      switch (state) {
        case S_STRING: {
          let j = i;
          while (j < n) {
            code = chunk.charCodeAt(j);
            if (code === 34 || code === 92 || code < 32) break;
            j++;
          }
          if (j === n) {
            i = n;
            break;
          }
          if (code === 34) {
            const full =
              this.#text === ''
                ? chunk.slice(this.#segmentStart, j)
                : compactString(
                    j > this.#segmentStart
                      ? this.#text + chunk.slice(this.#segmentStart, j)
                      : this.#text,
                  );
            i = j + 1;
            this.#finishString(full);
          } else if (code === 92) {
            this.#appendSegment(chunk, j);
            this.#state = S_ESCAPE;
            i = j + 1;
          } else {
            throw this.#unexpected(code, this.#offset + j, 'control characters must be escaped');
          }
          break;
        }
        case S_AFTER_VALUE:
          if (code === 44) {
            this.#state = this.#currentIsArray ? S_VALUE : S_KEY;
          } else if (
            (code === 93 && this.#currentIsArray) ||
            (code === 125 && !this.#currentIsArray)
          ) {
            this.#closeContainer();
          } else {
            throw this.#unexpected(code, this.#offset + i, this.#expectedAfterValue());
          }
          i++;
          break;
        case S_VALUE:
        case S_ARRAY_START:
          if (code === 93 && state === S_ARRAY_START) {
            this.#closeContainer();
            i++;
          } else {
            i = this.#beginValue(chunk, i, code);
          }
          break;
        case S_NUMBER:
          i = this.#readNumber(chunk, i, n);
          break;
        case S_OBJECT_START:
        case S_KEY:
          if (code === 34) {
            this.#beginString(true, i + 1);
          } else if (code === 125 && state === S_OBJECT_START) {
            this.#closeContainer();
          } else {
            throw this.#unexpected(
              code,
              this.#offset + i,
              state === S_OBJECT_START ? 'expected a key or "}"' : 'expected a key',
            );
          }
          i++;
          break;
        case S_COLON:
          if (code !== 58)
            throw this.#unexpected(code, this.#offset + i, 'expected ":" after a key');
          this.#state = S_VALUE;
          i++;
          break;
        case S_ESCAPE:
          this.#readEscape(code, i);
          i++;
          break;
        case S_UNICODE:
          this.#readUnicodeDigit(code, i);
          i++;
          break;
        case S_LITERAL: {
          const word = LITERALS[this.#literal] as string;
          if (code !== word.charCodeAt(this.#literalIndex)) {
            throw this.#unexpected(code, this.#offset + i, `expected ${JSON.stringify(word)}`);
          }
          i++;
          if (++this.#literalIndex === word.length) this.#setValue(LITERAL_VALUES[this.#literal]);
          break;
        }
        case S_DONE:
          if (this.#lenient) return;
          if (code === 32 || code === 10 || code === 13 || code === 9) {
            if (code === 10) this.#newline(i);
            i++;
          } else {
            throw this.#unexpected(code, this.#offset + i, 'the JSON value is already complete');
          }
          break;
        default:
          i = this.#runLenientPreamble(chunk, i);
      }
    }
    // Keep the unread tail of a string or number for the next chunk.
    if (this.#state === S_STRING) {
      this.#appendSegment(chunk, n);
      this.#segmentStart = 0;
    } else if (this.#state === S_NUMBER) {
      this.#numberText += chunk.slice(this.#numberStart, n);
      this.#numberStart = 0;
    }
  }

  /** Starts the value whose first character is `code` at index `i`; returns the next index. */
  #beginValue(chunk: string, i: number, code: number): number {
    if (code === 34) {
      this.#beginString(false, i + 1);
      return i + 1;
    }
    if (code === 123 || code === 91) {
      this.#openContainer(code === 91, i);
      return i + 1;
    }
    if (code === 45 || (code >= 48 && code <= 57)) {
      this.#state = S_NUMBER;
      this.#numberState = code === 45 ? N_MINUS : code === 48 ? N_ZERO : N_INT;
      this.#numberText = '';
      this.#numberStart = i;
      return i + 1;
    }
    const literal = code === 116 ? 0 : code === 102 ? 1 : code === 110 ? 2 : -1;
    if (literal >= 0) {
      this.#state = S_LITERAL;
      this.#literal = literal;
      this.#literalIndex = 1;
      return i + 1;
    }
    const expected =
      this.#state === S_ARRAY_START ? 'expected a value or "]"' : 'expected a JSON value';
    throw this.#unexpected(chunk.charCodeAt(i), this.#offset + i, expected);
  }

  #readNumber(chunk: string, start: number, n: number): number {
    let i = start;
    let ns = this.#numberState;
    for (; i < n; i++) {
      const code = chunk.charCodeAt(i);
      const digit = code >= 48 && code <= 57;
      switch (ns) {
        case N_MINUS:
          if (!digit) break;
          ns = code === 48 ? N_ZERO : N_INT;
          continue;
        case N_ZERO:
          if (code === 46) ns = N_DOT;
          else if (code === 101 || code === 69) ns = N_EXP;
          else break;
          continue;
        case N_INT:
          if (digit) continue;
          if (code === 46) ns = N_DOT;
          else if (code === 101 || code === 69) ns = N_EXP;
          else break;
          continue;
        case N_DOT:
          if (!digit) break;
          ns = N_FRACTION;
          continue;
        case N_FRACTION:
          if (digit) continue;
          if (code === 101 || code === 69) ns = N_EXP;
          else break;
          continue;
        case N_EXP:
          if (code === 43 || code === 45) ns = N_EXP_SIGN;
          else if (digit) ns = N_EXP_DIGITS;
          else break;
          continue;
        case N_EXP_SIGN:
          if (!digit) break;
          ns = N_EXP_DIGITS;
          continue;
        default: // N_EXP_DIGITS
          if (digit) continue;
      }
      // `code` does not continue the number: it must end here.
      this.#numberState = ns;
      if (!this.#numberIsComplete()) {
        throw this.#unexpected(code, this.#offset + i, 'incomplete number');
      }
      const text =
        this.#numberText === ''
          ? chunk.slice(this.#numberStart, i)
          : this.#numberText + chunk.slice(this.#numberStart, i);
      this.#setValue(+text);
      return i; // the delimiter is handled by the next state
    }
    this.#numberState = ns;
    return n;
  }

  #numberIsComplete(): boolean {
    const ns = this.#numberState;
    return ns === N_ZERO || ns === N_INT || ns === N_FRACTION || ns === N_EXP_DIGITS;
  }

  #beginString(inKey: boolean, segmentStart: number): void {
    this.#state = S_STRING;
    this.#inKey = inKey;
    this.#text = '';
    this.#segmentStart = segmentStart;
    this.#safeText = undefined;
    if (!inKey) this.#placeString('');
  }

  #finishString(value: string): void {
    if (this.#inKey) {
      const depth = this.#containers.length;
      this.#keys[depth - 1] = value;
      this.#state = S_COLON;
      if (this.#acceptKey !== undefined) this.#filterKey(value, depth);
      return;
    }
    this.#placeString(value);
    this.#stringIndex = -1;
    const depth = this.#containers.length;
    this.#state = depth === 0 ? S_DONE : S_AFTER_VALUE;
    if (this.#onValue !== undefined) this.#notify(value, depth);
  }

  /** Asks `acceptKey` about the key just read in the object at `depth`. */
  #filterKey(key: string, depth: number): void {
    const hiddenAt = this.#hiddenAt;
    if (hiddenAt !== -1 && hiddenAt < depth) return; // inside a value left out: nothing shows
    const accept = this.#acceptKey as (key: string, object: object) => boolean;
    this.#hiddenAt = accept(key, this.#current as object) ? -1 : depth;
  }

  /** Shows a (growing or final) value string in its parent. */
  #placeString(value: string): void {
    const depth = this.#containers.length;
    if (depth === 0) {
      this.#root = value;
      this.#hasRoot = true;
    } else if (this.#currentIsArray) {
      const array = this.#current as unknown[];
      if (this.#stringIndex < 0) this.#stringIndex = array.length;
      array[this.#stringIndex] = value;
    } else if (depth !== this.#hiddenAt) {
      setProperty(this.#current as JsonObject, this.#keys[depth - 1] as string, value);
    }
  }

  #readEscape(code: number, i: number): void {
    let decoded: number;
    switch (code) {
      case 34:
      case 92:
      case 47:
        decoded = code;
        break;
      case 98:
        decoded = 8;
        break;
      case 102:
        decoded = 12;
        break;
      case 110:
        decoded = 10;
        break;
      case 114:
        decoded = 13;
        break;
      case 116:
        decoded = 9;
        break;
      case 117:
        this.#state = S_UNICODE;
        this.#unicodeValue = 0;
        this.#unicodeDigits = 0;
        return;
      default:
        throw this.#unexpected(code, this.#offset + i, 'invalid escape sequence');
    }
    this.#appendDecoded(decoded, i + 1);
  }

  #readUnicodeDigit(code: number, i: number): void {
    const digit = hexValue(code);
    if (digit < 0)
      throw this.#unexpected(code, this.#offset + i, 'expected a hex digit in \\u escape');
    this.#unicodeValue = (this.#unicodeValue << 4) | digit;
    if (++this.#unicodeDigits === 4) this.#appendDecoded(this.#unicodeValue, i + 1);
  }

  /** Appends the raw string segment `segmentStart..end` of the chunk (no escapes in it). */
  #appendSegment(chunk: string, end: number): void {
    const start = this.#segmentStart;
    if (end <= start) return;
    if (isHighSurrogate(chunk.charCodeAt(end - 1))) {
      this.#safeText = this.#text + chunk.slice(start, end - 1);
      this.#text = this.#safeText + chunk.slice(end - 1, end);
    } else {
      this.#text += chunk.slice(start, end);
      this.#safeText = undefined;
    }
  }

  /** Shows the string being read, holding back half a surrogate pair until its other half arrives. */
  #showGrowingString(): void {
    this.#placeString(this.#safeText ?? this.#text);
  }

  #appendDecoded(code: number, next: number): void {
    this.#safeText = isHighSurrogate(code) ? this.#text : undefined;
    this.#text += String.fromCharCode(code);
    this.#state = S_STRING;
    this.#segmentStart = next;
  }

  /** Sets a completed number or literal into its place. */
  #setValue(value: unknown): void {
    const depth = this.#containers.length;
    if (depth === 0) {
      this.#root = value;
      this.#hasRoot = true;
      this.#state = S_DONE;
    } else {
      if (this.#currentIsArray) (this.#current as unknown[]).push(value);
      else if (depth !== this.#hiddenAt)
        setProperty(this.#current as JsonObject, this.#keys[depth - 1] as string, value);
      this.#state = S_AFTER_VALUE;
    }
    if (this.#onValue !== undefined) this.#notify(value, depth);
  }

  #openContainer(isArray: boolean, i: number): void {
    const depth = this.#containers.length;
    if (depth >= this.#maxDepth) {
      throw this.#fail(
        'depth_limit',
        `JSON is nested deeper than maxDepth (${this.#maxDepth})`,
        this.#offset + i,
      );
    }
    const container: Container = isArray ? [] : {};
    if (depth === 0) {
      this.#root = container;
      this.#hasRoot = true;
    } else if (this.#currentIsArray) {
      (this.#current as unknown[]).push(container);
    } else if (depth !== this.#hiddenAt) {
      setProperty(this.#current as JsonObject, this.#keys[depth - 1] as string, container);
    }
    this.#containers.push(container);
    this.#keys.push('');
    this.#released.push(0);
    this.#current = container;
    this.#currentIsArray = isArray;
    this.#state = isArray ? S_ARRAY_START : S_OBJECT_START;
  }

  #closeContainer(): void {
    const closed = this.#containers.pop();
    this.#keys.pop();
    this.#released.pop();
    const depth = this.#containers.length;
    if (this.#hiddenAt > depth) this.#hiddenAt = -1; // the object with the left-out key is closed
    if (depth === 0) {
      this.#current = undefined;
      this.#state = S_DONE;
    } else {
      const parent = this.#containers[depth - 1] as Container;
      this.#current = parent;
      this.#currentIsArray = Array.isArray(parent);
      this.#state = S_AFTER_VALUE;
    }
    if (this.#onValue !== undefined) this.#notify(closed, depth);
  }

  /** Lenient front end: everything before the value. Returns the next index. */
  #runLenientPreamble(chunk: string, i: number): number {
    const code = chunk.charCodeAt(i);
    switch (this.#state) {
      case S_PREAMBLE:
        if (code === 10) this.#newline(i);
        if (code === 123 || code === 91) {
          this.#pendingOpen = code;
          this.#state = S_PREAMBLE_OPEN;
        } else if (code === 96) {
          if (++this.#backticks === 3) this.#state = S_FENCE_INFO;
          return i + 1;
        }
        this.#backticks = 0;
        return i + 1;
      case S_PREAMBLE_OPEN: {
        if (code === 32 || code === 10 || code === 13 || code === 9) {
          if (code === 10) this.#newline(i);
          return i + 1;
        }
        // Commit to the bracket only if what follows can continue JSON: "{the data}" and
        // "[note]" are prose. (A top-level array of bare literals is not found here.)
        const isArray = this.#pendingOpen === 91;
        const fits = isArray
          ? code === 93 ||
            code === 34 ||
            code === 123 ||
            code === 91 ||
            code === 45 ||
            (code >= 48 && code <= 57)
          : code === 34 || code === 125;
        if (!fits) {
          this.#state = S_PREAMBLE;
          return i; // re-read this character as prose (it may open a value itself)
        }
        this.#openContainer(isArray, i);
        return i; // handled by the container's start state
      }
      case S_FENCE_INFO:
        if (code === 10) {
          this.#newline(i);
          this.#state = S_FENCE_BODY;
        }
        return i + 1;
      case S_FENCE_BODY:
        if (code === 32 || code === 10 || code === 13 || code === 9 || code === 0xfeff) {
          if (code === 10) this.#newline(i);
          return i + 1;
        }
        this.#state = S_VALUE;
        return i;
      default:
        // S_FAILED cannot be reached: write() throws before running.
        throw this.#fail('internal', 'parser is in an unknown state', this.#offset + i);
    }
  }

  #newline(i: number): void {
    this.#line++;
    this.#lineStart = this.#offset + i + 1;
  }

  #expectedAfterValue(): string {
    return this.#currentIsArray ? 'expected "," or "]"' : 'expected "," or "}"';
  }

  #openDescription(): string {
    let token = '';
    switch (this.#state) {
      case S_STRING:
      case S_ESCAPE:
      case S_UNICODE:
        token = this.#inKey ? 'unterminated object key' : 'unterminated string';
        break;
      case S_NUMBER:
        if (!this.#numberIsComplete()) token = 'incomplete number';
        break;
      case S_LITERAL:
        token = `incomplete ${JSON.stringify(LITERALS[this.#literal])}`;
        break;
    }
    const depth = this.#containers.length;
    const nesting =
      depth === 0
        ? ''
        : depth === 1
          ? `1 unclosed ${this.#currentIsArray ? 'array' : 'object'}`
          : `${depth} unclosed arrays or objects`;
    return (token && nesting ? `${token} in ${nesting}` : token || nesting) || 'expected a value';
  }

  #unexpected(code: number, position: number, expectation: string): StructuredLLMError {
    return this.#fail(
      'unexpected_character',
      `Unexpected character ${JSON.stringify(String.fromCharCode(code))}: ${expectation}`,
      position,
    );
  }

  #fail(code: ErrorCode, reason: string, position: number): StructuredLLMError {
    // Keep the last valid partial visible after the error.
    if (this.readingString) this.#showGrowingString();
    const column = position - this.#lineStart + 1;
    const error = new StructuredLLMError({
      category: 'parse',
      code,
      position,
      message: `Invalid JSON at position ${position} (line ${this.#line}, column ${column}): ${reason}`,
    });
    if (code !== 'write_after_end') {
      this.#failure = error;
      this.#state = S_FAILED;
    }
    return error;
  }
}

/** Creates an incremental JSON parser. See {@link JsonStreamParser}. */
export function createJsonStreamParser(options: JsonStreamParserOptions = {}): JsonStreamParser {
  return new JsonStreamParserImpl(options);
}
