import type { JsonSchema } from '../schema/index.ts';

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
  /** Expected element count before any element is seen. */
  readonly count: number;
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
/** Deepest `$ref` chain followed; deeper (recursive) parts count as a small object. */
const MAX_REF_DEPTH = 4;

const FORMAT_CHARS: Readonly<Record<string, number>> = {
  date: 12,
  'date-time': 26,
  time: 10,
  email: 24,
  uri: 42,
  url: 42,
  uuid: 38,
  ipv4: 15,
  ipv6: 30,
  hostname: 20,
};

/** Property names that usually hold prose: a model writes paragraphs there. */
const LONG_TEXT =
  /(description|summary|bio|biography|body|content|article|essay|story|explanation|analysis|reasoning|overview|abstract|details)$/i;
/** …and names that usually hold a sentence or two. */
const MEDIUM_TEXT =
  /(text|notes?|comments?|message|answer|reason|review|instructions|about|title|headline|question|address|street|tagline)$/i;
const SHORT_STRING = 14;
const MEDIUM_STRING = 48;
const LONG_STRING = 160;

const shapes = new WeakMap<object, Shape>();
const ANY: LeafShape = { kind: 'leaf', chars: 16 };

/** The shape of a schema (cached per schema object). */
export function shapeOf(schema: JsonSchema): Shape {
  if (typeof schema !== 'object' || schema === null) return ANY;
  let shape = shapes.get(schema);
  if (shape === undefined) {
    shape = new ShapeBuilder(schema).build(schema, undefined, 0);
    shapes.set(schema, shape);
  }
  return shape;
}

class ShapeBuilder {
  private readonly refs = new Map<string, Shape>();
  private readonly root: Readonly<Record<string, unknown>>;

  constructor(root: Readonly<Record<string, unknown>>) {
    this.root = root;
  }

  build(schema: unknown, name: string | undefined, refDepth: number): Shape {
    if (typeof schema !== 'object' || schema === null) return ANY;
    const node = schema as Readonly<Record<string, unknown>>;
    if (typeof node.$ref === 'string') return this.ref(node.$ref, name, refDepth);
    const branches = (Array.isArray(node.anyOf) ? node.anyOf : node.oneOf) as unknown;
    if (Array.isArray(branches) && branches.length > 0) {
      const built = branches
        .filter((branch) => !isNullSchema(branch))
        .map((branch) => this.build(branch, name, refDepth));
      if (built.length === 0) return { kind: 'leaf', chars: 4 };
      if (built.length === 1) return built[0] as Shape;
      const chars = built.reduce((sum, branch) => sum + branch.chars, 0) / built.length;
      return { kind: 'union', branches: built, chars };
    }
    if (Array.isArray(node.allOf) && node.allOf.length > 0) {
      return this.build(Object.assign({}, ...node.allOf, { allOf: undefined }), name, refDepth);
    }
    const type = primaryType(node);
    if (type === 'object') return this.object(node, refDepth);
    if (type === 'array') return this.array(node, name, refDepth);
    return { kind: 'leaf', chars: leafChars(node, type, name) };
  }

  private ref(target: string, name: string | undefined, refDepth: number): Shape {
    const known = this.refs.get(target);
    if (known !== undefined) return known;
    if (refDepth >= MAX_REF_DEPTH) return { kind: 'leaf', chars: 60 };
    const resolved = resolvePointer(this.root, target);
    const shape = this.build(resolved, name, refDepth + 1);
    this.refs.set(target, shape);
    return shape;
  }

  private object(node: Readonly<Record<string, unknown>>, refDepth: number): ObjectShape {
    const declared = isRecord(node.properties) ? node.properties : {};
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    const properties: PropertyShape[] = [];
    const byName = new Map<string, number>();
    let chars = 2;
    for (const name of Object.keys(declared)) {
      const shape = this.build(declared[name], name, refDepth);
      const isRequired = required.has(name);
      const keyChars = name.length + 4;
      byName.set(name, properties.length);
      properties.push({ name, shape, required: isRequired, keyChars });
      chars += (keyChars + shape.chars) * (isRequired ? 1 : OPTIONAL_PRESENCE);
    }
    const additional = node.additionalProperties;
    const extra =
      additional === false || (additional === undefined && properties.length > 0)
        ? undefined
        : this.build(
            additional === true || additional === undefined ? {} : additional,
            undefined,
            refDepth,
          );
    // A map-like object (no declared properties): a few entries.
    if (properties.length === 0 && extra !== undefined) chars += 3 * (12 + extra.chars);
    return { kind: 'object', properties, byName, extra, chars };
  }

  private array(
    node: Readonly<Record<string, unknown>>,
    name: string | undefined,
    refDepth: number,
  ): ArrayShape {
    const items = this.build(
      isRecord(node.items)
        ? node.items
        : Array.isArray(node.prefixItems)
          ? node.prefixItems[0]
          : {},
      name,
      refDepth,
    );
    const minItems = nonNegative(node.minItems) ?? 0;
    const maxItems = nonNegative(node.maxItems) ?? Number.POSITIVE_INFINITY;
    const count = expectedCount(minItems, maxItems, 0);
    return {
      kind: 'array',
      items,
      minItems,
      maxItems,
      count,
      chars: 2 + count * (items.chars + 1),
    };
  }
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

function leafChars(
  node: Readonly<Record<string, unknown>>,
  type: string | undefined,
  name: string | undefined,
): number {
  const choices = Array.isArray(node.enum) ? node.enum : 'const' in node ? [node.const] : undefined;
  if (choices !== undefined && choices.length > 0) {
    let sum = 0;
    for (const choice of choices) sum += JSON.stringify(choice)?.length ?? 4;
    return sum / choices.length;
  }
  switch (type) {
    case 'integer':
    case 'number': {
      const max = typeof node.maximum === 'number' ? Math.abs(node.maximum) : undefined;
      const digits = max === undefined ? 4 : Math.max(1, Math.ceil(Math.log10(max + 1)) - 0.5);
      return type === 'number' && max === undefined ? 5 : digits;
    }
    case 'boolean':
      return 5;
    case 'null':
      return 4;
    case 'string': {
      const format = typeof node.format === 'string' ? FORMAT_CHARS[node.format] : undefined;
      if (format !== undefined) return format;
      const min = nonNegative(node.minLength) ?? 0;
      const max = nonNegative(node.maxLength);
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
    default:
      return 16;
  }
}

function primaryType(node: Readonly<Record<string, unknown>>): string | undefined {
  const type = node.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') as string | undefined;
  if (isRecord(node.properties)) return 'object';
  if (node.items !== undefined || node.prefixItems !== undefined) return 'array';
  return undefined;
}

function isNullSchema(schema: unknown): boolean {
  return isRecord(schema) && schema.type === 'null';
}

function resolvePointer(root: unknown, pointer: string): unknown {
  if (!pointer.startsWith('#')) return {};
  let node = root;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(node)) return {};
    node = node[part];
  }
  return node;
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
