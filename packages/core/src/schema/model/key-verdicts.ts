import {
  INVALID_ANYWAY,
  MAX_REMEMBERED_KEY_LENGTH,
  MAX_REMEMBERED_KEYS,
  MAX_REMEMBERED_SHAPES,
  MAX_SCHEMAS,
  OK,
} from '../constants.ts';
import type { JsonPath } from '../json-schema.ts';
import { unexpectedProperty } from '../validator/check-keywords.ts';
import { type SchemaNode, TYPE_ARRAY, TYPE_OBJECT } from '../validator/schema-node.ts';

/** Why a key may not appear in one object (a message as the validator words it), or undefined. */
export type KeyCheck = (key: string) => string | undefined;

/** Which keys of one object are kept; `undefined` keeps every key. */
export type KeyFilter = (key: string) => boolean;

/** What the schemas say of the keys of objects, path by path (see {@link keyVerdicts}). */
export interface KeyVerdicts {
  /**
   * Given the path of an object in a document (its first `length` steps), the
   * check that says which keys that object may not have, whatever their
   * values: a key every schema applying there refuses (`additionalProperties:
   * false`, a property or pattern whose schema is `false`), or that no branch
   * of a union allows. Undefined when no schema reachable from the root
   * refuses any key; the check is undefined where nothing is refused (or the
   * schemas there are too many to follow).
   *
   * The check is decided once the key's name is known, before its value: the
   * engine fails a response then, so no partial ever shows such a key.
   */
  readonly checks: ((path: JsonPath, length?: number) => KeyCheck | undefined) | undefined;
  /**
   * For models whose final value drops undeclared keys (asked for with
   * `dropUndeclared`): given the path of an object, the filter that keeps the
   * keys its schema declares. A key is kept when some schema that can apply
   * to the object declares it in `properties`, matches it with
   * `patternProperties`, or says anything explicit about other keys
   * (`additionalProperties`, even `false`: the validator must then see the key
   * to reject it). It is dropped only when every schema that speaks of the
   * object's keys lists properties and says nothing of the rest. Where the
   * path leads nowhere the schema describes, every key is kept.
   */
  readonly filters: ((path: JsonPath) => KeyFilter | undefined) | undefined;
}

/**
 * What the schemas say of the keys of one object: the object's own keywords
 * (`properties`, `patternProperties`, `additionalProperties`), all of several
 * (`allOf`, a property matched by several schemas), one of several (`anyOf`,
 * `oneOf` branches), or nothing at all.
 */
type KeyRule =
  | { readonly kind: 'object'; readonly node: SchemaNode }
  | { readonly kind: 'all' | 'any'; readonly parts: readonly KeyRule[] }
  | { readonly kind: 'free' }
  | { readonly kind: 'none' };

/** Allows every key. */
const FREE: KeyRule = { kind: 'free' };
/** No value can be here at all (a wrong type, a `false` schema): its keys are not what is wrong. */
const NONE: KeyRule = { kind: 'none' };

type Verdict = typeof OK | typeof INVALID_ANYWAY | string;

/** Both answers at one path: `null` where nothing is refused, or every key is kept. */
interface PathVerdicts {
  readonly check: KeyCheck | null;
  readonly filter: KeyFilter | null;
}

const NOTHING: PathVerdicts = { check: null, filter: null };

/**
 * The key checks and (with `dropUndeclared`) key filters of a compiled
 * schema. One walk along a path serves both: it follows the schemas that
 * apply to the object there, building the rule that refuses keys and
 * gathering the schemas whose declared keys are kept. Objects at paths of the
 * same shape (array indices past every tuple look alike) share the answers,
 * and answers are shared between objects governed by the same schemas, so a
 * key is judged once per set of schemas, not once per object.
 */
