/**
 * Keeps what a re-ask quotes of the model's answer — its first `headChars` and
 * last `tailChars` characters — and its length, in memory bounded by those two
 * numbers whatever the size of the answer.
 */
export class TextExcerpt {
  declare private readonly headChars: number;
  declare private readonly tailChars: number;
  /** Characters appended. */
  length = 0;
  private head = '';
  private tail: string[] = [];
  private tailStart = 0;
  private tailLength = 0;

  constructor(headChars = 3000, tailChars = 1000) {
    this.headChars = headChars;
    this.tailChars = tailChars;
  }

  append(text: string): void {
    this.length += text.length;
    let rest = text;
    const room = this.headChars - this.head.length;
    if (room > 0) {
      // Only while the head fills: past it, a chunk costs no slicing here.
      this.head += text.slice(0, room);
      rest = text.slice(room);
    }
    if (rest === '' || this.tailChars === 0) return;
    this.tail.push(rest);
    this.tailLength += rest.length;
    // Drop whole pieces from the front while the rest still covers tailChars (the last
    // piece stays: without it nothing covers a tail of one character or more).
    while (this.tailLength - (this.tail[this.tailStart] as string).length >= this.tailChars) {
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
    if (this.length <= this.headChars + this.tailChars) return this.head + tail;
    return `${this.head}\n…\n${tail.slice(-this.tailChars)}`; // '' when tailChars is 0: no piece kept
  }
}
