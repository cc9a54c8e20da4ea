import { hostname } from 'node:os';
import type { Command } from 'commander';
import { resolvePaths } from '../daemon/paths.js';
import type { HttpOutcome } from '../daemon/sinks/index.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { colorEnabled, painter } from './output/color.js';

// `prodguard alert test [TARGET] [--json]`: sends one test message to a configured alert target
// (or all), straight (no outbox, no retry), and reports the receiver's answer. Exit 9 when any
// delivery fails. URLs are shown as their origin only: a Slack webhook's path is its secret.

export interface AlertTestResult {
  target: string;
  type: string;
  address: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  retryAfterMs: number | null;
  durationMs: number;
}

export async function alertTest(name: string | undefined): Promise<AlertTestResult[]> {
  const paths = resolvePaths();
  const [{ loadConfig }, { sendTestAlert }, { safeOrigin }] = await Promise.all([
    import('../daemon/config/load.js'),
    import('../daemon/sinks/alerts/send.js'),
    import('../daemon/sinks/alerts/http.js'),
  ]);
  const targets = loadConfig(paths).alerts.targets;
  if (!targets.length) {
    throw new UserError(`no alert targets configured: add one under "alerts.targets" in ${paths.configFile}`, EXIT.CONFIG);
  }
  const chosen = name ? targets.filter((t) => t.name === name) : targets;
  if (!chosen.length) {
    throw new UserError(`no alert target named "${name}"; configured: ${targets.map((t) => t.name).join(', ')}`, EXIT.USAGE);
  }
  const host = hostname();
  return Promise.all(
    chosen.map(async (t) => {
      const out: HttpOutcome = await sendTestAlert(t, host);
      return {
        target: t.name,
        type: t.type,
        address: safeOrigin(t.url),
        ok: out.ok,
        status: out.status,
        error: out.error,
        retryAfterMs: out.retryAfterMs,
        durationMs: out.durationMs,
      };
    }),
  );
}

export function renderAlertTest(results: AlertTestResult[], color: boolean): string {
  const paint = painter(color);
  return results
    .map((r) => {
      const head = `${r.target} (${r.type}, ${r.address}): `;
      if (r.ok) return `${head}${paint('green', 'delivered')}, HTTP ${r.status} in ${r.durationMs} ms\n`;
      const hint =
        r.status === 429
          ? `rate limited${r.retryAfterMs !== null ? `, retry after ${Math.ceil(r.retryAfterMs / 1000)} s` : ''}`
          : r.status !== null && r.status >= 400 && r.status < 500
            ? 'the receiver refuses it: check the URL (and the secret for webhooks)'
            : r.status === null
              ? 'no HTTP answer: check the URL, DNS, proxy and firewall'
              : 'the receiver failed: try again later';
      return `${head}${paint('red', 'FAILED')}: ${r.error} (${hint})\n`;
    })
    .join('');
}

export function register(program: Command): void {
  const alert = program.command('alert').description('Work with the team alert targets (Slack, signed webhooks)');
  alert
    .command('test')
    .description(`Send a test message to one alert target (or all) and report the HTTP outcome; exit ${EXIT.DELIVERY} if one fails`)
    .argument('[target]', 'the target name in alerts.targets (default: all)')
    .option('--json', 'print the outcomes as JSON')
    .action(async (target: string | undefined, o: { json?: boolean }) => {
      const results = await alertTest(target);
      if (o.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else process.stdout.write(renderAlertTest(results, colorEnabled(process.stdout)));
      if (results.some((r) => !r.ok)) process.exitCode = EXIT.DELIVERY;
    });
}
