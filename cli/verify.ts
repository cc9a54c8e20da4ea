import { InvalidArgumentError, type Command } from 'commander';
import type { VerifyResult } from '../daemon/store/index.js';
import { withAudit, writeJson } from './audit-db.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { colorEnabled, painter } from './output/color.js';
import { progress } from './output/progress.js';

// `prodguard verify`: walks the hash chain and names the first row that does not fit. Cutting
// rows off the end only shows against a head published earlier (syslog, alerts): pass it with
// --expect-head SEQ:HASH. Exit 5 on any break.

function headArg(value: string): { seq: number; hash: string } {
  const m = /^(\d+):([0-9a-fA-F]{64})$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected SEQ:HASH, e.g. 1234:9f86d08... (64 hex digits), as published in syslog');
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

export function renderVerify(r: VerifyResult, color: boolean): string {
  const paint = painter(color);
  if (!r.ok) {
    const p = r.problem!;
    return `${paint(['red', 'bold'], `audit chain BROKEN at row ${p.seq} (${p.kind})`)}: ${p.message}\n`;
  }
  if (!r.head) return `${paint('green', 'audit chain intact')}: no rows yet\n`;
  const from = r.anchor ? `, continuing from prune checkpoint at row ${r.anchor.seq}` : '';
  return `${paint('green', 'audit chain intact')}: ${r.rows.toLocaleString('en-US')} rows (${r.firstSeq}..${r.lastSeq})${from}\nhead ${r.head.seq}:${r.head.hash}\n`;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('Check the audit hash chain; exits 5 if any row was edited, deleted, inserted, reordered or cut off')
    .option('--expect-head <seq:hash>', 'a chain head published earlier (detects rows cut off the end)', headArg)
    .option('--json', 'print the result as JSON')
    .action((o: { expectHead?: { seq: number; hash: string }; json?: boolean }) =>
      withAudit({ readonly: true }, (store) => {
        const bar = progress('verifying', process.stderr.isTTY ? store.eventCount() : 0);
        const r = store.verify({ expectHead: o.expectHead, onProgress: (n) => bar.update(n) });
        bar.done();
        if (o.json) writeJson(r);
        else process.stdout.write(renderVerify(r, colorEnabled(process.stdout)));
        if (!r.ok) process.exitCode = EXIT.TAMPERED;
      }),
    );
}
