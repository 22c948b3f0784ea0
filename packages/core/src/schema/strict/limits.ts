import { definitionName, isRecord, own, pointer, type RawSchema, reject } from './raw-schema.ts';

/**
 * OpenAI's documented size limits for a strict schema. A schema over any of
 * them is rejected by the API, so it has no strict form here either.
 */
export const STRICT_SCHEMA_LIMITS = Object.freeze({
  /** Object properties in the whole schema. */
  maxProperties: 5000,
  /** Levels of object nesting (the root object is level 1; `$ref`s are followed, recursion is not). */
  maxObjectNesting: 10,
  /** `enum` values across the whole schema. */
  maxEnumValues: 1000,
  /** Characters in all property names, definition names, enum values and const values together. */
  maxStringLength: 120_000,
  /** For one `enum` of more than `largeEnumValues` string values: their total length. */
  maxLargeEnumLength: 15_000,
  largeEnumValues: 250,
});

/** Rejects a strict schema over one of OpenAI's documented size limits ({@link STRICT_SCHEMA_LIMITS}). */
export function checkLimits(root: RawSchema): void {
  const limits = STRICT_SCHEMA_LIMITS;
  const defs = isRecord(root.$defs) ? root.$defs : {};
  let properties = 0;
  let enumValues = 0;
  let characters = 0;
  for (const name of Object.keys(defs)) characters += name.length;

  const count = (node: unknown, location: string): void => {
    if (!isRecord(node)) return;
    if (isRecord(node.properties)) {
      for (const [name, sub] of Object.entries(node.properties)) {
        properties++;
        characters += name.length;
        count(sub, pointer(location, 'properties', name));
      }
    }
    if (Array.isArray(node.enum)) {
      enumValues += node.enum.length;
      let strings = 0;
      let length = 0;
      for (const value of node.enum) {
        if (typeof value === 'string') {
          strings++;
          length += value.length;
        }
      }
      characters += length;
      if (strings > limits.largeEnumValues && length > limits.maxLargeEnumLength) {
        reject(
          pointer(location, 'enum'),
          `an enum of ${strings} strings totalling ${length} characters exceeds the limit (${limits.maxLargeEnumLength} characters once there are more than ${limits.largeEnumValues} values)`,
        );
      }
    }
    if (typeof node.const === 'string') characters += node.const.length;
    count(node.items, pointer(location, 'items'));
    if (Array.isArray(node.anyOf)) {
      node.anyOf.forEach((branch, i) => {
        count(branch, pointer(location, 'anyOf', i));
      });
    }
  };
  count(root, '');
  for (const [name, def] of Object.entries(defs)) count(def, pointer('', '$defs', name));

  if (properties > limits.maxProperties) {
    reject('', `${properties} object properties exceed the limit of ${limits.maxProperties}`);
  }
  if (enumValues > limits.maxEnumValues) {
    reject('', `${enumValues} enum values exceed the limit of ${limits.maxEnumValues}`);
  }
  if (characters > limits.maxStringLength) {
    reject(
      '',
      `property names, definition names, enum and const values total ${characters} characters, over the limit of ${limits.maxStringLength}`,
    );
  }

  // Object nesting, following references once (recursion adds nothing).
  const active = new Set<string>();
  const nesting = (node: unknown, location: string): { depth: number; location: string } => {
    if (!isRecord(node)) return { depth: 0, location };
    if (typeof node.$ref === 'string') {
      const ref = node.$ref;
      if (active.has(ref)) return { depth: 0, location };
      const name = ref === '#' ? undefined : definitionName(ref);
      const target = ref === '#' ? root : name === undefined ? undefined : own(defs, name);
      active.add(ref);
      const inner = nesting(target, ref === '#' ? '' : pointer('', '$defs', name as string));
      active.delete(ref);
      return inner;
    }
    let deepest = { depth: 0, location };
    const consider = (sub: unknown, at: string) => {
      const found = nesting(sub, at);
      if (found.depth > deepest.depth) deepest = found;
    };
    if (isRecord(node.properties)) {
      for (const [name, sub] of Object.entries(node.properties)) {
        consider(sub, pointer(location, 'properties', name));
      }
    }
    consider(node.items, pointer(location, 'items'));
    if (Array.isArray(node.anyOf)) {
      node.anyOf.forEach((branch, i) => {
        consider(branch, pointer(location, 'anyOf', i));
      });
    }
    const isObject = isRecord(node.properties);
    return isObject ? { depth: deepest.depth + 1, location: deepest.location } : deepest;
  };
  active.add('#');
  const deepest = nesting(root, '');
  if (deepest.depth > limits.maxObjectNesting) {
    reject(
      deepest.location,
      `objects nest ${deepest.depth} levels deep, over the limit of ${limits.maxObjectNesting}`,
    );
  }
}
