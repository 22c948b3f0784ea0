import { StructuredLLMError } from '../../errors/index.ts';
import type { JsonStreamParser } from '../../json/index.ts';
import {
  GROWING_STRING_CHECK_LIMIT,
  GROWING_STRING_RECHECK_FACTOR,
  VALIDATE_DEPTH,
} from '../constants.ts';
import type { JsonPath } from '../json-schema.ts';
import { formatIssues, type ValidationIssue } from '../validation.ts';
import { pathPasses, stringPrefixesPass } from '../validator/fast-path.ts';
import type { CompiledJsonSchema } from '../validator/json-schema-validator.ts';
import type { KeyCheck } from './key-verdicts.ts';
import type { ResponseModel } from './response-model.ts';

/**
 * How the values of a model are checked while they stream: what a
 * {@link ResponseModel} may offer as `partialChecker`. Models built by this
 * library (`jsonSchema`, `fromZod`, `fromValibot`, Standard Schemas) offer one;
 * for a model without one the engine checks partials through
 * `validatePartial`, with options of their own and, for an array element
 * already released from the document, a document made for the check.
 *
 * The engine reuses `path` and `subject` between calls: read them during a
 * call, keep neither.
 */
export interface PartialChecker {
  /**
   * The issues of the part of `document` at `path`, or undefined when it
   * passes: a `complete` part as a final value, a growing one (a string still
   * being written) as one that could still become valid; the keys and indices
   * leading to it are checked too. `subject`, when given, holds the value at
   * `path` that the document no longer does (an array element released from
   * it): it is checked in its place.
   */
  check(
    document: unknown,
    path: JsonPath,
    complete: boolean,
    subject?: { readonly value: unknown },
  ): readonly ValidationIssue[] | undefined;
  /**
   * True when the complete container at `path` passes, given that each of its
   * items or properties passed its own check: only its own keywords (`minItems`,
   * `required`…) are left. False sends it to `check` whole. Optional.
   */
  partPasses?(document: unknown, path: JsonPath): boolean;
  /**
   * True when no prefix of a string at `path` can fail (no `enum`, `const` or
   * `maxLength` applies there): it is then checked once complete, not while it
   * grows. Optional.
   */
  prefixesPass?(path: JsonPath): boolean;
  /**
   * Why the object at `path.slice(0, length)` may not have a key, whatever its
   * value (see the README's "Refused keys"), or undefined when it refuses none:
   * the attempt fails as soon as such a key's name is read. Optional.
   */
  readonly keyCheck?: ((path: JsonPath, length: number) => KeyCheck | undefined) | undefined;
  /**
   * True when the model's `validate` is `check(value, [], true)`: a document
   * whose parts all passed as they completed is then settled by
   * `partPasses(value, [])`, without checking it again whole.
   */
  readonly final?: boolean;
}

/**
 * The checker of a compiled schema (what built-in models offer): `final` when
 * the model's `validate` is that schema checked in final mode.
 */
export function compiledChecker(
  { validator, root, maxDepth }: CompiledJsonSchema,
  final: boolean,
  keyCheck: PartialChecker['keyCheck'],
): PartialChecker & { check: BuiltInCheck } {
  return {
    check(document, path, complete, subject) {
      const issues = validator.validate(document, complete ? 'final' : 'partial', path, subject);
      return issues.length === 0 ? undefined : issues;
    },
    partPasses: (document, path) =>
      pathPasses(root, document, 'final', path, undefined, maxDepth, true),
    prefixesPass: (path) => stringPrefixesPass(root, path, maxDepth),
    final,
    keyCheck,
  };
}

/** A check whose path may be left out: the whole value. */
type BuiltInCheck = (
  document: unknown,
  path: JsonPath | undefined,
  complete: boolean,
  subject?: { readonly value: unknown },
) => readonly ValidationIssue[] | undefined;

/**
 * The checker of `model`: its own, or one made of `validatePartial`, which is
 * given options of its own and, for a released element, a document made for
 * the check that holds the element at its index.
 */
export function partialCheckerOf(model: ResponseModel<unknown>): PartialChecker {
  if (model.partialChecker !== undefined) return model.partialChecker;
  return {
    check(document, path, complete, subject) {
      let value = document;
      if (subject !== undefined) {
        // A document where the element sits at its own index: the containers along the
        // path copied (the keys leading to the array are what the check reads).
        const last = path.length - 1;
        const holder: unknown[] = [];
        holder[path[last] as number] = subject.value;
        value = holder;
        for (let i = last - 1; i >= 0; i--) {
          value = {
            ...(valueAt(document, path.slice(0, i)) as object),
            [path[i] as string]: value,
          };
        }
      }
      const result = model.validatePartial(value, { path: [...path], complete });
      return result.success ? undefined : result.issues;
    },
  };
}

