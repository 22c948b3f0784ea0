import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserProfile } from '../src/schemas.ts';
import { cleanEnv, runScript } from './helpers.ts';

const example = (name: string) => fileURLToPath(new URL(`../examples/${name}.ts`, import.meta.url));

async function run(name: string): Promise<string> {
  // A brisk simulated model: the scenarios make many requests.
  const result = await runScript(example(name), [], cleanEnv({ STRUCTLLM_DEMO_PACE_MS: '1' }));
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

describe.concurrent('the five scenarios of the original service', { timeout: 30_000 }, () => {
  it('basic streaming: partials, then the validated result', async () => {
    const out = await run('basic-streaming');
    const partials = Number(/Partial results seen: (\d+)/.exec(out)?.[1]);
    expect(partials).toBeGreaterThan(10);
    const profile = UserProfile.parse(JSON.parse(out.slice(out.indexOf('Result: ') + 8)));
    expect(profile.title).toBe('Senior Software Engineer');
  });

  it('progress tracking: start, rising percentages, complete, and ProgressTracker', async () => {
    const out = await run('progress-tracking');
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^\[\d+\.\d\ds\] start: .*quarterly_report/);
    const percents = [...out.matchAll(/\]\s+([\d.]+)%$/gm)].map((match) => Number(match[1]));
    expect(percents.length).toBeGreaterThanOrEqual(3);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // minPercentStep 10: consecutive progress events are at least 10 points apart.
    for (let i = 1; i < percents.length; i++) {
      expect((percents[i] ?? 0) - (percents[i - 1] ?? 0)).toBeGreaterThanOrEqual(10);
    }
    expect(out).toMatch(/complete: .*quarterly_report/);
    expect(out).toContain('Report: "Q3 operations report" with 3 sections');
    expect(lines.slice(-3)).toEqual([
      'tracker start: Exporting the report (0%)',
      'tracker progress: Rendered the sections (50%)',
      'tracker complete: Exported (100%)',
    ]);
  });

  it('error handling: retries, exhausted retries as a value, re-asking, and routeStructured throwing', async () => {
    const out = await run('error-handling');
    expect(out).toMatch(/retry event: .*after rate_limit \(attempt 2\)/);
    expect(out).toMatch(/retry event: .*after server \(attempt 3\)/);
    expect(out).toMatch(/Success on attempt 3: \S+ \S+/);
    expect(out).toContain('Error occurred: server (retryable: true)');
    expect(out).toContain(
      '  attempt 1 on openai/gpt-4o-mini: server\n  attempt 2 on openai/gpt-4o-mini: server',
    );
    expect(out).toContain('attempts: validation, ok');
    expect(out).toMatch(/Success: \S+ \S+, \d+ years/);
    expect(out).toContain('Caught StructuredLLMError: server');
  });

  it('batch processing: two at a time, results in input order, one failure isolated', async () => {
    const out = await run('batch-processing');
    expect(out).toContain('at most 2 requests streamed at once');
    expect([...out.matchAll(/^finished #(\d)/gm)].map((m) => m[1]).sort()).toEqual([
      '0',
      '1',
      '2',
      '3',
    ]);
    const results = out.trim().split('\n').slice(-4);
    expect(results[0]).toBe('#0 backend engineer: failed (server)');
    expect(results[1]).toMatch(/^#1 data scientist: \S+ \S+, 5 skills$/);
    expect(results[2]).toMatch(/^#2 site reliability engineer: \S+ \S+, 5 skills$/);
    expect(results[3]).toMatch(/^#3 designer: \S+ \S+, 5 skills$/);
  });

  it('custom callbacks and filtering', async () => {
    const out = await run('custom-callbacks');
    const all = /no filter: start=1 progress=(\d+) complete=1 \(highest 100%\)/.exec(out);
    expect(Number(all?.[1])).toBeGreaterThan(20);
    expect(out).toContain('eventTypes start+complete: start=1 complete=1\n');
    const stepped = Number(/minPercentStep 25: (\d+) progress events/.exec(out)?.[1]);
    expect(stepped).toBeGreaterThan(0);
    expect(stepped).toBeLessThanOrEqual(4);
    expect(out).toContain('predicate: first event start, last complete');
    expect(out).toContain('async sink wrote through complete');
    expect(out).toMatch(/logger warn: progressCallback threw/);
    expect(out).toContain('despite a throwing callback: a report with 3 sections');
  });
});
