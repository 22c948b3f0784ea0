/**
 * Keeps what a re-ask quotes of the model's answer — its first `headChars` and
 * last `tailChars` characters — and its length, in memory bounded by those two
 * numbers whatever the size of the answer.
 */
export class TextExcerpt {
  private readonly headChars: number;
  private readonly tailChars: number;
  private head = '';
  /** The text after the head, cut back to its last `tailChars` once it reaches four times that. */
  private tail = '';
  private total = 0;

  constructor(headChars = 3000, tailChars = 1000) {
    this.headChars = headChars;
    this.tailChars = tailChars;
  }

  get length(): number {
    return this.total;
  }

  append(text: string): void {
    this.total += text.length;
    let rest = text;
    if (this.head.length < this.headChars) {
      const room = this.headChars - this.head.length;
      this.head += rest.slice(0, room);
      rest = rest.slice(room);
      if (rest === '') return;
    }
    // Appending builds a rope (no copy); the cut copies at most 4 × tailChars now and then.
    this.tail += rest;
    if (this.tail.length >= 4 * Math.max(1, this.tailChars)) this.tail = this.lastChars();
  }

  /** The whole text when it is short; otherwise its head, an ellipsis line, and its tail. */
  toString(): string {
    if (this.total <= this.headChars + this.tailChars) return this.head + this.tail;
    return `${this.head}\n…\n${this.lastChars()}`;
  }

  private lastChars(): string {
    return this.tailChars > 0 ? this.tail.slice(-this.tailChars) : '';
  }
}
