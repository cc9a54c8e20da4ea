import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRequest, RequestError } from '../../daemon/server/handler.js';
import { RequestSchema } from '../../daemon/contract/protocol.js';
import { check, decision, finish, session } from '../daemon/requests.js';
import { FUZZ_TIMEOUT_MS, boundedHeap } from './budget.js';

// The daemon's request-line entry point is the pure parseRequest(line, token): every request
// (unix socket, TCP, spool) goes through it before anything is evaluated or recorded. It returns a
// valid request or throws RequestError with the one-line reply text; nothing else.

const TOKEN = 'a'.repeat(64);
const valid = [check('s1', 1, 'rm -rf /x'), decision('s1', 2, 'ls', 'confirmed'), finish('s1', 1), session('s1', 'start'), { v: 1, op: 'health' }];

const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'check',
    'decision',
    'finish',
    'session',
    'health',
    'bash',
    'zsh',
    'live',
    'spool',
    'start',
    'sql',
    '__proto__',
    'constructor',
    TOKEN,
  ),
  fc.constantFrom(-1, 256, 1e308, 2 ** 53, 1),
);
const value = fc.oneof({ maxDepth: 1 }, leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), leaf, { maxKeys: 3 }));

/** A valid request with one field (possibly nested) replaced, removed or added. */
const mutated = fc
  .tuple(
    fc.constantFrom(...valid),
    fc.constantFrom(
      'v',
      'op',
      'origin',
      'cmd',
      'line',
      'cwd',
      'env',
      'ts',
      'decision',
      'via',
      'exit',
      'durationMs',
      'event',
      'statement',
      'token',
      'extra',
    ),
    fc.constantFrom('session', 'shell', 'pid', 'tty', 'user', 'host', null),
    fc.option(value),
    fc.boolean(),
  )
  .map(([base, key, sub, v, withToken]) => {
    const o = structuredClone(base) as Record<string, unknown>;
    if (sub && key === 'origin' && o.origin) {
      const origin = o.origin as Record<string, unknown>;
      if (v === null) delete origin[sub];
      else origin[sub] = v;
    } else if (v === null) delete o[key];
    else o[key] = v;
    if (withToken) o.token = TOKEN;
    return JSON.stringify(o);
  });

const line = fc.oneof(
  mutated,
  // The same, cut or spliced: truncated JSON, stray bytes.
  fc
    .tuple(mutated, fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }))
    .map(([s, at, ins]) => s.slice(0, at % (s.length + 1)) + ins + s.slice(at % (s.length + 1))),
  fc.json({ maxDepth: 2 }),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

function once(l: string, needToken: string | null): boolean {
  try {
    const req = parseRequest(l, needToken);
    // What comes out is a valid request (re-validation is idempotent), and over TCP it carried the token.
    if (!RequestSchema.safeParse(req).success) throw new Error(`accepted an invalid request: ${l}`);
    if (needToken !== null && (req as { token?: string }).token !== needToken) throw new Error(`accepted without the token: ${l}`);
    return true;
  } catch (err) {
    if (!(err instanceof RequestError)) throw new Error(`threw ${String(err)} (not a RequestError) for ${JSON.stringify(l)}`);
    if (/[\r\n]/.test(err.message) || err.message.length === 0 || err.message.length > 300)
      throw new Error(`reply is not one short line: ${JSON.stringify(err.message)}`);
    return true;
  }
}

describe('wire protocol under 100,000 generated request lines', () => {
  it(
    'unix socket (no token): a valid request or a one-line RequestError',
    () => {
      boundedHeap(32, (numRuns) =>
        fc.assert(
          fc.property(line, (l) => once(l, null)),
          { numRuns },
        ),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'TCP (token required): never accepts a request without the exact token',
    () => {
      boundedHeap(32, (numRuns) =>
        fc.assert(
          fc.property(line, (l) => once(l, TOKEN)),
          { numRuns },
        ),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'RequestSchema alone on 100,000 arbitrary values never throws',
    () => {
      boundedHeap(32, (numRuns) =>
        fc.assert(
          fc.property(
            fc.oneof(
              fc.anything({ maxDepth: 2 }),
              mutated.map((s) => JSON.parse(s) as unknown),
            ),
            (v) => typeof RequestSchema.safeParse(v).success === 'boolean',
          ),
          { numRuns },
        ),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it('the generated lines do include accepted requests (the property is not vacuous)', () => {
    const sample = fc.sample(line, 2_000);
    const accepted = sample.filter((l) => {
      try {
        parseRequest(l, null);
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted.length).toBeGreaterThan(50);
  });
});