/** The value at `path` in `root`, or undefined when the path leads nowhere. */
export function valueAt(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** A `validation` error: `message`, then the issues one a line. */
export function validationError(
  message: string,
  issues: readonly ValidationIssue[],
): StructuredLLMError {
  return new StructuredLLMError({
    category: 'validation',
    message: `${message}:\n${formatIssues(issues)}`,
  });
}

// How deep parts are checked as they complete; the engine's document reads it from here.
export { VALIDATE_DEPTH };

/**
 * The partial-validation policy of one attempt: parts are checked path-local as
 * they complete (so the cost follows the change), a growing string now and then.
 * `skipGrowing` says a growing string is not to be checked (inside an element
 * whose indices are no longer the document's).
 */
export function createPartialChecks(
  checker: PartialChecker,
  skipGrowing: (path: JsonPath) => boolean,
) {
  // Completed values to validate at the next look.
  const completed: JsonPath[] = [];
  // When the growing string was last checked. A value ending since then means a new
  // string; otherwise it has grown by at most as many characters as the text.
  let stringChecked = false;
  let valueEnded = false;
  let textAtCheck = 0;
  let lengthAtCheck = 0;
  /** The string being read is checked for good: no look has work until a value ends. */
  let settled = false;

  /** The issues of the part of `root` completed at `path`, or undefined when it passes. */
  const partIssues = (root: unknown, path: JsonPath): readonly ValidationIssue[] | undefined =>
    // A container above VALIDATE_DEPTH had each of its parts checked as it completed:
    // its own keywords are what is left (when the checker can tell; else it is checked whole).
    path.length < VALIDATE_DEPTH && checker.partPasses?.(root, path) === true
      ? undefined
      : checker.check(root, path, true);

  return {
    /** A value ended (a growing string is then a new one). */
    ended(): void {
      valueEnded = true;
      settled = false;
    },
    /** A part completed at `path` (at most {@link VALIDATE_DEPTH} deep): checked at the next look. */
    completed(path: JsonPath): void {
      completed.push(path);
    },
    /**
     * Checks what changed in `root` (the parser's current value) since the last look,
     * `chars` the length of the text so far. Throws a `validation` error for the first
     * invalid part.
     */
    look(root: unknown, parser: JsonStreamParser, chars: number): void {
      if (settled) return;
      for (const path of completed) {
        const issues = partIssues(root, path);
        if (issues !== undefined) {
          throw validationError('A completed part of the response is invalid', issues);
        }
      }
      if (completed.length > 0) completed.length = 0; // setting length is not free, even to 0
      if (!parser.readingString) {
        stringChecked = false; // the next string is a new one: check it at once
        return;
      }
      if (
        stringChecked &&
        !valueEnded &&
        (lengthAtCheck > GROWING_STRING_CHECK_LIMIT ||
          chars - textAtCheck < lengthAtCheck * (GROWING_STRING_RECHECK_FACTOR - 1))
      ) {
        // The same string, not yet grown enough to be worth another look (or never again).
        settled = lengthAtCheck > GROWING_STRING_CHECK_LIMIT;
        return;
      }
      const path = parser.path;
      if (skipGrowing(path)) return;
      stringChecked = true;
      valueEnded = false;
      textAtCheck = chars;
      // A string no prefix of which can fail (by the schema alone) waits for its end.
      if (checker.prefixesPass?.(path) === true) {
        lengthAtCheck = Infinity;
        return;
      }
      const value = valueAt(root, path);
      lengthAtCheck = typeof value === 'string' ? value.length : 0;
      if (lengthAtCheck <= GROWING_STRING_CHECK_LIMIT) {
        const issues = checker.check(root, path, false);
        if (issues !== undefined) {
          throw validationError('The response can no longer match the schema', issues);
        }
      }
    },
    /**
     * True when the final check is already done piecewise: every part of `root` was
     * checked in final mode as it completed (those of the last chunk are checked
     * here), and the model's final check is that same schema. The root's own keywords
     * are what is left. Any doubt, or an issue, and the model's `validate` runs as
     * usual (so failures read the same).
     */
    settled(root: unknown): boolean {
      if (checker.final !== true || checker.partPasses === undefined) return false;
      for (const path of completed) if (partIssues(root, path) !== undefined) return false;
      completed.length = 0;
      return checker.partPasses(root, []);
    },
  };
}
