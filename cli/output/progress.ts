// Progress of a long operation on a terminal: `verifying: 120,000 of 1,000,000 rows (85,000
// rows/s, ETA 10 s)`, redrawn in place at most ten times a second, erased when done. Nothing is
// written when the stream is not a terminal (scripts and logs get the result line only).

export interface Progress {
  update(done: number): void;
  done(): void;
}

const REDRAW_MS = 100;

export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let drawn = 0;
  let shown = false;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return {
    update(done) {
      const now = Date.now();
      if (now - drawn < REDRAW_MS) return;
      drawn = now;
      const rate = done / Math.max((now - started) / 1000, 0.001);
      const eta = rate > 0 && total > done ? ` ETA ${Math.ceil((total - done) / rate)} s` : '';
      stream.write(`\r\x1b[K${label}: ${fmt(done)} of ${fmt(total)} rows (${fmt(rate)} rows/s${eta ? `,${eta}` : ''})`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
