import { shortHostname } from '../../daemon/engine/production/index.js';
import type { Assembler, Unit } from './assemblers.js';
import type { ConfirmPrompt } from './confirm.js';
import type { EchoScreen } from './echo-screen.js';
import type { Evaluation, WrapEvaluator } from './evaluator.js';
import { isEnter, splitKeys } from './keys.js';
import { LineShadow } from './line-shadow.js';

// The input side of the proxy in production: keys go through to the client as typed, except the
// Enter that would make the client act on a statement. That Enter is held until the statement is
// evaluated; `allow` sends it at once, `confirm` asks for the phrase first, `block` and a refused
// confirmation send keys that make the client drop its line and buffer instead.

export interface GateDeps {
  /** Writes keys to the client's pty. */
  send(keys: string): void;
  /** Writes to the user's terminal. */
  show(text: string): void;
  assembler: Assembler;
  evaluator: Pick<WrapEvaluator, 'check' | 'record'>;
  screen: EchoScreen;
  prompt: ConfirmPrompt;
  color: boolean;
  /** False when stdin is not a terminal: nobody can type a phrase, so `confirm` refuses. */
  interactive: boolean;
}

/** How long the echo must have been quiet before an uncertain line is read off the screen. */
const ECHO_QUIET_MS = 25;
const ECHO_MAX_WAIT_MS = 400;

export class Gate {
  readonly shadow = new LineShadow();
  private queue: string[] = [];
  private busy = false;
  /** Piped input ended while a statement was pending: the client's EOF follows its outcome. */
  private eofPending = false;
  /** When keys last went to the client: its echo of them comes after. */
  private lastKeyAt = 0;
  /** While an Enter's outcome is settling: keys collected for one write (see settle). */
  private batch: string | null = null;

  constructor(private readonly d: GateDeps) {}

  /** A chunk of keys from the user's terminal. */
  input(chunk: string): void {
    if (this.d.prompt.active) {
      const keys = splitKeys(chunk);
      let i = 0;
      while (i < keys.length && this.d.prompt.active) this.d.prompt.key(keys[i++]!);
      // Keys typed after the answer wait for the statement's outcome.
      if (i < keys.length) this.queue.unshift(keys.slice(i).join(''));
      return;
    }
    if (this.busy) {
      this.queue.push(chunk);
      return;
    }
    // A pager or editor started by the client (psql's less, `\\! vim`) owns the keys until it
    // leaves the alternate screen: an Enter there sends no statement.
    if (this.d.screen.altScreen) return this.send(chunk);
    this.process(chunk);
  }

  /** stdin ended (piped input): send the client an EOF once everything before it is settled. */
  end(): void {
    if (this.busy || this.d.prompt.active || this.queue.length) {
      this.eofPending = true;
      return;
    }
    this.eofPending = false;
    this.send('\x04');
  }

