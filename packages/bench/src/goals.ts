/**
 * How every benchmark reports its goals, and what `--check` makes of them: a
 * failed goal (not one that could not be evaluated) makes the run exit 1.
 */

export interface Goal {
  readonly name: string;
  readonly actual: string;
  /** `undefined` when it could not be evaluated (e.g. no `--expose-gc`). */
  readonly pass: boolean | undefined;
}

/** `- **PASS** name: actual` (also `FAIL`, and `N/A` for a goal that was not evaluated). */
export function formatGoal(goal: Goal): string {
  const verdict = goal.pass === undefined ? 'N/A ' : goal.pass ? 'PASS' : 'FAIL';
  return `- **${verdict}** ${goal.name}: ${goal.actual}`;
}

/** The goals that were evaluated and missed. */
export function failedGoals(goals: readonly Goal[]): Goal[] {
  return goals.filter((goal) => goal.pass === false);
}

/**
 * The exit code a benchmark ends with: 1 under `--check` when a goal failed,
 * otherwise 0 (a run without `--check` only reports).
 */
export function goalsExitCode(goals: readonly Goal[], check: boolean): 0 | 1 {
  return check && failedGoals(goals).length > 0 ? 1 : 0;
}

/** Prints the goals, and under `--check` sets the exit code and names the failures on stderr. */
export function reportGoals(goals: readonly Goal[], check: boolean): void {
  for (const goal of goals) console.log(formatGoal(goal));
  const code = goalsExitCode(goals, check);
  if (code !== 0) {
    const names = failedGoals(goals).map((goal) => goal.name);
    process.stderr.write(`[bench] --check: ${names.length} goal(s) failed: ${names.join('; ')}\n`);
    process.exitCode = code;
  }
}
