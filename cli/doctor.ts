import type { Command } from 'commander';
import type { Config } from '../daemon/config/schema.js';
import { resolvePaths, type Paths } from '../daemon/paths.js';
import type { TargetStatus } from '../daemon/sinks/index.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { colorEnabled, painter } from './output/color.js';

// `prodguard doctor [--json]`: one screen saying whether the hook is active in this shell, the
// config is valid, the daemon answers, the audit database opens and its chain verifies, and each
// syslog / alert target answers; every failure comes with what to do. Exit 10 if any check fails.

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  advice?: string | undefined;
  /** Optional checks that are simply not set up (no targets) are ok and say so. */
  data?: unknown | undefined;
}

export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const paths = resolvePaths(env);
  const checks: Check[] = [hookCheck(env)];
  const { loadConfig } = await import('../daemon/config/load.js');
  let config: Config | null = null;
  try {
    config = loadConfig(paths);
    checks.push({ name: 'config', ok: true, detail: `${paths.configFile} is valid (missing means defaults)` });
  } catch (err) {
    checks.push({ name: 'config', ok: false, detail: (err as Error).message, advice: `fix the file, then run \`prodguard config check\`` });
  }
  const [daemon, database, targets] = await Promise.all([daemonCheck(paths), databaseCheck(paths), config ? targetChecks(config, paths) : []]);
  checks.push(await directoriesCheck(paths), daemon, database, ...targets);
  return checks;
}

function hookCheck(env: NodeJS.ProcessEnv): Check {
  const hook = env.PRODGUARD_HOOK;
  if (hook === 'bash' || hook === 'zsh')
    return { name: 'shell hook', ok: true, detail: `${hook} hook active in this shell (PRODGUARD_HOOK=${hook})` };
  const shell = /zsh$/.test(env.SHELL ?? '') ? 'zsh' : 'bash';
  return {
    name: 'shell hook',
    ok: false,
    detail: hook ? `PRODGUARD_HOOK=${hook} is not bash or zsh` : 'not active in this shell (PRODGUARD_HOOK is not set)',
    advice: `add  eval "$(prodguard init ${shell})"  to ~/.${shell}rc and open a new shell`,
  };
}

/** The directories hooks and daemon refuse when others own or can write them (docs/security.md). */
async function directoriesCheck(paths: Paths): Promise<Check> {
  const { privateDirProblem } = await import('../daemon/server/runfiles.js');
  const dirs = [...new Set([paths.home ?? paths.dataDir, paths.runDir, paths.spoolDir])];
  const problem = dirs.map((d) => privateDirProblem(d)).find((p) => p !== null);
  if (problem) return { name: 'directories', ok: false, detail: problem.replace(/: [^:]*$/, ''), advice: problem.replace(/^.*: /, '') };
  return { name: 'directories', ok: true, detail: `${dirs.join(', ')}: yours, not writable by others` };
}

async function daemonCheck(paths: Paths): Promise<Check> {
  const { requestDaemon } = await import('./daemon-client.js');
  try {
    const reply = await requestDaemon(paths, { op: 'health' }, { timeoutMs: 2_000 });
    if (reply.ok !== true) throw new Error(`answered ${JSON.stringify(reply).slice(0, 200)}`);
    const up = typeof reply.uptimeMs === 'number' ? `, up ${Math.round(reply.uptimeMs / 1000)} s` : '';
    // A disk full or a lock held elsewhere only shows in the writer's last error: the daemon
    // answers, but what it cannot store goes to the hooks' spool until the cause is fixed.
    const writer = reply.writer as { lastError?: { message: string; at: number } | null; held?: number; lost?: number } | undefined;
    const recent = writer?.lastError && Date.now() - writer.lastError.at < 10 * 60_000 ? writer.lastError : null;
    // Records the database refused, kept in the daemon's memory and retried, and those dropped.
    const loss = writer?.held || writer?.lost ? `; ${writer.held ?? 0} records held in memory, ${writer.lost ?? 0} lost` : '';
    if (recent || writer?.lost) {
      return {
        name: 'daemon',
        ok: false,
        detail: recent
          ? `answers, but could not store a record ${Math.round((Date.now() - recent.at) / 1000)} s ago: ${recent.message}${loss}`
          : `answers, but lost records while the database refused writes${loss}`,
        advice: 'free disk space under the data dir or stop the process locking audit.db (`fuser audit.db`); the hooks spool meanwhile',
        data: reply,
      };
    }
    return { name: 'daemon', ok: true, detail: `answers on ${paths.socket} (pid ${String(reply.pid ?? '?')}${up})`, data: reply };
  } catch (err) {
    return {
      name: 'daemon',
      ok: false,
      detail: `not reachable at ${paths.socket}: ${(err as Error).message}`,
      advice: 'start it with `prodguard daemon start` (its log: `prodguard daemon status` shows where)',
    };
  }
}

