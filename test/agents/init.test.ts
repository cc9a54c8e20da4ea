import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { decisionOf, preInput, type AgentName } from './harness.js';

// `prodguard init claude-code|codex|gemini [--write]` on real settings files: merged with what is
// there (unrelated keys and hooks kept), idempotent, a backup first, and nothing written into a
// file that does not parse. The command it writes is then run as the agent would run it.

const FILES: Record<AgentName, { file: string; pre: string; post: string; matcher: string }> = {
  'claude-code': { file: '.claude/settings.json', pre: 'PreToolUse', post: 'PostToolUse', matcher: 'Bash' },
  codex: { file: '.codex/hooks.json', pre: 'PreToolUse', post: 'PostToolUse', matcher: 'Bash' },
  gemini: { file: '.gemini/settings.json', pre: 'BeforeTool', post: 'AfterTool', matcher: 'run_shell_command' },
};

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(() => d.dispose());

function init(home: string, args: string[], cwd = home) {
  const r = spawnSync(process.execPath, [cliMain, 'init', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PRODGUARD_HOME: d.home, NO_COLOR: '1' },
    cwd,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const existing = (pre: string, matcher: string) => ({
  model: 'opus',
  permissions: { allow: ['Bash(npm test)'], deny: ['Read(./.env)'] },
  hooks: {
    [pre]: [
      { matcher, hooks: [{ type: 'command', command: '/usr/local/bin/audit-bash.sh', timeout: 5 }] },
      { matcher: 'Write', hooks: [{ type: 'command', command: 'fmt.sh' }] },
    ],
    Stop: [{ hooks: [{ type: 'command', command: 'notify.sh' }] }],
  },
});

describe.each(Object.keys(FILES) as AgentName[])('prodguard init %s', (agent) => {
  const f = FILES[agent];

  it('--write merges into an existing settings file: unrelated keys and hooks kept, a backup written, idempotent', () => {
    const home = mkdtempSync(join(tmpdir(), 'pg-init-agent-'));
    const file = join(home, f.file);
    mkdirSync(dirname(file), { recursive: true });
    const original = `${JSON.stringify(existing(f.pre, f.matcher), null, 4)}\n`;
    writeFileSync(file, original);

    const first = init(home, [agent, '--write']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain(file);
    const merged = JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof existing> & {
      hooks: Record<string, Array<{ matcher?: string; hooks: Array<{ command: string; timeout?: number }> }>>;
    };
    const want = existing(f.pre, f.matcher);
    expect(merged.model).toBe(want.model);
    expect(merged.permissions).toEqual(want.permissions);
    expect(merged.hooks.Stop).toEqual(want.hooks.Stop);
    expect(merged.hooks[f.pre]!.slice(0, 2)).toEqual(want.hooks[f.pre]);
    const ours = merged.hooks[f.pre]![2]!;
    expect(ours.matcher).toBe(f.matcher);
    expect(ours.hooks[0]!.command).toMatch(new RegExp(`prodguard-hook' ${agent} --home '[^']+' --node '[^']+'$`));
    expect(merged.hooks[f.post]![0]!.hooks[0]!.command).toMatch(new RegExp(`prodguard-hook' ${agent} --post `));

    const backups = readdirSync(dirname(file)).filter((n) => n.includes('prodguard-backup'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dirname(file), backups[0]!), 'utf8')).toBe(original);

    const after = readFileSync(file, 'utf8');
    const second = init(home, [agent, '--write']);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/already in .*nothing changed/);
    expect(readFileSync(file, 'utf8')).toBe(after);
    expect(readdirSync(dirname(file)).filter((n) => n.includes('prodguard-backup'))).toHaveLength(1);

    // The command written is the hook the agent runs, through sh, with the agent's JSON; and split
    // into words without a shell (single quotes only), as an agent that runs no shell would.
    const words = [...ours.hooks[0]!.command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const direct = spawnSync(words[0]!, words.slice(1), {
      input: preInput(agent, 'rm -rf /', { session: 'init-check', cwd: '/' }),
      env: { PATH: '/usr/bin:/bin', HOME: home, ENV: 'production' },
      encoding: 'utf8',
    });
    expect(
      decisionOf(agent, { code: direct.status, stdout: direct.stdout, stderr: direct.stderr, json: direct.stdout ? JSON.parse(direct.stdout) : null })
        .decision,
    ).toBe('deny');
    const run = spawnSync('sh', ['-c', ours.hooks[0]!.command], {
      input: preInput(agent, 'rm -rf /', { session: 'init-check', cwd: '/' }),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ENV: 'production' },
      encoding: 'utf8',
    });
    expect(
      decisionOf(agent, { code: run.status, stdout: run.stdout, stderr: run.stderr, json: run.stdout ? JSON.parse(run.stdout) : null }).decision,
    ).toBe('deny');
  });

  it('refuses to write into a file it cannot parse (one line, file untouched, no backup)', () => {
    const home = mkdtempSync(join(tmpdir(), 'pg-init-agent-'));
    const file = join(home, f.file);
    mkdirSync(dirname(file), { recursive: true });
    const broken = '{ "model": "opus", // a comment\n  "hooks": {';
    writeFileSync(file, broken);
    const r = init(home, [agent, '--write']);
    expect(r.code).toBe(7);
    expect(r.err).toMatch(/^prodguard: cannot parse .*nothing was written\n$/);
    expect(readFileSync(file, 'utf8')).toBe(broken);
    expect(readdirSync(dirname(file))).toEqual([file.split('/').pop()]);
  });

  it('prints the snippet without --write, and --scope project writes under the current directory', () => {
    const home = mkdtempSync(join(tmpdir(), 'pg-init-agent-'));
    const printed = init(home, [agent]);
    expect(printed.code).toBe(0);
    const snippet = JSON.parse(printed.out) as { hooks: Record<string, unknown[]> };
    expect(Object.keys(snippet.hooks)).toEqual([f.pre, f.post]);
    expect(existsSync(join(home, f.file))).toBe(false);

    const project = mkdtempSync(join(tmpdir(), 'pg-init-project-'));
    const r = init(home, [agent, '--write', '--scope', 'project'], project);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(join(project, f.file), 'utf8'))).toEqual(snippet);
    expect(existsSync(join(home, f.file))).toBe(false);
  });
});
