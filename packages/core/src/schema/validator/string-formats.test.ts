import { describe, expect, it } from 'vitest';
import { codePointLength, formatMismatch, isKnownFormat } from './string-formats.ts';

describe('formatMismatch', () => {
  const valid: [string, string][] = [
    ['date', '2024-02-29'],
    ['date', '2000-02-29'],
    ['time', '23:59:60Z'],
    ['time', '10:00:00.123+05:30'],
    ['date-time', '2024-05-01t12:30:00z'],
    ['date-time', '2024-05-01 12:30:00-08:00'],
    ['email', 'first.last+tag@sub.example.org'],
    ['uri', 'urn:isbn:0451450523'],
    ['uri', 'mailto:ada@example.com'],
    ['uuid', 'A987FBC9-4BED-3078-CF07-9141BA07C9F3'],
  ];
  const invalid: [string, string][] = [
    ['date', '2023-02-29'],
    ['date', '1900-02-29'],
    ['date', '2024-04-31'],
    ['date', '24-01-01'],
    ['time', '12:30:00'], // RFC 3339 requires an offset
    ['time', '12:60:00Z'],
    ['time', '12:00:00+24:00'],
    ['date-time', '2024-05-01T12:30:00'],
    ['date-time', '2024-05-01'],
    ['email', 'ada'],
    ['email', 'ada @example.com'],
    ['uri', '/relative/path'],
    ['uri', 'https://example.com/a b'],
    ['uuid', '123e4567-e89b-12d3-a456-42661417400'],
  ];
  it.each(valid)('accepts %s %s', (format, text) => {
    expect(formatMismatch(format, text)).toBeUndefined();
  });
  it.each(invalid)('rejects %s %s with a hint', (format, text) => {
    expect(formatMismatch(format, text)).toMatch(/e\.g\./);
  });

  it('knows only the formats it checks', () => {
    expect(isKnownFormat('uuid')).toBe(true);
    expect(isKnownFormat('hostname')).toBe(false);
    expect(formatMismatch('hostname', '!!')).toBeUndefined();
  });
});

describe('codePointLength', () => {
  it('counts a surrogate pair once and a lone surrogate once', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('😀a')).toBe(2);
    expect(codePointLength('a\ud83d')).toBe(2);
  });
});
