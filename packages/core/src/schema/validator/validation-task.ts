import type { JsonPath } from '../json-schema.ts';
import type { ValidationIssue } from '../validation.ts';
import type { Complain, ValidationMode } from './check-keywords.ts';
import type { Alternatives, SchemaNode } from './schema-node.ts';

/*
 * Validation runs on an explicit stack of tasks instead of recursion, so a
 * deeply nested value (or a deep path) cannot overflow the call stack. Unions
 * and `not` are tasks that resume after their branch has run: the stack
 * discipline guarantees a branch's tasks all finish before its union resumes.
 */

/** An issue whose path is still a {@link Location}: most issues found in union branches are dropped, so paths are built only for the issues returned. */
export interface FoundIssue {
  readonly at: At;
  readonly below: readonly (string | number)[];
  readonly message: string;
}

/** Where issues of a (sub)check go; a union gives each branch its own. */
export interface Sink {
  readonly issues: FoundIssue[];
  readonly limit: number;
}

/** A position in the value, as a linked list from the top (shared by siblings, no copying). */
export interface Location {
  readonly parent: Location | undefined;
  readonly key: string | number;
  readonly depth: number;
}
export type At = Location | undefined;

/** Check the value at `at` against `node`. */
export interface CheckTask {
  readonly kind: 'check';
  readonly node: SchemaNode;
  readonly value: unknown;
  readonly at: At;
  readonly sink: Sink;
}

/** Follow the run's path from `at` (= `path[0..index)`) to its end, then check. */
export interface WalkTask {
  readonly kind: 'walk';
  readonly node: SchemaNode;
  readonly value: unknown;
  readonly at: At;
  readonly index: number;
  readonly sink: Sink;
}

/** Try `candidates` one at a time; resumes after each branch. */
export interface UnionTask {
  readonly kind: 'union';
  readonly alternatives: Alternatives;
  readonly candidates: readonly number[];
  readonly value: unknown;
  readonly at: At;
  readonly sink: Sink;
  readonly exactlyOne: boolean;
  /** Path index to walk from, or -1 to check the value itself. */
  readonly walkIndex: number;
  next: number;
  matches: number;
  readonly failures: Map<number, readonly FoundIssue[]>;
  branchSink: Sink | undefined;
}

/** Run the `not` schema, then report if it matched. */
export interface NotTask {
  readonly kind: 'not';
  readonly node: SchemaNode;
  readonly value: unknown;
  readonly at: At;
  readonly sink: Sink;
  branchSink: Sink | undefined;
}

/** Report `message` at `at`: keeps issues in document order when queued among checks. */
interface FailTask {
  readonly kind: 'fail';
  readonly message: string;
  readonly at: At;
  readonly sink: Sink;
}

export type Task = CheckTask | WalkTask | UnionTask | NotTask | FailTask;

export interface Run {
  readonly mode: ValidationMode;
  readonly path: JsonPath;
  /** The value at the end of {@link path}, when the caller gave it. */
  readonly subject: { readonly value: unknown } | undefined;
  readonly maxDepth: number;
  /** Whether plain subtrees may be answered by the fast path (`fast-path.ts`). */
  readonly shortcuts: boolean;
  /** Tasks produced by the task being processed, in the order they must run. */
  readonly pending: Task[];
  /** Target of {@link complain}: set before each batch of keyword checks. */
  sink: Sink;
  at: At;
  readonly complain: Complain;
}

export function childAt(at: At, key: string | number): Location {
  return { parent: at, key, depth: (at?.depth ?? 0) + 1 };
}

export function toValidationIssue({ at, below, message }: FoundIssue): ValidationIssue {
  const path: (string | number)[] = new Array(at?.depth ?? 0);
  for (let location = at; location !== undefined; location = location.parent) {
    path[location.depth - 1] = location.key;
  }
  path.push(...below);
  return { path, message };
}

export function isFull(sink: Sink): boolean {
  return sink.issues.length >= sink.limit;
}

export function report(sink: Sink, at: At, message: string, ...below: (string | number)[]): void {
  if (!isFull(sink)) sink.issues.push({ at, below, message });
}

/** The issue of a value nested deeper than the validator checks: the limit, and where to raise it. */
export function depthLimitMessage(maxDepth: number): string {
  return `value nested deeper than the validator's maxDepth (${maxDepth} levels); to check deeper values, raise it: jsonSchema(schema, { maxDepth }), toResponseModel(schema, { maxDepth }) or compileJsonSchema(schema, { maxDepth })`;
}

/** False (with an issue) when children of the container at `at` would be nested too deep. */
export function canEnter(run: Run, at: At, sink: Sink): boolean {
  if ((at?.depth ?? 0) < run.maxDepth) return true;
  report(sink, at, depthLimitMessage(run.maxDepth));
  return false;
}
