import { createJsonStreamParser, type JsonPath, type JsonStreamParser } from '../../json/index.ts';
import type { ValidationIssue } from '../../schema/index.ts';
import {
  createPartialChecks,
  type PartialChecker,
  VALIDATE_DEPTH,
  validationError,
} from '../../schema/model/partial-checker.ts';
import { relation } from '../elements.ts';
import type { TextExcerpt } from '../text-excerpt.ts';
import { createElementStage, type ElementStage } from './element-stage.ts';
import type { AttemptSettings } from './types.ts';

/** What the schemas of one object say of its keys: refused ones, and dropped ones (`false`). */
interface ObjectKeyRules {
  readonly check: ((key: string) => string | undefined) | undefined;
  readonly filter: ((key: string) => boolean) | undefined;
}

/**
 * The document of one attempt: the parser the model's text goes into, with the
 * keys the model's schemas refuse or drop kept out of it, and each completed
 * value routed to the model's partial checks or the element stage.
 */
export function createDocument<T>(
  settings: AttemptSettings<T>,
  text: TextExcerpt,
  checker: PartialChecker,
) {
  const { responseModel, elements } = settings;
  const elementPath: JsonPath = elements?.path ?? [];
  const elementDepth = elements === undefined ? -1 : elementPath.length + 1;
  const releasing = elements !== undefined && !elements.retain;

  // Per object, at its first key: which keys its schemas refuse whatever their values, and
  // which keys the model's final validation would drop. Neither kind enters the document;
  // a refused key also fails the attempt once its name is read.
  const keyFilter = responseModel.keyFilter?.bind(responseModel);
  /** The first refused key read: it fails the attempt as soon as the write that read it returns. */
  let refusedKey: ValidationIssue | undefined;
  let acceptKey: ((key: string, object: object) => boolean) | undefined;
  if (keyFilter !== undefined || checker.keyCheck !== undefined) {
    const rules = new WeakMap<object, ObjectKeyRules>();
    // The object of the previous key: most keys follow another of the same object.
    let lastObject: object | undefined;
    let lastRule: ObjectKeyRules | undefined;
    acceptKey = (key, object) => {
      let rule = object === lastObject ? lastRule : rules.get(object);
      if (rule === undefined) {
        rule = keyRulesAt(parser.path); // the object's path, and the key
        rules.set(object, rule);
      }
      lastObject = object;
      lastRule = rule;
      if (rule.check !== undefined) {
        const message = rule.check(key);
        if (message !== undefined) {
          refusedKey ??= { path: parser.path, message };
          return false; // not even the failed attempt's last value shows it
        }
      }
      return rule.filter === undefined || rule.filter(key);
    };
  }
  const keyRulesAt = (keyPath: JsonPath): ObjectKeyRules => {
    const length = keyPath.length - 1;
    // Inside a streamed element, the element's check (and its error policy) decides.
    const inElement =
      elements !== undefined &&
      relation(keyPath, elementPath) === 'inside' &&
      length > elementPath.length;
    return {
      check: inElement ? undefined : checker.keyCheck?.(keyPath, length),
      filter: keyFilter?.(keyPath.slice(0, length)),
    };
  };

  const parser: JsonStreamParser = createJsonStreamParser({
    maxDepth: settings.env.maxDepth,
    maxLength: settings.env.maxResponseChars,
    lenient: settings.mode === 'prompt',
    ...(acceptKey === undefined ? {} : { acceptKey }),
    onValue: (value, depth) => {
      checks.ended();
      if (depth === 0) return;
      if (stage === undefined) {
        if (depth <= VALIDATE_DEPTH) checks.completed(parser.path);
        return;
      }
      if (depth > VALIDATE_DEPTH && depth !== elementDepth) return;
      if (depth > elementDepth && elementDepth === 1) return; // inside an element of a root array
      const path = parser.path;
      const where = relation(path, elementPath);
      if (where === 'inside') {
        // An element (checked whole here) or a part of one (checked with its element).
        const index = path[elementPath.length];
        if (depth === elementDepth && typeof index === 'number') stage.take(index, value);
        return;
      }
      // Released elements are gone: the array and what holds it are checked at the end.
      if (releasing && where !== 'unrelated') return;
      if (depth <= VALIDATE_DEPTH) checks.completed(path);
    },
  });
  const stage: ElementStage | undefined =
    elements === undefined ? undefined : createElementStage(elements, checker, parser);
  // Inside an element after releases, indices are the text's: the element is checked once complete.
  const checks = createPartialChecks(
    checker,
    (path) => stage !== undefined && stage.released > 0 && relation(path, elementPath) === 'inside',
  );

  return {
    parser,
    checks,
    /** Writes a delta of the model's text: kept even if the parser rejects it (a re-ask quotes it). */
    write(delta: string): void {
      text.append(delta);
      parser.write(delta);
      if (refusedKey !== undefined) {
        throw validationError('The response has a key the schema does not allow', [refusedKey]);
      }
    },
  };
}
