/**
 * Keeps what a re-ask quotes of the model's answer — its first `headChars` and
 * last `tailChars` characters — and its length, in memory bounded by those two
 * numbers whatever the size of the answer.
 */
export class TextExcerpt {
  declare private readonly headChars: number;
  declare private readonly tailChars: number;
  private head = '';
  private tail: string[] = [];
  private tailStart = 0;
  private tailLength = 0;
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
    }
    if (rest === '') return;
    this.tail.push(rest);
    this.tailLength += rest.length;
    // Drop whole pieces from the front while the rest still covers tailChars.
    while (
      this.tailStart < this.tail.length &&
      this.tailLength - (this.tail[this.tailStart] as string).length >= this.tailChars
    ) {
      this.tailLength -= (this.tail[this.tailStart] as string).length;
      this.tailStart++;
    }
    if (this.tailStart > 1024) {
      this.tail = this.tail.slice(this.tailStart);
      this.tailStart = 0;
    }
  }

  /** The whole text when it is short; otherwise its head, an ellipsis line, and its tail. */
  toString(): string {
    const tail = this.tail.slice(this.tailStart).join('');
    if (this.total <= this.headChars + this.tailChars) return this.head + tail;
    return `${this.head}\n…\n${this.tailChars > 0 ? tail.slice(-this.tailChars) : ''}`;
  }
}
