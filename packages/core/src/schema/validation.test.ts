import { describe, expect, it } from 'vitest';
import { formatIssues, formatPath, type ValidationIssue } from './validation.ts';

describe('formatPath', () => {
  it('writes identifiers with dots, indices and other keys with brackets', () => {
    expect(formatPath([])).toBe('$');
    expect(formatPath(['items', 2, 'price'])).toBe('$.items[2].price');
    expect(formatPath(['odd key', '0', '$ok'])).toBe('$["odd key"]["0"].$ok');
    expect(formatPath(['k'.repeat(100)])).toBe(`$["${'k'.repeat(39)}…"]`);
  });
});

describe('formatIssues', () => {
  it('lists one issue per line', () => {
    const issues: ValidationIssue[] = [
      { path: ['items', 2, 'price'], message: 'expected a number ≤ 100, got 250' },
      { path: [], message: 'missing required property "name"' },
    ];
    expect(formatIssues(issues)).toBe(
      '- $.items[2].price: expected a number ≤ 100, got 250\n- $: missing required property "name"',
    );
  });

  it('lists at most 20 issues and counts the rest', () => {
    const issues = Array.from({ length: 27 }, (_, i) => ({ path: [i], message: 'bad' }));
    const lines = formatIssues(issues).split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[19]).toBe('- $[19]: bad');
    expect(lines[20]).toBe('(and 7 more)');
  });

  it('shows repeated issues once', () => {
    const issue = { path: ['a'], message: 'expected a string, got 1' };
    expect(formatIssues([issue, issue])).toBe('- $.a: expected a string, got 1');
  });

  it('shortens huge messages', () => {
    const text = formatIssues([{ path: [], message: `bad: ${'x'.repeat(10_000)}` }]);
    expect(text.length).toBeLessThan(320);
    expect(text.endsWith('…')).toBe(true);
  });

  it('is empty for no issues', () => {
    expect(formatIssues([])).toBe('');
  });
});
