import type { JsonSchema } from '../schema/index.ts';
import { compileSchema } from '../schema/validator/compile-schema.ts';
import {
  type SchemaNode,
  TYPE_ARRAY,
  TYPE_INTEGER,
  TYPE_NULL,
  TYPE_NUMBER,
  TYPE_OBJECT,
  TYPE_STRING,
} from '../schema/validator/schema-node.ts';

/**
 * What a schema says about the size of an answer, compiled once per schema for the
 * progress estimator: for every value its expected JSON length in characters (compact,
 * as models write structured output), for objects their declared properties in order,
 * for arrays their expected element count. These are priors: the estimator replaces
 * them with learned sizes once a response model has completed before.
 */
export type Shape = ObjectShape | ArrayShape | LeafShape | UnionShape;

export interface ObjectShape {
  readonly kind: 'object';
  readonly properties: readonly PropertyShape[];
  readonly byName: ReadonlyMap<string, number>;
  /** The shape of undeclared keys' values (`additionalProperties`), if the schema allows them. */
  readonly extra: Shape | undefined;
  readonly chars: number;
}

interface PropertyShape {
  readonly name: string;
  readonly shape: Shape;
  readonly required: boolean;
  /** `"name":` and a separator. */
  readonly keyChars: number;
}

export interface ArrayShape {
  readonly kind: 'array';
  readonly items: Shape;
  readonly minItems: number;
  /** `Infinity` when the schema sets no bound. */
  readonly maxItems: number;
  readonly chars: number;
}

interface LeafShape {
  readonly kind: 'leaf';
  /** Expected length of the value's JSON text (quotes included for strings). */
  readonly chars: number;
}

interface UnionShape {
  readonly kind: 'union';
  readonly branches: readonly Shape[];
  readonly chars: number;
}

/** Weight of an optional property in expected sizes: models leave many of them out. */
export const OPTIONAL_PRESENCE = 0.5;
/** Upper end of the prior on the length of arrays whose schema sets no `maxItems`. */
const UNBOUNDED_ITEMS = 24;
/** Expected element count of an unbounded array before any element is seen. */
const UNBOUNDED_COUNT = 8;
/** Deepest nesting of schemas followed; deeper parts count as a small object. */
const MAX_DEPTH = 64;

const FORMAT_CHARS: Readonly<Record<string, number>> = {
  date: 12,
  'date-time': 26,
  time: 10,
  email: 24,
  uri: 42,
  uuid: 38,
};

/** Property names that usually hold prose: a model writes paragraphs there. */
const LONG_TEXT =
  /(description|summary|bio|biography|body|content|article|essay|story|explanation|analysis|reasoning|overview|abstract|details)$/i;
/** …and names that usually hold a sentence or two. */
const MEDIUM_TEXT = /(text|notes?|comments?|message|answer|reason|title|question|address)$/i;
const SHORT_STRING = 14;
const MEDIUM_STRING = 48;
const LONG_STRING = 160;

const shapes = new WeakMap<object, Shape>();
const ANY: LeafShape = { kind: 'leaf', chars: 16 };

/** The shape of a schema (cached per schema object); a schema the validator cannot compile has none to speak of. */
export function shapeOf(schema: JsonSchema): Shape {
  if (typeof schema !== 'object' || schema === null) return ANY;
  let shape = shapes.get(schema);
  if (shape === undefined) {
    try {
      shape = shapeOfNode(compileSchema(schema), undefined, new Set());
    } catch {
      shape = ANY;
    }
    shapes.set(schema, shape);
  }
  return shape;
}

/** Recursive schemas are cyclic graphs of nodes: a node met again on the way down counts as a small object. */
function shapeOfNode(node: SchemaNode, name: string | undefined, open: Set<SchemaNode>): Shape {
  if (open.has(node) || open.size > MAX_DEPTH) return { kind: 'leaf', chars: 60 };
  open.add(node);
  try {
    const alternatives = (node.anyOf ?? node.oneOf)?.branches.filter(
      (branch) => branch.types !== TYPE_NULL,
    );
    if (alternatives !== undefined && alternatives.length > 0) {
      const branches = alternatives.map((branch) => shapeOfNode(branch, name, open));
      if (branches.length === 1) return branches[0] as Shape;
      const chars = branches.reduce((sum, branch) => sum + branch.chars, 0) / branches.length;
      return { kind: 'union', branches, chars };
    }
    // `$ref` (and allOf) beside nothing else: the shape of what it points at.
    const target = node.allOf[0];
    if (target !== undefined && node.types === undefined && node.properties === undefined) {
      return shapeOfNode(target, name, open);
    }
    const types = node.types ?? (node.properties !== undefined ? TYPE_OBJECT : 0);
    if (types & TYPE_OBJECT) return objectShape(node, open);
    if (types & TYPE_ARRAY || node.items !== undefined) return arrayShape(node, name, open);
    return { kind: 'leaf', chars: leafChars(node, types, name) };
  } finally {
    open.delete(node);
  }
}

