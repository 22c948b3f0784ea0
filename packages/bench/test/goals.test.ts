import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failedGoals, formatGoal, type Goal, goalsExitCode, reportGoals } from '../src/goals.ts';

const pass: Goal = { name: 'fast enough', actual: '×1.20', pass: true };
const fail: Goal = { name: 'small enough', actual: '40 MB', pass: false };
const notMeasured: Goal = { name: 'heap', actual: 'not measured', pass: undefined };

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = 0;
});

describe('goals', () => {
  it('prints PASS, FAIL and N/A lines', () => {
    expect([pass, fail, notMeasured].map(formatGoal)).toEqual([
      '- **PASS** fast enough: ×1.20',
      '- **FAIL** small enough: 40 MB',
      '- **N/A ** heap: not measured',
    ]);
  });

  it('--check exits 1 exactly when an evaluated goal failed; without --check it exits 0', () => {
    const goal = fc.record({
      name: fc.string(),
      actual: fc.string(),
      pass: fc.constantFrom(true, false, undefined),
    });
    fc.assert(
      fc.property(fc.array(goal), fc.boolean(), (goals, check) => {
        const anyFailed = goals.some((g) => g.pass === false);
        expect(goalsExitCode(goals, check)).toBe(check && anyFailed ? 1 : 0);
        expect(failedGoals(goals)).toEqual(goals.filter((g) => g.pass === false));
      }),
    );
  });

  it('a goal that could not be evaluated does not fail --check', () => {
    expect(goalsExitCode([pass, notMeasured], true)).toBe(0);
  });

  it('reportGoals sets the exit code under --check and names the failed goals', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    reportGoals([pass, fail], true);
    expect(process.exitCode).toBe(1);
    expect(out.mock.calls.map((call) => call[0])).toEqual([
      '- **PASS** fast enough: ×1.20',
      '- **FAIL** small enough: 40 MB',
    ]);
    expect(String(err.mock.calls[0]?.[0])).toContain('small enough');
  });

  it('reportGoals without --check only reports', () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    reportGoals([fail], false);
    expect(process.exitCode ?? 0).toBe(0);
  });
});

describe('pnpm bench (run-all)', () => {
  it('refuses an option it would not pass on, before running anything', () => {
    const script = fileURLToPath(new URL('../src/run-all.ts', import.meta.url));
    const result = spawnSync(process.execPath, [script, '--json', 'x.json'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown option --json x.json');
    expect(result.stdout).toBe('');
  });
});
