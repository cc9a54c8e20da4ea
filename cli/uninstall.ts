import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { resolvePaths, type Paths } from '../daemon/paths.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { askLine } from './output/ask.js';

// `prodguard uninstall [--rc] [--purge]`: takes prodguard out of this user's shells and services.
// It stops the daemon, removes the systemd user unit, and names the rc lines that load the hook
// (removes them with --rc, keeping a backup). The audit trail stays unless --purge, which asks on
// a terminal (and wants --yes from a script): an audit trail is not deleted by accident.

interface UninstallOptions {
  rc?: boolean;
  purge?: boolean;
  yes?: boolean;
}

/** The rc files a hook line may be in. */
function rcFiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || homedir();
  const zdot = env.ZDOTDIR || home;
  return [...new Set([join(home, '.bashrc'), join(home, '.bash_profile'), join(home, '.profile'), join(zdot, '.zshrc'), join(zdot, '.zprofile')])];
}

/** Lines that load prodguard into a shell: the hook and the completions. */
const HOOK_LINE = /\bprodguard\b.*\b(?:init|completions)\s+(?:bash|zsh)\b/;

interface RcHit {
  file: string;
  line: number;
  text: string;
}

function findRcLines(env: NodeJS.ProcessEnv): RcHit[] {
  const hits: RcHit[] = [];
  for (const file of rcFiles(env)) {
    if (!existsSync(file)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (HOOK_LINE.test(text) && !/^\s*#/.test(text)) hits.push({ file, line: i + 1, text });
      });
  }
  return hits;
}

function removeRcLines(hits: RcHit[]): string[] {
  const backups: string[] = [];
  for (const file of [...new Set(hits.map((h) => h.file))]) {
    const backup = `${file}.prodguard-backup-${Date.now()}`;
    copyFileSync(file, backup);
    backups.push(backup);
    const drop = new Set(hits.filter((h) => h.file === file).map((h) => h.line));
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((_, i) => !drop.has(i + 1))
        .join('\n'),
    );
  }
  return backups;
}

function systemdUnit(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'systemd', 'user', 'prodguard.service');
}

function removeUnit(unit: string, say: (s: string) => void): void {
  if (!existsSync(unit)) return;
  // The unit may be running the daemon: stop it the way it was started.
  spawnSync('systemctl', ['--user', 'disable', '--now', 'prodguard.service'], { stdio: 'ignore' });
  rmSync(unit, { force: true });
  spawnSync('systemctl', ['--user', 'daemon-reload'], { stdio: 'ignore' });
  say(`removed the systemd user unit ${unit}`);
}

/** Everything prodguard wrote for this user: one directory with PRODGUARD_HOME, else the XDG ones. */
function dataPlaces(paths: Paths): string[] {
  if (paths.home) return [paths.home];
  return [...new Set([paths.dataDir, dirname(paths.configFile), paths.runDir])];
}

async function confirmPurge(places: string[], o: UninstallOptions): Promise<boolean> {
  if (o.yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UserError('--purge deletes the audit trail: from a script, add --yes to confirm', EXIT.USAGE);
  }
  process.stderr.write(`--purge deletes the audit trail, its spool and the config:\n${places.map((p) => `  ${p}\n`).join('')}`);
  return (await askLine('Type "purge" to delete them (anything else keeps them): ')) === 'purge';
}

async function uninstall(o: UninstallOptions): Promise<void> {
  const paths = resolvePaths();
  const say = (s: string) => void process.stdout.write(`${s}\n`);
  const places = dataPlaces(paths).filter((p) => existsSync(p));
  // Asked first: a "no" must leave everything as it was.
  const purge = o.purge && places.length ? await confirmPurge(places, o) : false;
  if (o.purge && places.length && !purge) {
    process.stderr.write('nothing was uninstalled: the audit trail and everything else are as they were\n');
    process.exitCode = EXIT.USAGE;
    return;
  }

  const stop = spawnSync(process.execPath, [process.argv[1]!, 'daemon', 'stop'], { encoding: 'utf8' });
  if (stop.status === 0) say(stop.stdout.split(';')[0]!.trim());
  removeUnit(systemdUnit(process.env), say);

  const hits = findRcLines(process.env);
  if (!hits.length) say('no rc file loads the prodguard hook');
  else if (o.rc) {
    const backups = removeRcLines(hits);
    for (const h of hits) say(`removed from ${h.file}:${h.line}: ${h.text.trim()}`);
    say(`backups: ${backups.join(', ')}`);
  } else {
    say('remove these lines from your rc files (or run `prodguard uninstall --rc`), then open a new shell:');
    for (const h of hits) say(`  ${h.file}:${h.line}: ${h.text.trim()}`);
  }

  if (purge) {
    for (const p of places) rmSync(p, { recursive: true, force: true });
    say(`deleted ${places.join(', ')}`);
  } else if (places.length) say(`kept the audit trail and config (${places.join(', ')}); \`prodguard uninstall --purge\` deletes them`);
  say('the package itself: npm uninstall -g prodguard');
}

export function register(program: Command): void {
  program
    .command('uninstall')
    .description(
      'Stop the daemon, remove its systemd unit, show (or --rc remove) the rc lines that load the hook; keeps the audit trail unless --purge',
    )
    .option('--rc', 'remove the hook lines from the rc files (a backup of each file is kept)')
    .option('--purge', 'also delete the audit trail, spool and config (asks on a terminal)')
    .option('-y, --yes', 'with --purge from a script: do not ask')
    .action((o: UninstallOptions) => uninstall(o));
}
