import { describe, expect, it } from 'vitest';
import { describeConstant, describeList, describeValue, truncateText } from './describe-value.ts';

describe('describeValue', () => {
  it('shows primitives as JSON and containers by kind', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue(250)).toBe('250');
    expect(describeValue(false)).toBe('false');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue({ a: 1 })).toBe('an object');
    expect(describeValue(undefined)).toBe('nothing');
  });

  it('never shows a long string whole', () => {
    const shown = describeValue('y'.repeat(5000));
    expect(shown).toBe(`"${'y'.repeat(39)}…"`);
  });
});

describe('truncateText', () => {
  it('does not split a surrogate pair', () => {
    expect(truncateText(`ab😀cd`, 4)).toBe('ab…');
    expect(truncateText('short', 10)).toBe('short');
  });
});

describe('describeList', () => {
  it('lists constants and counts what it leaves out', () => {
    expect(describeList(['a', 1, null])).toBe('"a", 1, null');
    expect(describeList(['a', 'b', 'c'], 2)).toBe('"a", "b", … (1 more)');
    expect(describeConstant({ k: [1] })).toBe('{"k":[1]}');
  });
});
