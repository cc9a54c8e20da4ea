import { painter, visibleWidth, type Painter, type Style } from './color.js';
import { printable, truncate } from './text.js';

// Aligned text tables. Cells are made printable (no control characters reach the terminal),
// widths are measured before colour is applied so escapes never break the alignment.

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
  /** Cells longer than this are cut with an ellipsis. */
  max?: number;
  /** Fixed width (for streamed output, where later rows cannot widen the column). */
  width?: number | undefined;
  style?: (row: R, text: string) => Style | readonly Style[] | null;
}

export interface TableOptions {
  paint?: Painter;
  header?: boolean;
  /** Total width to fit (e.g. the terminal's columns): the last column is cut to fit. */
  maxWidth?: number | undefined;
  gap?: string;
}

export function renderTable<R>(columns: readonly Column<R>[], rows: readonly R[], opts: TableOptions = {}): string {
  const paint = opts.paint ?? painter(false);
  const gap = opts.gap ?? '  ';
  const cells = rows.map((r) =>
    columns.map((c) => {
      const text = printable(c.value(r));
      const limit = c.width ?? c.max;
      return limit === undefined ? text : truncate(text, limit);
    }),
  );
  const widths = columns.map(
    (c, i) => c.width ?? Math.max(opts.header === false ? 0 : visibleWidth(c.header), ...cells.map((row) => visibleWidth(row[i]!))),
  );
  const last = columns.length - 1;
  if (opts.maxWidth !== undefined) {
    const before = widths.slice(0, last).reduce((a, w) => a + w + gap.length, 0);
    widths[last] = Math.max(8, Math.min(widths[last]!, opts.maxWidth - before));
  }
  const line = (texts: string[], styles: (Style | readonly Style[] | null)[]) =>
    texts
      .map((t, i) => {
        const w = widths[i]!;
        const cut = visibleWidth(t) > w ? truncate(t, w) : t;
        const pad = ' '.repeat(Math.max(0, w - visibleWidth(cut)));
        const shown = paint(styles[i], cut);
        if (i === last && columns[i]!.align !== 'right') return shown;
        return columns[i]!.align === 'right' ? pad + shown : shown + pad;
      })
      .join(gap)
      .trimEnd();
  const out: string[] = [];
  if (opts.header !== false)
    out.push(
      line(
        columns.map((c) => c.header),
        columns.map(() => 'bold'),
      ),
    );
  rows.forEach((r, ri) =>
    out.push(
      line(
        cells[ri]!,
        columns.map((c, i) => c.style?.(r, cells[ri]![i]!) ?? null),
      ),
    ),
  );
  return out.map((l) => l + '\n').join('');
}
