/**
 * Keeps what a re-ask quotes of the model's answer — its first `headChars` and
 * last `tailChars` characters — and its length, in memory bounded by those two
 * numbers whatever the size of the answer: the head, and past it at most about 32
 * characters a ring slot (about 32 per tail character) besides the last pieces read.
 *
 * Past the head, a chunk costs a store in a ring of more slots than `tailChars`:
 * as every piece has a character at least, the ring's pieces cover the tail
 * once it has gone round. Pieces of up to 16 characters need nothing more; when
 * the longer ones of one round hold more than 8 characters a slot, the ring is
 * cut to the tail, as one piece.
 */
export class TextExcerpt {
  readonly #headChars: number;
  readonly #tailChars: number;
  /** The ring's slots less one: a power of two above `tailChars`, less one. */
  readonly #mask: number;
  /** Characters appended. */
  length = 0;
  #head = '';
  /** The latest pieces past the head, the oldest overwritten. */
  #ring: string[] = [];
  /** Pieces put in the ring: the newest is at `(count - 1) & mask`. */
  #count = 0;
  /** Characters of long pieces put in the ring in round `#round` (a round: `mask + 1` pieces). */
  #chars = 0;
  #round = 0;

  constructor(headChars = 3000, tailChars = 1000) {
    this.#headChars = headChars;
    this.#tailChars = tailChars;
    this.#mask = 2 ** Math.ceil(Math.log2(tailChars + 1)) - 1;
  }

  append(text: string): void {
    const before = this.length;
    this.length = before + text.length;
    let rest = text;
    if (before < this.#headChars) {
      // Only while the head fills: past it, a chunk costs no slicing here.
      this.#head += text.slice(0, this.#headChars - before);
      rest = text.slice(this.#headChars - before);
    }
    if (rest === '') return;
    this.#ring[this.#count++ & this.#mask] = rest;
    // Short pieces hold at most 16 characters a slot. Long ones are counted per round: what
    // the ring holds of them is this round's and what is left of the last.
    if (rest.length > 16) this.#long(rest.length);
  }

  /** A long piece was put in the ring: past 8 characters a slot this round, it is cut to the tail. */
  #long(chars: number): void {
    const round = Math.floor((this.#count - 1) / (this.#mask + 1));
    if (round !== this.#round) {
      this.#round = round;
      this.#chars = 0;
    }
    this.#chars += chars;
    if (this.#chars > 8 * this.#mask) {
      const tail = this.#recent().slice(-this.#tailChars);
      this.#ring = [tail];
      this.#count = 1;
      this.#round = 0;
      this.#chars = tail.length;
    }
  }

  /** The ring's newest pieces that cover the tail (all of them, when they do not), in order. */
  #recent(): string {
    let text = '';
    const oldest = Math.max(0, this.#count - this.#mask - 1);
    for (let i = this.#count - 1; i >= oldest && text.length < this.#tailChars; i--) {
      text = this.#ring[i & this.#mask] + text;
    }
    return text;
  }

  /** The whole text when it is short; otherwise its head, an ellipsis line, and its tail. */
  toString(): string {
    const tail = this.#recent();
    if (this.length <= this.#headChars + this.#tailChars) return this.#head + tail;
    return `${this.#head}\n…\n${tail.slice(-this.#tailChars)}`; // '' when tailChars is 0: no piece kept
  }
}
