// What scanSql and scanJs share: collecting normalized statements. Tokens are joined by one
// blank where the input had whitespace or a comment; literals are kept whole.

export class StatementBuilder {
  readonly statements: string[] = [];
  /** Offset in the input of each statement's first token. */
  readonly starts: number[] = [];
  /** Offset of the first token of the statement being built (-1: none yet). */
  start = -1;
  /** Tokens of the statement being built (with ' ' separators). */
  parts: string[] = [];
  /** Whitespace or a comment came since the last token. */
  space = false;
  /** The text ended inside a literal or comment. */
  open = false;

  /** Appends a token; `at`: its offset in the input. */
  push(s: string, at = -1): void {
    if (this.parts.length === 0) this.start = at;
    if (this.space && this.parts.length > 0) this.parts.push(' ');
    this.space = false;
    this.parts.push(s);
  }

  /** Ends the statement being built (dropped when blank). */
  emit(): void {
    const t = this.rest;
    if (t) {
      this.statements.push(t);
      this.starts.push(this.start);
    }
    this.parts = [];
    this.space = false;
  }

  /** Keeps text[i, end) as one token; end < 0: unterminated, it runs to the end of the text.
   * Returns where scanning resumes. */
  literal(text: string, i: number, end: number): number {
    if (end < 0) {
      this.open = true;
      end = text.length;
    }
    this.push(text.slice(i, end), i);
    return end;
  }

  /** The last character of the statement so far ('' when none). */
  get last(): string {
    const p = this.parts[this.parts.length - 1];
    return p ? p[p.length - 1]! : '';
  }

  /** The statement being built, normalized. */
  get rest(): string {
    return this.parts.join('').trim();
  }
}
