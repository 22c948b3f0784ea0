/** Longest excerpt of a value shown in an issue message. */
const MAX_EXCERPT = 40;

/**
 * Cuts `text` to at most `max` UTF-16 units, ending in `…`, without leaving half
 * a surrogate pair behind.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** A JSON-ish excerpt of a value for issue messages: never the whole of a large value. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncateText(value, MAX_EXCERPT));
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : `non-JSON number ${String(value)}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    default:
      return `a ${typeof value}`;
  }
}

/** `"a", "b", "c"` — a list of allowed constants, shortened when long. */
export function describeList(values: readonly unknown[], max = 10): string {
  const shown = values.slice(0, max).map(describeConstant);
  if (values.length > max) shown.push(`… (${values.length - max} more)`);
  return shown.join(', ');
}

/** A constant from a schema, spelled as JSON (objects and arrays too, shortened). */
export function describeConstant(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    return truncateText(JSON.stringify(value) ?? String(value), MAX_EXCERPT);
  }
  return describeValue(value);
}
