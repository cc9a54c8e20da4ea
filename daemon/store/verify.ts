import type Database from 'better-sqlite3';
import type { ChainHead } from '../contract/events.js';
import { GENESIS, chainHash } from './chain.js';
import { rowToEvent, type EventRow } from './rows.js';
import type { BreakKind, VerifyResult } from './types.js';

// Walks the chain from its first row (or the checkpoint a prune left) to the head and names the
// first row that does not fit. The chain proves which rows belong and in which order; the kind
// of break is a diagnosis from what the neighbours say:
//   edited    a row's content no longer matches its hash (or a rewritten row's successor no
//             longer links to it)
//   deleted   a seq gap where the successor links to a row that is gone
//   inserted  a row its neighbours do not link through
//   reordered a row links to a row that is somewhere else in the table
//   truncated the newest rows are gone: only visible against a head published earlier

export interface VerifyOptions {
  expectHead?: ChainHead | undefined;
  /** Called with the rows checked so far, every PROGRESS_ROWS rows. */
  onProgress?: ((rowsDone: number) => void) | undefined;
}

/** How often a long walk reports progress. */
export const PROGRESS_ROWS = 5_000;

type Problem = NonNullable<VerifyResult['problem']>;

export function verifyChain(db: Database.Database, opts: VerifyOptions = {}): VerifyResult {
  const rows = (db.prepare('SELECT * FROM events ORDER BY seq') as Database.Statement<[], EventRow>).iterate();
  const hashAt = db.prepare('SELECT seq FROM events WHERE hash = ? LIMIT 1').pluck() as Database.Statement<[string], number>;
  const anchorFor = db.prepare(
    "SELECT anchor_seq AS seq, anchor_hash AS hash FROM events WHERE kind = 'checkpoint' AND anchor_seq = ? AND anchor_hash = ? LIMIT 1",
  ) as Database.Statement<[number, string], ChainHead>;

  const result: VerifyResult = { ok: true, rows: 0, firstSeq: null, lastSeq: null, head: null, anchor: null, problem: null };
  const fail = (seq: number, kind: BreakKind, message: string): VerifyResult => {
    rows.return?.();
    return { ...result, ok: false, problem: { seq, kind, message } satisfies Problem };
  };

  let pp: EventRow | null = null;
  let prev: EventRow | null = null;
  let next = rows.next();
  while (!next.done) {
    const row = next.value;
    next = rows.next();
    const ahead = next.done ? null : next.value;
    result.rows++;
    if (opts.onProgress && result.rows % PROGRESS_ROWS === 0) opts.onProgress(result.rows);

    if (chainHash(row.prev_hash, rowToEvent(row)) !== row.hash) {
      return fail(row.seq, 'edited', `row ${row.seq} was changed after it was written: its content does not match its hash`);
    }
    if (prev === null) {
      result.firstSeq = row.seq;
      if (row.prev_hash === GENESIS) {
        if (row.seq !== 1) return fail(row.seq, 'edited', `row ${row.seq} starts the chain but is numbered ${row.seq}, not 1`);
      } else {
        const anchor = anchorFor.get(row.seq - 1, row.prev_hash);
        if (!anchor) {
          return fail(1, 'deleted', `rows before ${row.seq} are missing and no prune checkpoint accounts for them`);
        }
        result.anchor = anchor;
      }
    } else if (row.prev_hash !== prev.hash) {
      if (row.seq > prev.seq + 1) {
        return fail(prev.seq + 1, 'deleted', `rows ${prev.seq + 1}..${row.seq - 1} were deleted: row ${row.seq} links to a row that is gone`);
      }
      if (pp && row.prev_hash === pp.hash) {
        return fail(prev.seq, 'inserted', `row ${prev.seq} was inserted: row ${row.seq} links past it to row ${pp.seq}`);
      }
      const elsewhere = hashAt.get(row.prev_hash);
      if (elsewhere !== undefined) {
        return fail(row.seq, 'reordered', `row ${row.seq} is out of place: it follows row ${elsewhere}, not row ${prev.seq}`);
      }
      if (ahead && ahead.prev_hash === prev.hash) {
        return fail(row.seq, 'inserted', `row ${row.seq} was inserted: row ${ahead.seq} links past it to row ${prev.seq}`);
      }
      if (!ahead) return fail(row.seq, 'inserted', `row ${row.seq} was appended outside the chain: it does not link to row ${prev.seq}`);
      return fail(prev.seq, 'edited', `row ${prev.seq} was rewritten: row ${row.seq} no longer links to it`);
    } else if (row.seq !== prev.seq + 1) {
      return fail(row.seq, 'edited', `row ${row.seq} was renumbered: it follows row ${prev.seq}`);
    }
    pp = prev;
    prev = row;
    result.lastSeq = row.seq;
    result.head = { seq: row.seq, hash: row.hash };
  }

  const want = opts.expectHead;
  if (want) {
    const last = result.lastSeq ?? result.anchor?.seq ?? 0;
    if (want.seq > last) {
      return fail(
        last + 1,
        'truncated',
        `rows ${last + 1}..${want.seq} were cut off: the published head is row ${want.seq}, the database ends at ${last || 'no row'}`,
      );
    }
    const at = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(want.seq) as string | undefined;
    const known = at ?? (result.anchor?.seq === want.seq ? result.anchor.hash : undefined);
    if (known !== undefined && known !== want.hash) {
      return fail(want.seq, 'edited', `row ${want.seq} does not match the published head: the chain was rewritten from there or earlier`);
    }
  }
  return result;
}
