import { ALL_TYPES, BRANCH_ISSUE_LIMIT } from '../constants.ts';
import { got, isObject, type ValidationMode } from './check-keywords.ts';
import { describeList, describeValue } from './describe-value.ts';
import { type Alternatives, describeTypes, jsonTypeBit, type SchemaNode } from './schema-node.ts';
import {
  type At,
  type FoundIssue,
  isFull,
  type NotTask,
  type Run,
  report,
  type Sink,
  type UnionTask,
} from './validation-task.ts';

/**
 * The branches worth trying for `value`: with a discriminator and a string
 * tag, only the branches with that tag (or, for a tag that may still grow,
 * starting with it). Reports and returns `undefined` when no tag can match.
 */
function candidateBranches(
  alternatives: Alternatives,
  value: unknown,
  mode: ValidationMode,
  at: At,
  sink: Sink,
): readonly number[] | undefined {
  const { discriminator } = alternatives;
  if (
    discriminator !== undefined &&
    isObject(value) &&
    Object.hasOwn(value, discriminator.property)
  ) {
    const tag = value[discriminator.property];
    if (typeof tag === 'string') {
      const chosen: number[] = [];
      for (const [name, index] of discriminator.tags) {
        if (mode === 'final' ? name === tag : name.startsWith(tag)) chosen.push(index);
      }
      if (chosen.length > 0) return chosen;
      const names = describeList([...discriminator.tags.keys()]);
      report(sink, at, `expected one of ${names}, ${got(tag, mode)}`, discriminator.property);
      return undefined;
    }
  }
  return alternatives.branches.map((_, index) => index);
}

export function queueUnion(
  run: Run,
  alternatives: Alternatives,
  value: unknown,
  at: At,
  sink: Sink,
  exactlyOne: boolean,
  walkIndex: number,
): void {
  // Along a path, siblings may still be streaming: a tag narrows the branches as a prefix.
  const mode = walkIndex < 0 ? run.mode : 'partial';
  const candidates = candidateBranches(alternatives, value, mode, at, sink);
  if (candidates === undefined) return;
  run.pending.push({
    kind: 'union',
    alternatives,
    candidates,
    value,
    at,
    sink,
    exactlyOne,
    walkIndex,
    next: 0,
    matches: 0,
    failures: new Map(),
    branchSink: undefined,
  });
}

export function processUnion(run: Run, task: UnionTask): void {
  const finished = task.branchSink;
  if (finished !== undefined) {
    if (finished.issues.length > 0) {
      task.failures.set(task.candidates[task.next - 1] as number, finished.issues);
    } else {
      task.matches++;
      if (!task.exactlyOne || task.matches > 1) {
        finishUnion(task);
        return;
      }
    }
  }
  if (task.next >= task.candidates.length) {
    finishUnion(task);
    return;
  }
  const index = task.candidates[task.next] as number;
  const node = task.alternatives.branches[index] as SchemaNode;
  task.next++;
  if ((admittedTypes(node) & jsonTypeBit(task.value)) === 0) {
    // Cannot match: skip the work (the report only needs the branch's types).
    task.failures.set(index, []);
    task.branchSink = undefined;
    run.pending.push(task);
    return;
  }
  const sink: Sink = { issues: [], limit: BRANCH_ISSUE_LIMIT };
  task.branchSink = sink;
  const { value, at, walkIndex } = task;
  run.pending.push(
    walkIndex < 0
      ? { kind: 'check', node, value, at, sink }
      : { kind: 'walk', node, value, at, index: walkIndex, sink },
    task,
  );
}

function finishUnion(task: UnionTask): void {
  if (task.matches === 0) reportNoBranch(task);
  else if (task.exactlyOne && task.matches > 1) {
    report(
      task.sink,
      task.at,
      'matches more than one of the allowed variants; expected exactly one',
    );
  }
}

const typesCache = new WeakMap<SchemaNode, number>();

/** Types a schema admits through its `allOf`/`$ref` closure (unions not narrowed). */
function admittedTypes(node: SchemaNode): number {
  let types = typesCache.get(node);
  if (types === undefined) {
    types = ALL_TYPES;
    const seen = new Set<SchemaNode>();
    const stack = [node];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      if (next.never) types = 0;
      if (next.types !== undefined) types &= next.types;
      stack.push(...next.allOf);
    }
    typesCache.set(node, types);
  }
  return types;
}

/**
 * Why no branch matched: the issues of the closest branch that admits the
 * value's type (fewest issues), or a type message when none does.
 */
function reportNoBranch(task: UnionTask): void {
  const type = jsonTypeBit(task.value);
  let best: readonly FoundIssue[] | undefined;
  let union = 0;
  for (const [index, issues] of task.failures) {
    const types = admittedTypes(task.alternatives.branches[index] as SchemaNode);
    union |= types;
    if ((types & type) !== 0 && (best === undefined || issues.length < best.length)) best = issues;
  }
  if (best === undefined) {
    report(
      task.sink,
      task.at,
      `expected ${describeTypes(union)}, got ${describeValue(task.value)}`,
    );
    return;
  }
  for (const issue of best) {
    if (isFull(task.sink)) return;
    task.sink.issues.push(issue);
  }
}

export function processNot(run: Run, task: NotTask): void {
  if (task.branchSink === undefined) {
    const sink: Sink = { issues: [], limit: 1 };
    task.branchSink = sink;
    run.pending.push(
      { kind: 'check', node: task.node, value: task.value, at: task.at, sink },
      task,
    );
  } else if (task.branchSink.issues.length === 0) {
    report(task.sink, task.at, `must not match the schema at ${task.node.location}`);
  }
}
