import { definitionName, isRecord, own, type RawSchema, typesOf } from './raw-schema.ts';

/** An object or array being restored: its children are visited one by one, then it is settled. */
interface RestoreFrame {
  readonly source: Record<string, unknown> | unknown[];
  /** The keys visited: an object's own keys, or undefined for an array (its indices). */
  readonly keys: readonly string[] | undefined;
  /** An array's item schema, or an object's properties. */
  readonly items: RawSchema | undefined;
  readonly properties: RawSchema | undefined;
  /** Properties whose `null` stands for an absent optional. */
  readonly nullable: ReadonlySet<string> | undefined;
  /** Where this container sits in its parent's copy. */
  readonly key: string | number;
  next: number;
  /** The changed copy, made on the first change. */
  copy: Record<string, unknown> | unknown[] | undefined;
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(target: Record<string, unknown> | unknown[], key: string | number, value: unknown) {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Walks a value alongside its strict schema, dropping the nulls that stand for
 * absent optionals. Keeps its own stack: the depth of the value is bounded by
 * `maxDepth` only, not by the call stack.
 */
export class Restorer {
  private readonly root: RawSchema;
  private readonly optionalNulls: WeakMap<object, ReadonlySet<string>>;

  constructor(root: RawSchema, optionalNulls: WeakMap<object, ReadonlySet<string>>) {
    this.root = root;
    this.optionalNulls = optionalNulls;
  }

  restore(value: unknown, schema: RawSchema, maxDepth: number): unknown {
    const first = this.open(value, schema, 0, maxDepth, '');
    if (first === undefined) return value;
    const stack: RestoreFrame[] = [first];
    for (;;) {
      const frame = stack[stack.length - 1] as RestoreFrame;
      const { source, keys } = frame;
      if (frame.next < (keys ?? (source as unknown[])).length) {
        const key: string | number = keys === undefined ? frame.next : (keys[frame.next] as string);
        frame.next++;
        const item = (source as Record<string | number, unknown>)[key];
        if (item === null && typeof key === 'string' && frame.nullable?.has(key) === true) {
          frame.copy ??= { ...source };
          delete (frame.copy as Record<string, unknown>)[key];
          continue;
        }
        const sub = typeof key === 'number' ? frame.items : own(frame.properties as RawSchema, key);
        if (!isRecord(sub)) continue;
        const child = this.open(item, sub, stack.length, maxDepth, key);
        if (child !== undefined) stack.push(child);
        continue;
      }
      stack.pop();
      const restored = frame.copy ?? source;
      const parent = stack[stack.length - 1];
      if (parent === undefined) return restored;
      if (restored !== source) {
        parent.copy ??= Array.isArray(parent.source) ? parent.source.slice() : { ...parent.source };
        setOwn(parent.copy, frame.key, restored);
      }
    }
  }

  /**
   * The frame that restores the container `value` at `depth` under `schema`;
   * undefined when nothing in it can change (not a container, too deep, a
   * schema that lists nothing to restore, or no union branch it fits).
   */
  private open(
    value: unknown,
    schema: RawSchema,
    depth: number,
    maxDepth: number,
    key: string | number,
  ): RestoreFrame | undefined {
    if (value === null || typeof value !== 'object' || !(depth < maxDepth)) return undefined;
    const resolved = this.settle(value, schema);
    if (resolved === undefined) return undefined;
    if (Array.isArray(value)) {
      if (!isRecord(resolved.items)) return undefined;
      return {
        source: value,
        keys: undefined,
        items: resolved.items,
        properties: undefined,
        nullable: undefined,
        key,
        next: 0,
        copy: undefined,
      };
    }
    if (!isRecord(resolved.properties)) return undefined;
    const record = value as Record<string, unknown>;
    return {
      source: record,
      keys: Object.keys(record),
      items: undefined,
      properties: resolved.properties,
      nullable: this.optionalNulls.get(resolved),
      key,
      next: 0,
      copy: undefined,
    };
  }

  /** The schema `value` is read under: references followed, the union branch it fits chosen. */
  private settle(value: object, schema: RawSchema): RawSchema | undefined {
    let current = this.resolve(schema);
    for (let hops = 0; current !== undefined && Array.isArray(current.anyOf); hops++) {
      if (hops > 64) return undefined;
      const branch = current.anyOf.find(
        (candidate): candidate is RawSchema => isRecord(candidate) && this.fits(value, candidate),
      );
      if (branch === undefined) return undefined;
      current = this.resolve(branch);
    }
    return current;
  }

  private resolve(schema: RawSchema): RawSchema | undefined {
    let current: RawSchema = schema;
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (hops > 64) return undefined;
      const ref = current.$ref as string;
      if (ref === '#') current = this.root;
      else {
        const defs = this.root.$defs;
        const name = definitionName(ref);
        const target = isRecord(defs) && name !== undefined ? own(defs, name) : undefined;
        if (!isRecord(target)) return undefined;
        current = target;
      }
    }
    return current;
  }

  /** Could `value` be an instance of this branch? Objects must carry exactly its keys (strict mode lists them all). */
  private fits(value: object, branch: RawSchema, hops = 0): boolean {
    const resolved = this.resolve(branch);
    if (resolved === undefined || hops > 64) return false;
    if (Array.isArray(resolved.anyOf)) {
      return resolved.anyOf.some((b) => isRecord(b) && this.fits(value, b, hops + 1));
    }
    const types = typesOf(resolved);
    if (Array.isArray(value)) return types?.includes('array') === true;
    if (types !== undefined && !types.includes('object')) return false;
    const properties = resolved.properties;
    if (!isRecord(properties)) return types?.includes('object') === true;
    const keys = Object.keys(value);
    if (!keys.every((key) => Object.hasOwn(properties, key))) return false;
    // Discriminators: a const or enum property must match.
    for (const key of keys) {
      const sub = own(properties, key);
      const item = (value as Record<string, unknown>)[key];
      if (!isRecord(sub) || (item !== null && typeof item === 'object')) continue;
      if (sub.const !== undefined && item !== sub.const) return false;
      if (Array.isArray(sub.enum) && !sub.enum.includes(item)) return false;
    }
    return true;
  }
}
