import { describeConstant, describeList, describeValue } from './describe-value.ts';
import type { Bound, SchemaNode } from './schema-node.ts';
import { codePointLength, formatMismatch } from './string-formats.ts';

/**
 * `final`: the value is complete and must match exactly.
 * `partial`: the value may still grow (strings at the end, arrays and objects
 * by new entries); only what no continuation can fix is reported.
 */
export type ValidationMode = 'final' | 'partial';

/** Receives the messages of one value's failed keyword checks. */
export type Complain = (message: string) => void;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Both recurse only as deep as the shallower value, and one of them is a schema constant.
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
  );
}

/** Can `partial` still grow into `target`? Strings grow at the end, containers gain entries. */
function couldBecome(partial: unknown, target: unknown): boolean {
  if (typeof partial === 'string') return typeof target === 'string' && target.startsWith(partial);
  if (Array.isArray(partial)) {
    return (
      Array.isArray(target) &&
      partial.length <= target.length &&
      partial.every((item, i) => item === undefined || couldBecome(item, target[i]))
    );
  }
  if (isObject(partial)) {
    return (
      isObject(target) &&
      Object.keys(partial).every(
        (key) =>
          partial[key] === undefined ||
          (Object.hasOwn(target, key) && couldBecome(partial[key], target[key])),
      )
    );
  }
  return partial === target;
}

function matchesConstant(value: unknown, constant: unknown, mode: ValidationMode): boolean {
  return mode === 'final' ? deepEqual(value, constant) : couldBecome(value, constant);
}

/** `got "unkn"` for a final value, `got a string starting with "unkn"` for a partial one. */
export function got(value: unknown, mode: ValidationMode): string {
  if (mode === 'partial' && typeof value === 'string') {
    return `got a string starting with ${describeValue(value)}`;
  }
  return `got ${describeValue(value)}`;
}

export function checkConstants(
  node: SchemaNode,
  value: unknown,
  mode: ValidationMode,
  complain: Complain,
): void {
  const { constant, enumeration } = node;
  if (constant !== undefined && !matchesConstant(value, constant.value, mode)) {
    complain(`expected ${describeConstant(constant.value)}, ${got(value, mode)}`);
  }
  if (
    enumeration !== undefined &&
    // An exact match settles it in either mode; otherwise compare deeply or as a prefix.
    !((value === null || typeof value !== 'object') && enumeration.includes(value)) &&
    !enumeration.some((item) => matchesConstant(value, item, mode))
  ) {
    complain(`expected one of ${describeList(enumeration)}, ${got(value, mode)}`);
  }
}

function outside(bound: Bound, value: number, lower: boolean): boolean {
  if (lower) return bound.exclusive ? value <= bound.value : value < bound.value;
  return bound.exclusive ? value >= bound.value : value > bound.value;
}

function isMultiple(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  // Decimal divisors (0.01) are inexact in binary: allow rounding error relative to the quotient.
  return Math.abs(quotient - Math.round(quotient)) <= 1e-9 * Math.max(1, Math.abs(quotient));
}

/** Numbers are complete whenever they are present, so every check applies in both modes. */
export function checkNumber(node: SchemaNode, value: number, complain: Complain): void {
  const { minimum, maximum, multipleOf } = node;
  if (minimum !== undefined && outside(minimum, value, true)) {
    complain(`expected a number ${minimum.exclusive ? '>' : '≥'} ${minimum.value}, got ${value}`);
  }
  if (maximum !== undefined && outside(maximum, value, false)) {
    complain(`expected a number ${maximum.exclusive ? '<' : '≤'} ${maximum.value}, got ${value}`);
  }
  if (multipleOf !== undefined && !isMultiple(value, multipleOf)) {
    complain(`expected a multiple of ${multipleOf}, got ${value}`);
  }
}

export function checkString(
  node: SchemaNode,
  value: string,
  mode: ValidationMode,
  complain: Complain,
): void {
  const { maxLength, minLength, pattern, format } = node;
  // UTF-16 length bounds the code point count from above, so most strings skip the count.
  if (maxLength !== undefined && value.length > maxLength) {
    const length = codePointLength(value);
    if (length > maxLength) {
      const counted = mode === 'partial' ? `at least ${length}` : `${length}`;
      complain(`expected at most ${maxLength} characters, got ${counted}`);
    }
  }
  // A partial string may still grow: length floor, pattern and format wait for the final value.
  if (mode === 'partial') return;
  if (minLength !== undefined && (value.length < minLength || codePointLength(value) < minLength)) {
    complain(`expected at least ${minLength} characters, got ${codePointLength(value)}`);
  }
  if (pattern !== undefined && !pattern.test(value)) {
    complain(`expected a string matching /${pattern.source}/, got ${describeValue(value)}`);
  }
  if (format !== undefined) {
    const hint = formatMismatch(format, value);
    if (hint !== undefined) complain(`expected a ${format} (${hint}), got ${describeValue(value)}`);
  }
}

/** Item and key counts; the items and properties themselves are checked one by one elsewhere. */
export function checkArrayLength(
  node: SchemaNode,
  length: number,
  mode: ValidationMode,
  complain: Complain,
): void {
  if (node.maxItems !== undefined && length > node.maxItems) {
    complain(`expected at most ${node.maxItems} items, got ${length}`);
  }
  if (mode === 'final' && node.minItems !== undefined && length < node.minItems) {
    complain(`expected at least ${node.minItems} items, got ${length}`);
  }
  if (node.items?.never === true && length > node.prefixItems.length) {
    complain(`expected at most ${node.prefixItems.length} items, got ${length}`);
  }
}

export function checkObjectKeys(
  node: SchemaNode,
  value: Record<string, unknown>,
  keys: readonly string[],
  mode: ValidationMode,
  complain: Complain,
): void {
  if (node.maxProperties !== undefined && keys.length > node.maxProperties) {
    complain(`expected at most ${node.maxProperties} properties, got ${keys.length}`);
  }
  if (mode === 'partial') return; // keys may still arrive
  if (node.minProperties !== undefined && keys.length < node.minProperties) {
    complain(`expected at least ${node.minProperties} properties, got ${keys.length}`);
  }
  for (const key of node.required) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) {
      complain(`missing required property ${JSON.stringify(key)}`);
    }
  }
}

/** Message for a key that neither `properties` nor `patternProperties` allow. */
export function unexpectedProperty(node: SchemaNode): string {
  const names = [...(node.properties?.keys() ?? [])];
  return names.length === 0
    ? 'unexpected property; no properties are allowed here'
    : `unexpected property; allowed: ${describeList(names, 20)}`;
}
