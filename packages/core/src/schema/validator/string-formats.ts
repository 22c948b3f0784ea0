/**
 * Light syntax checks for the `format` values models are asked for most. They
 * follow RFC 3339 (date, time, date-time), RFC 4122 (uuid) and the general
 * shape of RFC 3986 absolute URIs and e-mail addresses; they do not resolve
 * anything or check every corner of the grammars.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:z|[+-](\d{2}):(\d{2}))$/i;
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:.]+(?:\.[^\s@"<>()[\]\\,;:.]+)+$/;
const URI = /^[a-z][a-z0-9+.-]*:[^\s]*$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isDate(text: string): boolean {
  const match = DATE.exec(text);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= days;
}

function isTime(text: string): boolean {
  const match = TIME.exec(text);
  if (match === null) return false;
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (hour > 23 || minute > 59 || second > 60) return false; // 60: leap second
  if (match[4] !== undefined && (Number(match[4]) > 23 || Number(match[5]) > 59)) return false;
  return true;
}

function isDateTime(text: string): boolean {
  const separator = text.search(/[tT ]/);
  return separator === 10 && isDate(text.slice(0, 10)) && isTime(text.slice(11));
}

const FORMATS: ReadonlyMap<string, { check: (text: string) => boolean; example: string }> = new Map(
  [
    ['date-time', { check: isDateTime, example: 'RFC 3339, e.g. 2024-05-01T12:30:00Z' }],
    ['date', { check: isDate, example: 'RFC 3339 full-date, e.g. 2024-05-01' }],
    ['time', { check: isTime, example: 'RFC 3339 full-time, e.g. 12:30:00Z' }],
    ['email', { check: (text) => EMAIL.test(text), example: 'e.g. name@example.com' }],
    [
      'uri',
      { check: (text) => URI.test(text), example: 'an absolute URI, e.g. https://example.com/a' },
    ],
    [
      'uuid',
      { check: (text) => UUID.test(text), example: 'e.g. 123e4567-e89b-12d3-a456-426614174000' },
    ],
  ],
);

export function isKnownFormat(format: string): boolean {
  return FORMATS.has(format);
}

/** `undefined` when `text` matches `format` (or the format is unknown); otherwise a hint for the message. */
export function formatMismatch(format: string, text: string): string | undefined {
  const entry = FORMATS.get(format);
  if (entry === undefined || entry.check(text)) return undefined;
  return entry.example;
}

/** String length as JSON Schema counts it: in code points, a surrogate pair being one. */
export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    length++;
  }
  return length;
}
