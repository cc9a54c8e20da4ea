// Times on the command line: parsing what users type for --since/--until/--before, and printing
// stored times in local time.

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/**
 * `2h`, `30m`, `7d`, `1w` (ago), `now`, `today`, `yesterday` (local midnight), or an ISO date
 * (`2026-03-10`, local midnight) or date-time (`2026-03-10T14:00`, local unless it names a zone).
 * Returns ms since epoch; throws Error with a message saying what is accepted.
 */
export function parseWhen(text: string, now: Date = new Date()): number {
  const t = text.trim().toLowerCase();
  const rel = /^(\d+)\s*([smhdw])$/.exec(t);
  if (rel) return now.getTime() - Number(rel[1]) * UNITS[rel[2]!]!;
  if (t === 'now') return now.getTime();
  if (t === 'today') return startOfDay(now).getTime();
  if (t === 'yesterday') {
    const d = startOfDay(now);
    d.setDate(d.getDate() - 1);
    return d.getTime();
  }
  const m = ISO.exec(t);
  if (m) {
    const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m.slice(1, 8).map((x) => x ?? undefined) as string[];
    const nums = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
    const frac = Number(ms!.padEnd(3, '0'));
    const zone = m[8];
    let at: number;
    if (zone) {
      const sign = zone === 'z' ? 0 : zone[0] === '-' ? -1 : 1;
      const [zh, zm] = zone === 'z' ? [0, 0] : [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
      at = Date.UTC(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5], frac) - sign * (zh * 60 + zm) * 60_000;
    } else at = new Date(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5], frac).getTime();
    // Date rolls 2026-13-45 over into 2027; a real date survives the round trip.
    const check = new Date(Date.UTC(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5]));
    const real =
      check.getUTCFullYear() === nums[0] &&
      check.getUTCMonth() === nums[1] - 1 &&
      check.getUTCDate() === nums[2] &&
      check.getUTCHours() === nums[3] &&
      check.getUTCMinutes() === nums[4] &&
      check.getUTCSeconds() === nums[5];
    if (real && Number.isFinite(at)) return at;
    throw new Error(`"${text}" is not a real date`);
  }
  throw new Error(`"${text}" is not a time: use an ISO date (2026-03-10, 2026-03-10T14:00), a relative time (30m, 2h, 7d) or today/yesterday`);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2026-03-10 14:03:07+01:00` in local time, with its offset from UTC (an audit time is unambiguous). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

/** `850ms`, `4.2s`, `3m04s`, `2h05m`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}
