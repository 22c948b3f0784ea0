/** The label value every model (or provider) beyond the allowed set is counted under. */
export const OTHER_LABEL = 'other';
/** The label value for a provider or model the engine did not know (e.g. a request that named no model). */
export const UNKNOWN_LABEL = 'unknown';
/** Longest label value kept; longer names are cut, so one odd name cannot bloat every series. */
export const MAX_LABEL_LENGTH = 100;

export interface LabelGuardOptions {
  /** Only these values get their own label; every other value becomes `other`. */
  readonly allow?: readonly string[] | undefined;
  /** Without `allow`: the first `max` distinct values get their own label, later ones `other`. */
  readonly max: number;
}

/**
 * Keeps one label's values bounded so a metric's series count cannot grow
 * without limit: an allow-list, or the first `max` distinct values seen, and
 * `other` for the rest. Values are trimmed, control characters dropped and
 * cut to {@link MAX_LABEL_LENGTH}.
 */
export class LabelGuard {
  /** Normalised values that have their own label. */
  private readonly values = new Set<string>();
  /** Raw value → label, for admitted values only (so it is bounded too). */
  private readonly memo = new Map<string, string>();
  private readonly allow: ReadonlySet<string> | undefined;
  private readonly max: number;

  constructor(options: LabelGuardOptions) {
    this.allow =
      options.allow === undefined ? undefined : new Set(options.allow.map(normalizeLabelValue));
    this.max = options.max;
  }

  /** The label value to use for `raw`. */
  label(raw: string | undefined): string {
    if (raw === undefined || raw === '') return UNKNOWN_LABEL;
    const known = this.memo.get(raw);
    if (known !== undefined) return known;
    const value = normalizeLabelValue(raw);
    if (value === UNKNOWN_LABEL || value === OTHER_LABEL) return value;
    if (!this.values.has(value)) {
      const admit = this.allow !== undefined ? this.allow.has(value) : this.values.size < this.max;
      if (!admit) return OTHER_LABEL;
      this.values.add(value);
    }
    // Spellings that normalise alike share a label; remember a few of them for the fast path.
    if (this.memo.size < this.values.size * 4) this.memo.set(raw, value);
    return value;
  }

  /** How many distinct values have their own label. */
  get size(): number {
    return this.values.size;
  }
}

/** Trimmed, without control characters, at most {@link MAX_LABEL_LENGTH} characters; `unknown` when nothing is left. */
export function normalizeLabelValue(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point.
  let value = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (value.length > MAX_LABEL_LENGTH) value = value.slice(0, MAX_LABEL_LENGTH);
  return value === '' ? UNKNOWN_LABEL : value;
}
