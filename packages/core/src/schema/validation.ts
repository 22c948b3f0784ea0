import { MAX_KEY, MAX_LISTED_ISSUES, MAX_MESSAGE } from './constants.ts';
import type { JsonPath } from './json-schema.ts';
import { truncateText } from './validator/describe-value.ts';

/** One reason a value does not match its schema, located by path from the top-level value. */
export interface ValidationIssue {
  readonly path: JsonPath;
  readonly message: string;
}

export type ValidationResult<T> =
  | { readonly success: true; readonly value: T }
  | { readonly success: false; readonly issues: readonly ValidationIssue[] };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.items[2].price`, `$["odd key"]`; `$` is the top-level value. */
export function formatPath(path: JsonPath): string {
  let text = '$';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment) && segment.length <= MAX_KEY) text += `.${segment}`;
    else text += `[${JSON.stringify(truncateText(segment, MAX_KEY))}]`;
  }
  return text;
}

/**
 * Readable issue text for people and for re-asking the model, one line per issue:
 *
 * ```text
 * - $.items[2].price: expected a number ≤ 100, got 250
 * - $.status: expected one of "active", "inactive", got "unknown"
 * ```
 *
 * Lists at most 20 distinct issues and counts the rest (`(and 7 more)`); long
 * messages and keys are shortened.
 */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  let hidden = 0;
  for (const issue of issues) {
    const line = `- ${formatPath(issue.path)}: ${truncateText(issue.message, MAX_MESSAGE)}`;
    if (seen.has(line)) continue;
    seen.add(line);
    if (lines.length < MAX_LISTED_ISSUES) lines.push(line);
    else hidden++;
  }
  if (hidden > 0) lines.push(`(and ${hidden} more)`);
  return lines.join('\n');
}
