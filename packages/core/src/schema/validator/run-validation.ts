import type { JsonPath } from '../json-schema.ts';
import type { ValidationIssue } from '../validation.ts';
import {
  checkArrayLength,
  checkConstants,
  checkNumber,
  checkObjectKeys,
  checkString,
  unexpectedProperty,
  type ValidationMode,
} from './check-keywords.ts';
import { describeValue } from './describe-value.ts';
import { pathPasses, valuePasses } from './fast-path.ts';
import {
  describeTypes,
  jsonTypeBit,
  type SchemaNode,
  TYPE_ARRAY,
  TYPE_NUMBER,
  TYPE_OBJECT,
  TYPE_STRING,
} from './schema-node.ts';
import { processNot, processUnion, queueUnion } from './union-task.ts';
import {
  type At,
  type CheckTask,
  canEnter,
  childAt,
  isFull,
  type Run,
  report,
  type Sink,
  type Task,
  toValidationIssue,
} from './validation-task.ts';
import { processWalk } from './walk-task.ts';

export interface ValidationRunOptions {
  readonly mode: ValidationMode;
  /** Check only the subtree at this path (and the way to it). */
  readonly path?: JsonPath | undefined;
  /** The value at the end of `path`, used instead of the document's. */
  readonly subject?: { readonly value: unknown } | undefined;
  readonly maxDepth: number;
  readonly maxIssues: number;
  /** `false` runs every check through the task stack, skipping the fast path (tests compare both). */
  readonly shortcuts?: boolean | undefined;
}

const NO_ISSUES: readonly ValidationIssue[] = Object.freeze([]);

/**
 * Checks `value` (or, with `options.path`, the subtree at that path) against
 * the compiled schema `root` and returns the issues found.
 */
export function runValidation(
  root: SchemaNode,
  value: unknown,
  options: ValidationRunOptions,
): readonly ValidationIssue[] {
  const { mode, path = [], subject, maxDepth } = options;
  const shortcuts = options.shortcuts !== false;
  // Most checks pass: answered without tasks when the schemas on the way are plain.
  if (shortcuts && pathPasses(root, value, mode, path, subject, maxDepth)) return NO_ISSUES;
  const top: Sink = { issues: [], limit: options.maxIssues };
  const run: Run = {
    mode,
    path,
    subject,
    maxDepth,
    shortcuts,
    pending: [],
    sink: top,
    at: undefined,
    complain: (message) => report(run.sink, run.at, message),
  };
  const stack: Task[] = [];
  if (run.path.length > 0) {
    stack.push({ kind: 'walk', node: root, value, at: undefined, index: 0, sink: top });
  } else if (value !== undefined) {
    stack.push({ kind: 'check', node: root, value, at: undefined, sink: top });
  } else if (run.mode === 'final') {
    report(top, undefined, 'expected a value, got nothing');
  }
  for (let task = stack.pop(); task !== undefined; task = stack.pop()) {
    if (isFull(task.sink)) continue;
    switch (task.kind) {
      case 'check':
        processCheck(run, task);
        break;
      case 'walk':
        processWalk(run, task);
        break;
      case 'union':
        processUnion(run, task);
        break;
      case 'not':
        processNot(run, task);
        break;
      case 'fail':
        report(task.sink, task.at, task.message);
        break;
    }
    const { pending } = run;
    for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i] as Task);
    pending.length = 0;
  }
  return top.issues.map(toValidationIssue);
}