export function keyVerdicts(root: SchemaNode, dropUndeclared = false): KeyVerdicts {
  const reach = reachable(root);
  const wantChecks = reach.refuses;
  const wantFilters = dropUndeclared && reach.unspecifiedExtras;
  if (!wantChecks && !wantFilters) {
    return { checks: undefined, filters: dropUndeclared ? () => undefined : undefined };
  }
  const { tupleLength } = reach;
  const ids = new Map<SchemaNode, number>();
  // Checks and filters already made, by the schemas they judge with.
  const checks = new Map<string, KeyCheck>();
  const filters = new Map<string, KeyFilter | null>();
  const shapes = newShape();
  let shapeCount = 1;

  /** The one walk along `path`: the check and the filter of the object there. */
  const walk = (path: JsonPath, length: number): PathVerdicts => {
    const budget = { left: MAX_SCHEMAS };
    const applying = wantFilters ? new Set<SchemaNode>() : undefined;
    const rule = ruleAt(root, path, length, 0, budget, applying);
    if (budget.left < 0) return NOTHING;
    let check: KeyCheck | null = null;
    if (wantChecks && rule.kind !== 'free' && rule.kind !== 'none') {
      const id = ruleId(rule, ids);
      check = checks.get(id) ?? checkFor(rule);
      checks.set(id, check);
    }
    let filter: KeyFilter | null = null;
    if (applying !== undefined && applying.size > 0) {
      const nodes = [...applying];
      const id = nodes.map((node) => idOf(node, ids)).join(',');
      filter = filters.has(id) ? (filters.get(id) as KeyFilter | null) : filterFor(nodes);
      filters.set(id, filter);
    }
    return check === null && filter === null ? NOTHING : { check, filter };
  };

  const verdictsAt = (path: JsonPath, length: number): PathVerdicts => {
    let shape: Shape | undefined = shapes;
    for (let index = 0; index < length && shape !== undefined; index++) {
      const step = path[index] as string | number;
      let next: Shape | undefined;
      if (typeof step === 'number') {
        next = step < tupleLength ? shape.tuple[step] : shape.items;
      } else next = shape.keys.get(step);
      if (
        next === undefined &&
        shapeCount < MAX_REMEMBERED_SHAPES &&
        (typeof step === 'number' || step.length <= MAX_REMEMBERED_KEY_LENGTH)
      ) {
        next = newShape();
        shapeCount++;
        if (typeof step !== 'number') shape.keys.set(step, next);
        else if (step >= tupleLength) shape.items = next;
        else shape.tuple[step] = next;
      }
      shape = next;
    }
    let verdicts = shape?.verdicts;
    if (verdicts === undefined) {
      verdicts = walk(path, length);
      if (shape !== undefined) shape.verdicts = verdicts;
    }
    return verdicts;
  };
  return {
    checks: wantChecks
      ? (path, length = path.length) => verdictsAt(path, length).check ?? undefined
      : undefined,
    filters: dropUndeclared
      ? (path) => (wantFilters ? (verdictsAt(path, path.length).filter ?? undefined) : undefined)
      : undefined,
  };
}

/** A node of the tree of path shapes seen: the answers there, and the shapes one step on. */
interface Shape {
  verdicts: PathVerdicts | undefined;
  readonly keys: Map<string, Shape>;
  /** The shape of every index past the longest tuple. */
  items: Shape | undefined;
  readonly tuple: Shape[];
}

function newShape(): Shape {
  return { verdicts: undefined, keys: new Map(), items: undefined, tuple: [] };
}

/**
 * What the schemas reachable from `root` hold: whether one refuses a key of
 * an object, whether one lists properties and says nothing of other keys, and
 * the longest `prefixItems` of them all (0 without tuples).
 */
function reachable(root: SchemaNode): {
  refuses: boolean;
  unspecifiedExtras: boolean;
  tupleLength: number;
} {
  const seen = new Set<SchemaNode>([root]);
  const stack = [root];
  let refuses = false;
  let unspecifiedExtras = false;
  let tupleLength = 0;
  while (stack.length > 0) {
    const node = stack.pop() as SchemaNode;
    const next = [...node.allOf, ...node.prefixItems, ...node.patternProperties.map((p) => p.node)];
    if (node.anyOf !== undefined) next.push(...node.anyOf.branches);
    if (node.oneOf !== undefined) next.push(...node.oneOf.branches);
    if (node.items !== undefined) next.push(node.items);
    if (node.additionalProperties !== undefined) next.push(node.additionalProperties);
    if (node.properties !== undefined) next.push(...node.properties.values());
    if (refusesKeys(node)) refuses = true;
    if (node.extraKeysUnspecified && node.properties !== undefined) unspecifiedExtras = true;
    tupleLength = Math.max(tupleLength, node.prefixItems.length);
    for (const child of next) {
      if (!seen.has(child)) {
        seen.add(child);
        stack.push(child);
      }
    }
  }
  return { refuses, unspecifiedExtras, tupleLength };
}

/**
 * The rule `node` sets for the keys of the object at the first `length` steps
 * of `path` (from `index` on); the schemas applying to that object go to
 * `applying` on the way.
 */
function ruleAt(
  node: SchemaNode,
  path: JsonPath,
  length: number,
  index: number,
  budget: { left: number },
  applying: Set<SchemaNode> | undefined,
): KeyRule {
  if (--budget.left < 0) return FREE;
  if (node.never) return NONE;
  if (index === length) applying?.add(node);
  const parts: KeyRule[] = [];
  for (const member of node.allOf) {
    parts.push(ruleAt(member, path, length, index, budget, applying));
  }
  for (const union of [node.anyOf, node.oneOf]) {
    if (union === undefined) continue;
    parts.push(
      any(union.branches.map((branch) => ruleAt(branch, path, length, index, budget, applying))),
    );
  }
  if (index === length) {
    if (node.types !== undefined && (node.types & TYPE_OBJECT) === 0) return NONE;
    if (refusesKeys(node)) parts.push({ kind: 'object', node });
    return all(parts);
  }
  const step = path[index] as string | number;
  const kind = typeof step === 'number' ? TYPE_ARRAY : TYPE_OBJECT;
  if (node.types !== undefined && (node.types & kind) === 0) return NONE;
  for (const child of childSchemas(node, step)) {
    parts.push(ruleAt(child, path, length, index + 1, budget, applying));
  }
  return all(parts);
}

