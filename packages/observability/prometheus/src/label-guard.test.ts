import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabelGuard, MAX_LABEL_LENGTH, normalizeLabelValue } from './label-guard.ts';

describe('LabelGuard', () => {
  it('admits the first `max` distinct values and maps every later one to "other"', () => {
    const guard = new LabelGuard({ max: 2 });
    expect(guard.label('openai/gpt-4o')).toBe('openai/gpt-4o');
    expect(guard.label('anthropic/claude')).toBe('anthropic/claude');
    expect(guard.label('mock/third')).toBe('other');
    expect(guard.label('openai/gpt-4o')).toBe('openai/gpt-4o');
    expect(guard.size).toBe(2);
  });

  it('with an allow-list admits only listed values, however many others come', () => {
    const guard = new LabelGuard({ allow: ['a/x'], max: 100 });
    expect(guard.label('a/y')).toBe('other');
    expect(guard.label('a/x')).toBe('a/x');
  });

  it('labels missing values "unknown" and keeps values already named "other"/"unknown" as they are', () => {
    const guard = new LabelGuard({ max: 0 });
    expect(guard.label(undefined)).toBe('unknown');
    expect(guard.label('')).toBe('unknown');
    expect(guard.label('other')).toBe('other');
  });

  it('cuts long values and drops control characters', () => {
    expect(normalizeLabelValue(`  a\nb\u0000c${'x'.repeat(500)}  `)).toBe(
      `abc${'x'.repeat(MAX_LABEL_LENGTH - 3)}`,
    );
    expect(normalizeLabelValue('\n\t')).toBe('unknown');
  });

  it('spellings that normalise alike share one label and one slot', () => {
    const guard = new LabelGuard({ max: 1 });
    expect(guard.label('gpt')).toBe('gpt');
    expect(guard.label(' gpt ')).toBe('gpt');
    expect(guard.size).toBe(1);
  });

  it('never yields more than max + 2 distinct labels, whatever it is fed', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 300 }), fc.nat(20), (values, max) => {
        const guard = new LabelGuard({ max });
        const labels = new Set(values.map((value) => guard.label(value)));
        labels.delete('other');
        labels.delete('unknown');
        expect(labels.size).toBeLessThanOrEqual(max);
        for (const label of labels) expect(label.length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
      }),
    );
  });
});
