import { unexpectedProperty } from './check-keywords.ts';
import { describeValue } from './describe-value.ts';
import {
  describeTypes,
  jsonTypeBit,
  type SchemaNode,
  TYPE_ARRAY,
  TYPE_OBJECT,
} from './schema-node.ts';
import { queueUnion } from './union-task.ts';
import { canEnter, childAt, type Run, report, type WalkTask } from './validation-task.ts';

/**
 * One step along the path: the container at `at` must be allowed, and so must
 * the key or index leading on; then the next step (or, at the end, the check)
 * is queued. Only values on the path are read.
 */
export function processWalk(run: Run, task: WalkTask): void {
  const { node, value, at, index, sink } = task;
  const { path, mode } = run;
  if (index === path.length) {
    if (value !== undefined) run.pending.push({ kind: 'check', node, value, at, sink });
    else if (mode === 'final') report(sink, at, 'expected a value, got nothing');
    return;
  }
  if (node.never) {
    report(sink, at, 'no value is allowed here');
    return;
  }
  const type = jsonTypeBit(value);
  if (type !== TYPE_ARRAY && type !== TYPE_OBJECT) {
    walkNowhere(run, task);
    return;
  }
  if (node.types !== undefined && (node.types & type) === 0) {
    report(sink, at, `expected ${describeTypes(node.types)}, got ${describeValue(value)}`);
    return;
  }
  if (type === TYPE_ARRAY) walkItem(run, task, value as readonly unknown[]);
  else walkProperty(run, task, value as Record<string, unknown>);

  for (const member of node.allOf) run.pending.push({ ...task, node: member });
  // Along a path, a union is satisfied when one branch accepts this subtree; the
  // rest of the container, `oneOf`'s "exactly one" and `not` are checked when it is complete.
  if (node.anyOf !== undefined) queueUnion(run, node.anyOf, value, at, sink, false, index);
  if (node.oneOf !== undefined) queueUnion(run, node.oneOf, value, at, sink, false, index);
}

/**
 * A path step into nothing (a key whose name or value has not begun, an index
 * past the end): a partial check has nothing to say; a complete one misses a value.
 */
function walkNowhere(run: Run, task: WalkTask): void {
  if (run.mode === 'final') {
    report(task.sink, task.at, 'expected a value, got nothing', ...run.path.slice(task.index));
  }
}

/** The value a step leads to: the caller's subject at the end of the path, else the container's. */
function stepValue(run: Run, task: WalkTask, container: object, key: string | number): unknown {
  const { subject } = run;
  if (subject !== undefined && task.index === run.path.length - 1) return subject.value;
  return (container as Record<string | number, unknown>)[key];
}

function walkItem(run: Run, task: WalkTask, array: readonly unknown[]): void {
  const { node, at, index, sink } = task;
  const position = run.path[index];
  if (typeof position !== 'number' || stepValue(run, task, array, position) === undefined) {
    walkNowhere(run, task);
    return;
  }
  if (node.maxItems !== undefined && position >= node.maxItems) {
    report(
      sink,
      at,
      `expected at most ${node.maxItems} items, got ${Math.max(array.length, position + 1)}`,
    );
    return;
  }
  const tupleLength = node.prefixItems.length;
  const schema = position < tupleLength ? node.prefixItems[position] : node.items;
  if (schema === undefined) return;
  if (schema.never && position >= tupleLength) {
    report(
      sink,
      at,
      `expected at most ${tupleLength} items, got ${Math.max(array.length, position + 1)}`,
    );
    return;
  }
  walkInto(run, task, schema, array, position);
}

function walkProperty(run: Run, task: WalkTask, object: Record<string, unknown>): void {
  const { node, at, index, sink } = task;
  const key = String(run.path[index]);
  const atEnd = run.subject !== undefined && index === run.path.length - 1;
  if (!atEnd && (!Object.hasOwn(object, key) || object[key] === undefined)) {
    walkNowhere(run, task);
    return;
  }
  let matched = false;
  const schema = node.properties?.get(key);
  if (schema !== undefined) {
    matched = true;
    walkInto(run, task, schema, object, key);
  }
  for (const entry of node.patternProperties) {
    if (entry.regex.test(key)) {
      matched = true;
      walkInto(run, task, entry.node, object, key);
    }
  }
  if (matched || node.additionalProperties === undefined) return;
  if (node.additionalProperties.never) report(sink, at, unexpectedProperty(node), key);
  else walkInto(run, task, node.additionalProperties, object, key);
}

function walkInto(
  run: Run,
  task: WalkTask,
  schema: SchemaNode,
  container: object,
  key: string | number,
): void {
  if (!canEnter(run, task.at, task.sink)) return;
  const value = stepValue(run, task, container, key);
  run.pending.push({
    kind: 'walk',
    node: schema,
    value,
    at: childAt(task.at, key),
    index: task.index + 1,
    sink: task.sink,
  });
}