function processCheck(run: Run, task: CheckTask): void {
  const { node, value, at, sink } = task;
  if (node.never) {
    report(sink, at, 'no value is allowed here');
    return;
  }
  const type = jsonTypeBit(value);
  if (type === 0) {
    report(sink, at, `expected a JSON value, got ${describeValue(value)}`);
    return;
  }
  if (node.types !== undefined && (node.types & type) === 0) {
    report(sink, at, `expected ${describeTypes(node.types)}, got ${describeValue(value)}`);
    return;
  }
  run.sink = sink;
  run.at = at;
  const { mode, complain } = run;
  checkConstants(node, value, mode, complain);
  if (type & TYPE_NUMBER) checkNumber(node, value as number, complain);
  else if (type === TYPE_STRING) checkString(node, value as string, mode, complain);
  else if (type === TYPE_ARRAY) {
    const array = value as readonly unknown[];
    checkArrayLength(node, array.length, mode, complain);
    queueItems(run, node, array, at, sink);
  } else if (type === TYPE_OBJECT) {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    checkObjectKeys(node, object, keys, mode, complain);
    queueProperties(run, node, object, keys, at, sink);
  }

  for (const member of node.allOf)
    run.pending.push({ kind: 'check', node: member, value, at, sink });
  if (node.anyOf !== undefined) queueUnion(run, node.anyOf, value, at, sink, false, -1);
  // Several branches may still fit a partial value: "exactly one" waits for the final value.
  if (node.oneOf !== undefined) queueUnion(run, node.oneOf, value, at, sink, mode === 'final', -1);
  // Whether a partial value will end up matching `not` is unknowable: final values only.
  if (node.not !== undefined && mode === 'final') {
    run.pending.push({ kind: 'not', node: node.not, value, at, sink, branchSink: undefined });
  }
}

/** Container levels a child of the container at `at` may still enter; -1 turns the fast path off. */
function childRoom(run: Run, at: At): number {
  return run.shortcuts ? run.maxDepth - (at?.depth ?? 0) - 1 : -1;
}

function queueItems(
  run: Run,
  node: SchemaNode,
  array: readonly unknown[],
  at: At,
  sink: Sink,
): void {
  const tupleLength = node.prefixItems.length;
  // Items past a closed tuple were reported as too many; their content does not matter.
  const count = node.items?.never === true ? Math.min(array.length, tupleLength) : array.length;
  if (count === 0 || (node.items === undefined && tupleLength === 0)) return;
  if (!canEnter(run, at, sink)) return;
  const room = childRoom(run, at);
  for (let i = 0; i < count; i++) {
    const schema = i < tupleLength ? node.prefixItems[i] : node.items;
    const item = array[i];
    if (
      schema === undefined ||
      item === undefined ||
      (room >= 0 && valuePasses(schema, item, run.mode, room))
    )
      continue;
    run.pending.push({ kind: 'check', node: schema, value: item, at: childAt(at, i), sink });
  }
}

function queueProperties(
  run: Run,
  node: SchemaNode,
  object: Record<string, unknown>,
  keys: readonly string[],
  at: At,
  sink: Sink,
): void {
  const { properties, patternProperties, additionalProperties } = node;
  const constrained =
    properties !== undefined || patternProperties.length > 0 || additionalProperties !== undefined;
  if (!constrained || keys.length === 0 || !canEnter(run, at, sink)) return;
  const room = childRoom(run, at);
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue; // not a JSON value: a key whose value has not begun
    let matched = false;
    const schema = properties?.get(key);
    if (schema !== undefined) {
      matched = true;
      if (room < 0 || !valuePasses(schema, item, run.mode, room)) {
        run.pending.push({ kind: 'check', node: schema, value: item, at: childAt(at, key), sink });
      }
    }
    for (const entry of patternProperties) {
      if (entry.regex.test(key)) {
        matched = true;
        run.pending.push({
          kind: 'check',
          node: entry.node,
          value: item,
          at: childAt(at, key),
          sink,
        });
      }
    }
    if (matched || additionalProperties === undefined) continue;
    if (additionalProperties.never) {
      run.pending.push({
        kind: 'fail',
        message: unexpectedProperty(node),
        at: childAt(at, key),
        sink,
      });
    } else
      run.pending.push({
        kind: 'check',
        node: additionalProperties,
        value: item,
        at: childAt(at, key),
        sink,
      });
  }
}
