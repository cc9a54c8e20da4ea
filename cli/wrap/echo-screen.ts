// The line as the client echoed it: when the typed keys cannot tell what the line holds (history
// recall, tab completion), the client's own redraw on the screen can. This keeps the output since
// the line was started and replays it through a tiny terminal model that knows what line editors
// emit (printable text, CR, LF, BS, cursor moves, erase/insert/delete characters) to read the
// text from the prompt's end onwards.
//
// Cheap on the hot path: the output is only buffered (capped); it is replayed at an uncertain
// Enter only.

const TAIL_CAP = 4096;
const SINCE_CAP = 256 * 1024;

export class EchoScreen {
  /**
   * Output since the last newline: the row where the prompt is. Appended to as chunks come and
   * trimmed only when it passes twice TAIL_CAP, so a long row without a newline (a line editor
   * redrawing in place) costs no 4 KB copy per echoed key; `rowCapped` says the row is read as
   * its last TAIL_CAP characters.
   */
  private rowTail = '';
  private rowCapped = false;
  /** Output since the first key of the current line (null until then). */
  private since: string[] | null = null;
  private sinceLen = 0;
  private promptRow = '';
  /** Time of the last output chunk (ms), so callers can wait for the echo to settle. */
  lastOutput = 0;
  /** A full-screen program (pager, editor) holds the alternate screen: its keys are not SQL. */
  altScreen = false;

  constructor(public cols: number) {}

  output(data: string): void {
    this.lastOutput = Date.now();
    if (data.includes('\x1b[?')) {
      // The last switch in the chunk wins: 1049/1047/47 h = enter, l = leave.
      const re = /\x1b\[\?(?:1049|1047|47)([hl])/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(data))) this.altScreen = m[1] === 'h';
    }
    if (this.since && this.sinceLen < SINCE_CAP) {
      this.since.push(data);
      this.sinceLen += data.length;
    }
    const nl = data.lastIndexOf('\n');
    if (nl >= 0) {
      this.rowTail = data.slice(nl + 1);
      this.rowCapped = false;
    } else {
      this.rowTail += data;
      this.rowCapped = true;
      if (this.rowTail.length > 2 * TAIL_CAP) this.rowTail = this.rowTail.slice(-TAIL_CAP);
    }
  }

  /** The user typed the first key of a line: the prompt is on screen, the input starts here. */
  markInputStart(): void {
    if (this.since) return;
    this.promptRow = this.rowCapped ? this.rowTail.slice(-TAIL_CAP) : this.rowTail;
    this.since = [];
    this.sinceLen = 0;
  }

  /** After Enter: the next line starts fresh. */
  reset(): void {
    this.since = null;
    this.sinceLen = 0;
  }

  /** The text after the prompt as the terminal shows it now; null when nothing was marked. */
  text(): string | null {
    if (!this.since) return null;
    const t = new MiniTerm(this.cols);
    t.write(this.promptRow);
    const startRow = t.row;
    const startCol = Math.min(t.col, this.cols);
    t.write(this.since.join(''));
    return t.textFrom(startRow, startCol);
  }
}

/** Just enough of a VT100 for one input region; rows grow downwards without limit. */
export class MiniTerm {
  rows: string[][] = [[]];
  /** soft[r]: row r continues row r-1 (auto-wrap), not a new line. */
  soft: boolean[] = [false];
  row = 0;
  col = 0;

  constructor(private readonly cols: number) {}

  private ensure(r: number): void {
    while (this.rows.length <= r) {
      this.rows.push([]);
      this.soft.push(false);
    }
  }

  write(s: string): void {
    let i = 0;
    while (i < s.length) {
      const ch = s[i]!;
      if (ch === '\x1b') {
        i = this.escape(s, i);
        continue;
      }
      i++;
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') {
        this.row++;
        this.ensure(this.row);
      } else if (ch === '\b') this.col = Math.max(0, Math.min(this.col, this.cols - 1) - 1);
      else if (ch === '\t') this.col = Math.min(this.cols - 1, (Math.floor(this.col / 8) + 1) * 8);
      else if (ch < ' ' || ch === '\x7f') continue;
      else this.put(ch);
    }
  }

  private put(ch: string): void {
    if (this.col >= this.cols) {
      this.row++;
      this.ensure(this.row);
      this.soft[this.row] = true;
      this.col = 0;
    }
    const line = this.rows[this.row]!;
    while (line.length < this.col) line.push(' ');
    line[this.col] = ch;
    this.col++;
  }

  private escape(s: string, i: number): number {
    const next = s[i + 1];
    if (next === ']') {
      // OSC: up to BEL or ST
      const bel = s.indexOf('\x07', i);
      const st = s.indexOf('\x1b\\', i);
      const end = [bel, st].filter((x) => x >= 0).sort((a, b) => a - b)[0];
      return end === undefined ? s.length : end + (end === st ? 2 : 1);
    }
    if (next !== '[') return i + 2;
    const m = /^\x1b\[([0-9;?<>=]*)[ -/]*([@-~])/.exec(s.slice(i, i + 64));
    if (!m) return i + 2;
    const [all, params, final] = m;
    const nums = params!.split(';').map((p) => parseInt(p, 10));
    const n = Number.isFinite(nums[0]) && nums[0]! > 0 ? nums[0]! : 1;
    const line = this.rows[this.row]!;
    const col = Math.min(this.col, this.cols - 1);
    switch (final) {
      case 'C':
        this.col = Math.min(this.cols - 1, col + n);
        break;
      case 'D':
        this.col = Math.max(0, col - n);
        break;
      case 'A':
        this.row = Math.max(0, this.row - n);
        break;
      case 'B':
        this.row += n;
        this.ensure(this.row);
        break;
      case 'G':
        this.col = Math.min(this.cols - 1, n - 1);
        break;
      case 'K': {
        const mode = Number.isFinite(nums[0]) ? nums[0] : 0;
        if (mode === 0) line.length = Math.min(line.length, this.col);
        else if (mode === 1) for (let c = 0; c <= col && c < line.length; c++) line[c] = ' ';
        else line.length = 0;
        break;
      }
      case 'J':
        line.length = Math.min(line.length, this.col);
        this.rows.length = this.row + 1;
        this.soft.length = this.row + 1;
        break;
      case 'P':
        line.splice(col, n);
        break;
      case 'X':
        for (let c = col; c < col + n && c < line.length; c++) line[c] = ' ';
        break;
      case '@':
        if (col < line.length) line.splice(col, 0, ...Array<string>(n).fill(' '));
        line.length = Math.min(line.length, this.cols);
        break;
    }
    return i + all!.length;
  }

  /** Text from (row, col) to the end; wrapped rows joined, real line breaks kept. */
  textFrom(row: number, col: number): string {
    let out = '';
    for (let r = row; r < this.rows.length; r++) {
      const cells = this.rows[r]!.slice(r === row ? col : 0);
      if (r > row) out += this.soft[r] ? '' : '\n';
      const text = Array.from(cells, (c) => c ?? ' ').join('');
      // A row that wraps into the next keeps its trailing blanks: they are part of the line.
      out += this.soft[r + 1] ? text : text.replace(/\s+$/, '');
    }
    return out.replace(/\s+$/, '');
  }
}