/** The schemas that apply to the value at `step` of a value `node` describes. */
function childSchemas(node: SchemaNode, step: string | number): SchemaNode[] {
  if (typeof step === 'number') {
    const item = node.prefixItems[step] ?? node.items;
    return item === undefined ? [] : [item];
  }
  const children: SchemaNode[] = [];
  const property = node.properties?.get(step);
  if (property !== undefined) children.push(property);
  for (const pattern of node.patternProperties) {
    if (pattern.regex.test(step)) children.push(pattern.node);
  }
  if (children.length === 0 && node.additionalProperties !== undefined) {
    children.push(node.additionalProperties);
  }
  return children;
}

/** Whether the object keywords of `node` itself refuse some key. */
function refusesKeys(node: SchemaNode): boolean {
  if (node.additionalProperties?.never === true) return true;
  if (node.patternProperties.some((pattern) => pattern.node.never)) return true;
  if (node.properties === undefined) return false;
  for (const property of node.properties.values()) if (property.never) return true;
  return false;
}

function all(parts: readonly KeyRule[]): KeyRule {
  const kept: KeyRule[] = [];
  for (const part of parts) {
    if (part.kind === 'none') return NONE;
    if (part.kind !== 'free') kept.push(part);
  }
  if (kept.length === 0) return FREE;
  return kept.length === 1 ? (kept[0] as KeyRule) : { kind: 'all', parts: kept };
}

function any(parts: readonly KeyRule[]): KeyRule {
  const kept: KeyRule[] = [];
  for (const part of parts) {
    if (part.kind === 'free') return FREE;
    if (part.kind !== 'none') kept.push(part);
  }
  if (kept.length === 0) return NONE;
  return kept.length === 1 ? (kept[0] as KeyRule) : { kind: 'any', parts: kept };
}

function idOf(node: SchemaNode, ids: Map<SchemaNode, number>): number {
  let id = ids.get(node);
  if (id === undefined) {
    id = ids.size;
    ids.set(node, id);
  }
  return id;
}

/** A string naming the rule's structure and schemas: equal ids judge every key alike. */
function ruleId(rule: KeyRule, ids: Map<SchemaNode, number>): string {
  switch (rule.kind) {
    case 'object':
      return String(idOf(rule.node, ids));
    case 'all':
    case 'any':
      return `${rule.kind}(${rule.parts.map((part) => ruleId(part, ids)).join(',')})`;
    default:
      return rule.kind;
  }
}

/** Remembers `answer`'s results for up to {@link MAX_REMEMBERED_KEYS} keys of reasonable length. */
function remembering<T>(answer: (key: string) => T): (key: string) => T {
  const remembered = new Map<string, T>();
  return (key) => {
    if (remembered.has(key)) return remembered.get(key) as T;
    const result = answer(key);
    if (remembered.size < MAX_REMEMBERED_KEYS && key.length <= MAX_REMEMBERED_KEY_LENGTH) {
      remembered.set(key, result);
    }
    return result;
  };
}

function checkFor(rule: KeyRule): KeyCheck {
  return remembering((key) => {
    const verdict = judge(rule, key);
    return typeof verdict === 'string' ? verdict : undefined;
  });
}

function judge(rule: KeyRule, key: string): Verdict {
  switch (rule.kind) {
    case 'object':
      return judgeObject(rule.node, key);
    case 'all': {
      let refusal: Verdict = OK;
      for (const part of rule.parts) {
        const verdict = judge(part, key);
        if (verdict === INVALID_ANYWAY) return INVALID_ANYWAY;
        if (refusal === OK) refusal = verdict;
      }
      return refusal;
    }
    case 'any': {
      let refusal: Verdict = INVALID_ANYWAY;
      for (const part of rule.parts) {
        const verdict = judge(part, key);
        if (verdict === OK) return OK;
        if (refusal === INVALID_ANYWAY) refusal = verdict;
      }
      return refusal;
    }
    case 'none':
      return INVALID_ANYWAY;
    default:
      return OK;
  }
}

/** The object keywords of `node` on `key`, worded as the validator words them. */
function judgeObject(node: SchemaNode, key: string): Verdict {
  const property = node.properties?.get(key);
  let matched = property !== undefined;
  if (property?.never === true) return 'no value is allowed here';
  for (const pattern of node.patternProperties) {
    if (!pattern.regex.test(key)) continue;
    if (pattern.node.never) return 'no value is allowed here';
    matched = true;
  }
  if (!matched && node.additionalProperties?.never === true) return unexpectedProperty(node);
  return OK;
}

/** The filter of the schemas applying to one object; null when every key is kept. */
function filterFor(applying: readonly SchemaNode[]): KeyFilter | null {
  const listing: SchemaNode[] = [];
  for (const node of applying) {
    const speaksOfKeys =
      node.properties !== undefined ||
      node.patternProperties.length > 0 ||
      !node.extraKeysUnspecified;
    if (!speaksOfKeys) continue;
    // Something explicit about other keys: keep them all, the validator decides.
    if (!node.extraKeysUnspecified) return null;
    listing.push(node);
  }
  if (listing.length === 0) return null;
  return remembering((key) => listing.some((node) => node.properties?.has(key) === true));
}
