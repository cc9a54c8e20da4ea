import { lstatSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError, defaultConfig, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { createEngine } from './engine/index.js';
import { resolvePaths, type Paths } from './paths.js';
import { DryRunFirst } from './engine/verdict/dry-run-first.js';
import { RequestError, errorLine, parseRequest, verdictReply } from './server/handler.js';
import { privateDirProblem } from './server/runfiles.js';
import { EXIT } from './contract/exit-codes.js';

// The hook's guard when the daemon cannot be used (down, wedged, or a listener that could not
// prove itself): the daemon's own engine and reply for one check request, in a process of the
// hook's own (a few hundred ms, against a missed rule). No socket, no store: the hook spools the
// request for the record.
//
//   node dist/daemon/guard.js '<check request JSON>'   one reply line on stdout
//   node dist/daemon/guard.js --batch < requests.ndjson one reply line per request (tests, bench)

/**
 * The user's config, unless someone else could have written it (the hook refused the
 * directories, or the home or file is not ours / writable by others): then the defaults, which
 * guard everything. A broken config is not a reason to guard less: the defaults too.
 */
function trustedConfig(paths: Paths): Config {
  if (process.env.PRODGUARD_GUARD_UNTRUSTED) return defaultConfig();
  if (privateDirProblem(paths.home ?? paths.dataDir) !== null) return defaultConfig();
  try {
    const st = lstatSync(paths.configFile);
    if (!st.isFile() || st.uid !== (process.getuid?.() ?? st.uid) || (st.mode & 0o022) !== 0) return defaultConfig();
  } catch {
    return defaultConfig();
  }
  try {
    return loadConfig(paths);
  } catch (err) {
    if (err instanceof ConfigError) return defaultConfig();
    throw err;
  }
}

export function createGuard(config: Config): (line: string) => string {
  const engine = createEngine(config);
  const dryRunFirst = new DryRunFirst();
  return (line) => {
    try {
      const req = parseRequest(line, null);
      if (req.op !== 'check') return errorLine('the guard only answers check requests');
      const input = req.statement
        ? { line: req.line, env: req.env, cwd: req.cwd, statement: req.statement }
        : { line: req.line, env: req.env, cwd: req.cwd };
      const raw = engine.evaluate(input);
      dryRunFirst.note(req.origin.session, req.line, raw);
      return verdictReply(dryRunFirst.apply(config, req.origin.session, req.line, raw));
    } catch (err) {
      return errorLine(err instanceof RequestError ? err.message : `check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

async function main(argv: string[]): Promise<void> {
  const guard = createGuard(trustedConfig(resolvePaths(process.env)));
  if (argv[0] === '--batch') {
    const out: string[] = [];
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      if (line.trim() !== '') out.push(guard(line));
      if (out.length >= 256) process.stdout.write(`${out.splice(0).join('\n')}\n`);
    }
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    return;
  }
  if (argv.length !== 1) {
    process.stderr.write("prodguard: usage: guard.js '<check request JSON>' | --batch: see docs/security.md\n");
    process.exitCode = EXIT.USAGE;
    return;
  }
  process.stdout.write(`${guard(argv[0]!)}\n`);
}

await main(process.argv.slice(2));