function objectShape(node: SchemaNode, open: Set<SchemaNode>): ObjectShape {
  const required = new Set(node.required);
  const properties: PropertyShape[] = [];
  const byName = new Map<string, number>();
  let chars = 2;
  for (const [name, child] of node.properties ?? []) {
    const shape = shapeOfNode(child, name, open);
    const isRequired = required.has(name);
    const keyChars = name.length + 4;
    byName.set(name, properties.length);
    properties.push({ name, shape, required: isRequired, keyChars });
    chars += (keyChars + shape.chars) * (isRequired ? 1 : OPTIONAL_PRESENCE);
  }
  const extra =
    node.additionalProperties?.never === true ||
    (node.extraKeysUnspecified && properties.length > 0)
      ? undefined
      : node.additionalProperties === undefined
        ? ANY
        : shapeOfNode(node.additionalProperties, undefined, open);
  // A map-like object (no declared properties): a few entries.
  if (properties.length === 0 && extra !== undefined) chars += 3 * (12 + extra.chars);
  return { kind: 'object', properties, byName, extra, chars };
}

function arrayShape(node: SchemaNode, name: string | undefined, open: Set<SchemaNode>): ArrayShape {
  const item = node.items ?? node.prefixItems[0];
  const items = item === undefined ? ANY : shapeOfNode(item, name, open);
  const minItems = node.minItems ?? 0;
  const maxItems = node.maxItems ?? Infinity;
  const count = expectedCount(minItems, maxItems, 0);
  return { kind: 'array', items, minItems, maxItems, chars: 2 + count * (items.chars + 1) };
}

/**
 * Expected number of elements of an array whose text has started `started` of them,
 * from the schema alone. Bounded arrays: the middle of what is still possible. Unbounded
 * ones: the mean of a log-uniform prior over [started, {@link UNBOUNDED_ITEMS}] (short
 * lists are as likely as long ones at every scale), then a quarter more than seen.
 */
export function expectedCount(minItems: number, maxItems: number, started: number): number {
  const low = Math.max(minItems, started);
  if (Number.isFinite(maxItems)) {
    if (low >= maxItems) return maxItems;
    // Models rarely write the longest list they may: the lower third of what is possible.
    return low + (maxItems - low) / 3;
  }
  if (started === 0) return Math.max(minItems, UNBOUNDED_COUNT);
  return logUniformMean(low, Math.max(UNBOUNDED_ITEMS, minItems), started);
}

/**
 * The mean of a count spread log-uniformly over [low, ceiling] (as likely to be 2–4 as
 * 10–20), never less than half an element more than `started`; near or past the ceiling,
 * a quarter more than seen.
 */
export function logUniformMean(low: number, ceiling: number, started: number): number {
  if (low >= ceiling * 0.8) return Math.max(started + 0.5, low * 1.25);
  return Math.max(started + 0.5, (ceiling - low) / Math.log(ceiling / low));
}

function leafChars(node: SchemaNode, types: number, name: string | undefined): number {
  const choices =
    node.enumeration ?? (node.constant === undefined ? undefined : [node.constant.value]);
  if (choices !== undefined && choices.length > 0) {
    let sum = 0;
    for (const choice of choices) sum += JSON.stringify(choice)?.length ?? 4;
    return sum / choices.length;
  }
  if (types & TYPE_STRING) {
    const format = node.format === undefined ? undefined : FORMAT_CHARS[node.format];
    if (format !== undefined) return format;
    const min = node.minLength ?? 0;
    const max = node.maxLength;
    const typical =
      name === undefined
        ? SHORT_STRING
        : LONG_TEXT.test(name)
          ? LONG_STRING
          : MEDIUM_TEXT.test(name)
            ? MEDIUM_STRING
            : SHORT_STRING;
    if (max !== undefined) return 2 + Math.max(min, Math.min(max, (min + max) / 2, typical * 2));
    return 2 + Math.max(min, typical);
  }
  if (types & (TYPE_INTEGER | TYPE_NUMBER)) return types & TYPE_INTEGER ? 3 : 5;
  return types === TYPE_NULL ? 4 : types !== 0 && types < TYPE_INTEGER ? 5 : 16;
}