async function databaseCheck(paths: Paths): Promise<Check> {
  const { openStore } = await import('../daemon/store/index.js');
  let store: ReturnType<typeof openStore> | null = null;
  try {
    store = openStore(paths.dbFile, { readonly: true });
    const r = store.verify();
    if (!r.ok) {
      const p = r.problem!;
      return {
        name: 'database',
        ok: false,
        detail: `audit chain BROKEN at row ${p.seq} (${p.kind}): ${p.message}`,
        advice: 'keep a copy of the database for investigation; `prodguard verify` shows the details',
        data: r,
      };
    }
    const head = r.head ? `, head ${r.head.seq}:${r.head.hash.slice(0, 16)}…` : '';
    return { name: 'database', ok: true, detail: `${paths.dbFile}: ${r.rows.toLocaleString('en-US')} rows, chain intact${head}`, data: r };
  } catch (err) {
    // StoreError messages already say what to do (corrupt, permissions); a missing one needs the daemon.
    const missing = (err as { code?: string }).code === 'missing';
    return {
      name: 'database',
      ok: false,
      detail: (err as Error).message,
      advice: missing ? 'start the daemon once: `prodguard daemon start`' : undefined,
    };
  } finally {
    store?.close();
  }
}

async function targetChecks(config: Config, paths: Paths): Promise<Check[]> {
  const { probeTargets } = await import('../daemon/sinks/probe.js');
  const statuses = await probeTargets(config, { dataDir: paths.dataDir });
  const none: Check[] = [];
  if (!config.syslog.targets.length) none.push({ name: 'syslog', ok: true, detail: 'no targets configured (optional: syslog.targets)' });
  if (!config.alerts.targets.length) none.push({ name: 'alerts', ok: true, detail: 'no targets configured (optional: alerts.targets)' });
  return [...statuses.map(targetCheck), ...none];
}

function targetCheck(s: TargetStatus): Check {
  const name = s.kind === 'syslog' ? `syslog ${s.address} (${s.name.split(':').pop()})` : `alert ${s.name} (${s.type}, ${s.address})`;
  const state = s.connected ? 'answers' : `does not answer: ${s.lastError}`;
  const counts =
    s.kind === 'syslog'
      ? `${s.queued} queued, ${s.dropped} dropped`
      : `${s.pending} pending, ${s.delivered} delivered, ${s.gaveUp} given up (7 days)`;
  return { name, ok: s.ok, detail: `${state}; ${counts}`, advice: s.advice, data: s };
}

export function renderDoctor(checks: Check[], color: boolean): string {
  const paint = painter(color);
  const width = Math.min(48, Math.max(...checks.map((c) => c.name.length)));
  const lines = checks.map((c) => {
    const mark = c.ok ? paint('green', 'ok  ') : paint(['red', 'bold'], 'FAIL');
    const line = `${mark}  ${c.name.padEnd(width)}  ${c.detail}`;
    return c.advice && !c.ok ? `${line}\n      ${' '.repeat(width)}  ${paint('yellow', `-> ${c.advice}`)}` : line;
  });
  const bad = checks.filter((c) => !c.ok).length;
  lines.push('', bad ? paint('red', `${bad} problem(s) found`) : paint('green', 'all checks passed'));
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description(`Check the shell hook, config, daemon, audit database and every syslog/alert target; exit ${EXIT.UNHEALTHY} if anything is wrong`)
    .option('--json', 'print the checks as JSON')
    .action(async (o: { json?: boolean }) => {
      const checks = await runDoctor();
      const ok = checks.every((c) => c.ok);
      if (o.json) process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
      else process.stdout.write(renderDoctor(checks, colorEnabled(process.stdout)));
      if (!ok) process.exitCode = EXIT.UNHEALTHY;
    });
}
