import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ANSWER_HEAD, PROTOCOL_VERSION, helloLine, knockLine } from '../../daemon/contract/protocol.js';

// bin/prodguard-hook is bash that runs on every tool call of a coding agent, before any Node
// starts: it cannot import the contract, so it spells the few protocol texts it needs out. This
// holds each of them equal to the contract's, so a change there fails here instead of drifting.

const script = readFileSync(join(import.meta.dirname, '..', '..', 'bin', 'prodguard-hook'), 'utf8');

describe('bin/prodguard-hook speaks the contract', () => {
  test('the knock and the proof it expects are knockLine and helloLine', () => {
    expect(script).toContain(`printf '${knockLine('%s')}\\n'`);
    expect(script).toContain(`__pg_hello="${helloLine('$__pg_proof').replace(/"/g, '\\"').replace('\\"$__pg_proof\\"', '\\"$__pg_proof\\"')}"`);
  });

  test('the reply head it matches is ANSWER_HEAD', () => {
    expect(script).toContain(`__pg_head='${ANSWER_HEAD}'`);
  });

  test('every request and record it writes carries the protocol version', () => {
    const heads = [...script.matchAll(/"v":(\d+)/g)].map((m) => Number(m[1]));
    expect(heads.length).toBeGreaterThanOrEqual(4);
    expect(new Set(heads)).toEqual(new Set([PROTOCOL_VERSION]));
  });
});
