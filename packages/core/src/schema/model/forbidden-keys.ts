import type { JsonPath } from '../json-schema.ts';
import { unexpectedProperty } from '../validator/check-keywords.ts';
import { type SchemaNode, TYPE_ARRAY, TYPE_OBJECT } from '../validator/schema-node.ts';

/** Why a key may not appear in one object (a message as the validator words it), or undefined. */
export type KeyCheck = (key: string) => string | undefined;

/** Schemas followed while working out the rule of one object; beyond it, nothing is decided. */
const MAX_SCHEMAS = 256;
/** Answers remembered per check: a model inventing keys endlessly must not grow memory. */
const MAX_REMEMBERED_KEYS = 1024;
/** Path shapes remembered per schema, for the same reason. */
const MAX_REMEMBERED_SHAPES = 1024;
/** Longer keys are judged each time rather than kept for the life of the model. */
const MAX_REMEMBERED_KEY_LENGTH = 256;

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

/** How one rule judges one key: allowed, the value is invalid whatever its keys, or why it is refused. */
const OK = 0;
const INVALID_ANYWAY = 1;
type Verdict = typeof OK | typeof INVALID_ANYWAY | string;

/**
 * For a compiled schema, given the path of an object in a document, the check
 * that says which keys that object may not have, whatever their values: a key
 * every schema applying there refuses (`additionalProperties: false`, a
 * property or pattern whose schema is `false`), or that no branch of a union
 * allows. Returns undefined when no schema reachable from `root` refuses any
 * key, and the path function returns undefined when nothing is refused at that
 * path (or the schemas there are too many to follow).
 *
 * The check is decided once the key's name is known, before its value: the
 * engine fails a response then, so no partial ever shows such a key.
 * Checks are shared between objects governed by the same schemas, so a key is
 * judged once per set of schemas, not once per object.
 */
export function forbiddenKeys(
  root: SchemaNode,
): ((path: JsonPath, length?: number) => KeyCheck | undefined) | undefined {
  const tupleLength = longestTuple(root);
  if (tupleLength === undefined) return undefined;
  const checks = new Map<string, KeyCheck | null>();
  const ids = new Map<SchemaNode, number>();
  // Objects at paths of the same shape (array indices past every tuple look alike) share
  // a check, found by a walk down this tree without following the schemas again.
  const shapes = newShape();
  let shapeCount = 1;
  return (path, length = path.length) => {
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
    let check = shape?.check;
    if (check === undefined) {
      const budget = { left: MAX_SCHEMAS };
      const rule = ruleAt(root, path, length, 0, budget);
      if (budget.left < 0 || rule.kind === 'free' || rule.kind === 'none') check = null;
      else {
        const id = ruleId(rule, ids);
        check = checks.get(id);
        if (check === undefined) {
          check = checkFor(rule);
          checks.set(id, check);
        }
      }
      if (shape !== undefined) shape.check = check;
    }
    return check ?? undefined;
  };
}

/** A node of the tree of path shapes seen: the check there, and the shapes one step on. */
interface Shape {
  check: KeyCheck | null | undefined;
  readonly keys: Map<string, Shape>;
  /** The shape of every index past the longest tuple. */
  items: Shape | undefined;
  readonly tuple: Shape[];
}

function newShape(): Shape {
  return { check: undefined, keys: new Map(), items: undefined, tuple: [] };
}

/**
 * When some schema reachable from `root` refuses a key of an object, the
 * longest `prefixItems` of them all (0 without tuples); undefined when none does.
 */
function longestTuple(root: SchemaNode): number | undefined {
  const seen = new Set<SchemaNode>([root]);
  const stack = [root];
  let refuses = false;
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
    tupleLength = Math.max(tupleLength, node.prefixItems.length);
    for (const child of next) {
      if (!seen.has(child)) {
        seen.add(child);
        stack.push(child);
      }
    }
  }
  return refuses ? tupleLength : undefined;
}

/** The rule `node` sets for the keys of the object at the first `length` steps of `path` (from `index` on). */
function ruleAt(
  node: SchemaNode,
  path: JsonPath,
  length: number,
  index: number,
  budget: { left: number },
): KeyRule {
  if (--budget.left < 0) return FREE;
  if (node.never) return NONE;
  const parts: KeyRule[] = [];
  for (const member of node.allOf) parts.push(ruleAt(member, path, length, index, budget));
  for (const union of [node.anyOf, node.oneOf]) {
    if (union === undefined) continue;
    parts.push(any(union.branches.map((branch) => ruleAt(branch, path, length, index, budget))));
  }
  if (index === length) {
    if (node.types !== undefined && (node.types & TYPE_OBJECT) === 0) return NONE;
    if (refusesKeys(node)) parts.push({ kind: 'object', node });
    return all(parts);
  }
  const step = path[index] as string | number;
  const kind = typeof step === 'number' ? TYPE_ARRAY : TYPE_OBJECT;
  if (node.types !== undefined && (node.types & kind) === 0) return NONE;
  for (const child of childSchemas(node, step))
    parts.push(ruleAt(child, path, length, index + 1, budget));
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

/** A string naming the rule's structure and schemas: equal ids judge every key alike. */
function ruleId(rule: KeyRule, ids: Map<SchemaNode, number>): string {
  switch (rule.kind) {
    case 'object': {
      let id = ids.get(rule.node);
      if (id === undefined) {
        id = ids.size;
        ids.set(rule.node, id);
      }
      return String(id);
    }
    case 'all':
    case 'any':
      return `${rule.kind}(${rule.parts.map((part) => ruleId(part, ids)).join(',')})`;
    default:
      return rule.kind;
  }
}

/** Null when the rule refuses no key after all. */
function checkFor(rule: KeyRule): KeyCheck | null {
  // `null` for an allowed key: one lookup answers a key seen before.
  const remembered = new Map<string, string | null>();
  return (key) => {
    let message = remembered.get(key);
    if (message === undefined) {
      const verdict = judge(rule, key);
      message = typeof verdict === 'string' ? verdict : null;
      if (remembered.size < MAX_REMEMBERED_KEYS && key.length <= MAX_REMEMBERED_KEY_LENGTH) {
        remembered.set(key, message);
      }
    }
    return message ?? undefined;
  };
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
