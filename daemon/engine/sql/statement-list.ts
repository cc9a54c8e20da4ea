// The statements of a text, each kept as a span of it where it is verbatim (the usual statement
// of a file) and as a string only where normalizing changed it. A 1 MB file, cached between lines,
// is then two typed arrays instead of ~21,000 strings that every garbage collection would copy.

const NORMALIZED = -1;

export class StatementList {
  length = 0;
  private starts: Int32Array<ArrayBuffer> = new Int32Array(64);
  /** End of each statement's span; NORMALIZED: its text is in `copies`. */
  private ends: Int32Array<ArrayBuffer> = new Int32Array(64);
  private readonly copies = new Map<number, string>();

  constructor(readonly source: string) {}

  /** A statement that is source[start, end) as it stands, up to blanks trim() drops at its ends. */
  addSlice(start: number, end: number): void {
    const s = this.source;
    // trim() drops non-ASCII blanks too (U+00A0, U+2028, ...): those ends take the string path
    if (s.charCodeAt(start) < 128 && s.charCodeAt(end - 1) < 128) this.add(start, end);
    else this.addText(s.slice(start, end).trim(), start);
  }

  /** A normalized statement starting at `start` in the source (dropped when blank). */
  addText(text: string, start: number): void {
    if (!text) return;
    this.copies.set(this.length, text);
    this.add(start, NORMALIZED);
  }

  text(k: number): string {
    const end = this.ends[k]!;
    return end === NORMALIZED ? this.copies.get(k)! : this.source.slice(this.starts[k], end);
  }

  /** Offset in the source of statement k's first character. */
  start(k: number): number {
    return this.starts[k]!;
  }

  texts(): string[] {
    return Array.from({ length: this.length }, (_, k) => this.text(k));
  }

  /** Each statement's start offset, in order (a view: valid until the next add). */
  startOffsets(): Int32Array {
    return this.starts.subarray(0, this.length);
  }

  private add(start: number, end: number): void {
    if (this.length === this.starts.length) {
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
    }
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
