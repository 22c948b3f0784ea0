import { describe, expect, it, vi } from 'vitest';
import { IsolatedCallback } from './isolated-callback.ts';

describe('IsolatedCallback', () => {
  it('passes the argument and `this`, and hands back what the callback returned', () => {
    const isolated = new IsolatedCallback(() => {});
    const self = { factor: 3 };
    const result = isolated.call(
      function (this: unknown, n: number) {
        return (this as typeof self).factor * n;
      },
      2,
      self,
    );
    expect(result).toBe(6);
  });

  it('reports a throw once, never rethrows, and goes on calling', () => {
    const report = vi.fn();
    const isolated = new IsolatedCallback(report);
    const calls: number[] = [];
    const throwing = (n: number): void => {
      calls.push(n);
      throw new Error(`bad ${n}`);
    };
    expect(isolated.call(throwing, 1)).toBeUndefined();
    expect(isolated.call(throwing, 2)).toBeUndefined();
    expect(calls).toEqual([1, 2]);
    expect(report.mock.calls).toEqual([[new Error('bad 1')]]);
  });

  it('reports the rejection of an async callback like a throw', async () => {
    const report = vi.fn();
    const isolated = new IsolatedCallback(report);
    isolated.call(async () => {
      throw new Error('async failure');
    }, undefined);
    await Promise.resolve();
    await Promise.resolve();
    expect(report.mock.calls).toEqual([[new Error('async failure')]]);
  });

  it('survives a report that throws', () => {
    const isolated = new IsolatedCallback(() => {
      throw new Error('the logger is broken too');
    });
    expect(() =>
      isolated.call(() => {
        throw new Error('callback');
      }, undefined),
    ).not.toThrow();
  });
});