  /** Keys up to an Enter go through synchronously (no promise per typed key); an Enter hands over to settle(). */
  private process(chunk: string): void {
    const keys = splitKeys(chunk);
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (isEnter(k) && !this.shadow.pasting) {
        if (out) this.send(out);
        out = '';
        const rest = keys.slice(i + 1).join('');
        if (rest) this.queue.unshift(rest);
        this.busy = true;
        void this.settle(k);
        return;
      }
      if (k === '\x03') {
        this.d.assembler.interrupted();
        if (this.d.assembler.interruptClearsLine) {
          // psql drops the line and its whole query buffer.
          this.shadow.reset();
          this.d.screen.reset();
        } else {
          // readline (sqlite3, mysql) keeps what it already read: only the screen can tell.
          this.shadow.certain = false;
        }
      } else if (!(k === '\x04' && this.shadow.empty)) {
        if (this.shadow.empty) this.d.screen.markInputStart();
        this.shadow.apply(k);
      }
      out += k;
    }
    if (out) this.send(out);
  }

  /**
   * The Enter's outcome, then whatever was typed after it. The keys the outcome sends (the Enter,
   * or the keys that clear a refused line) and the type-ahead up to the next held Enter leave in
   * one write, as a paste reaches the bare client: they are in the pty before the client leaves
   * its line editor, so the kernel does not echo the type-ahead while the statement runs (it
   * would show twice: once from the tty, once from the line editor's redisplay).
   */
  private async settle(key: string): Promise<void> {
    let keys: string;
    try {
      keys = await this.enter(key);
    } finally {
      this.busy = false;
    }
    this.batch = keys;
    try {
      const next = this.queue.shift();
      if (next !== undefined) this.input(next);
      else if (this.eofPending) this.end();
    } finally {
      const out = this.batch;
      this.batch = null;
      if (out) this.d.send(out);
    }
  }

  private send(keys: string): void {
    this.lastKeyAt = Date.now();
    if (this.batch !== null) this.batch += keys;
    else this.d.send(keys);
  }

  /** Evaluates the held Enter's line; returns the keys that carry out the outcome. */
  private async enter(key: string): Promise<string> {
    let line = this.shadow.text;
    if (!this.shadow.certain) {
      await this.echoSettled();
      line = this.d.screen.text() ?? line;
    }
    this.shadow.reset();
    this.d.screen.reset();
    const fed = this.d.assembler.feed(line);
    if (fed.units.length === 0) {
      fed.commit();
      return key;
    }
    const evaluations: Evaluation[] = [];
    for (const unit of fed.units) evaluations.push(await this.check(unit));

    const blocked = evaluations.filter((e) => e.verdict === 'block');
    const confirms = evaluations.filter((e) => e.verdict === 'confirm');
    let refused = blocked.length > 0;
    for (const b of blocked) this.d.show(`\r\n${this.paint(b.message.replace(/\r?\n/g, '\r\n'))}\r\n`);
    if (!refused && confirms.length && !this.d.interactive) {
      for (const c of confirms) this.d.show(`\r\n${this.paint(c.message.replace(/\r?\n/g, '\r\n'))}\r\n`);
      this.d.show(this.paint('prodguard: stdin is not a terminal, so nobody can confirm.') + '\r\n');
      refused = true;
    }
    if (!refused) {
      // Let the client finish echoing the line before the prompt is drawn under it.
      if (confirms.length) await this.echoSettled();
      for (const c of confirms) {
        const asked = this.d.prompt.ask(c.message, c.phrase);
        // Keys typed ahead while the statement was evaluated are the answer's first keys.
        const ahead = this.queue.splice(0).join('');
        if (ahead) this.input(ahead);
        const answer = await asked;
        if (answer !== c.phrase) {
          refused = true;
          break;
        }
      }
    }
    for (const c of confirms) await this.d.evaluator.record(c, refused ? 'cancelled' : 'confirmed');
    if (!refused) {
      fed.commit();
      return key;
    }
    this.d.show(this.paint("prodguard: not sent; the client's input was cleared.") + '\r\n');
    // Type-ahead after a refused statement was meant to follow it: drop it too.
    this.queue = [];
    // A statement sent just before this one (type-ahead) may still be running, the terminal in
    // cooked mode: keys that clear the line must reach the line editor, not the kernel's line
    // discipline (which would eat Ctrl-U and echo it). Its output settling says it is back.
    await this.echoSettled();
    const abort = this.d.assembler.abortKeys();
    this.d.assembler.reset();
    return abort;
  }

  private async check(unit: Unit): Promise<Evaluation> {
    if (unit.kind === 'opaque') {
      const host = shortHostname();
      const message = `prodguard: ${unit.text} runs whatever the editor saves, without showing it here first.\nType "${host}" to open it anyway.`;
      return { verdict: 'confirm', phrase: host, message, via: 'spool', request: null, detail: null };
    }
    try {
      return await this.d.evaluator.check(unit);
    } catch (err) {
      // Fail closed: an evaluation that cannot be made asks, like the hooks' local fallback.
      const host = shortHostname();
      const message = `prodguard: could not evaluate this ${unit.kind} (${err instanceof Error ? err.message : String(err)}).\nType "${host}" to send it anyway.`;
      return { verdict: 'confirm', phrase: host, message, via: 'spool', request: null, detail: null };
    }
  }

  private paint(s: string): string {
    return this.d.color ? `\x1b[1;31m${s}\x1b[0m` : s;
  }

  private async echoSettled(): Promise<void> {
    const start = Date.now();
    const waiting = (): boolean => this.d.screen.lastOutput < this.lastKeyAt || Date.now() - this.d.screen.lastOutput < ECHO_QUIET_MS;
    while (waiting() && Date.now() - start < ECHO_MAX_WAIT_MS) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
