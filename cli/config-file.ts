import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError, defaultConfig, parseConfig } from '../daemon/config/load.js';
import { ConfigSchema } from '../daemon/config/schema.js';
import { createEngine } from '../daemon/engine/index.js';
import { UserError } from './errors.js';
import { EXIT } from '../daemon/contract/exit-codes.js';
import { askLine } from './output/ask.js';

// `prodguard config init` and `config edit`: the config file written and changed the way a user
// expects of a professional tool. init writes every default with its meaning as a comment (from
// the zod schema's own descriptions, so it cannot drift); edit opens $VISUAL/$EDITOR on a draft,
// validates it on save exactly as the daemon will, and reopens it until it is valid or dropped.

type JsonSchema = { description?: string; properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

/** The defaults as JSON with a `//` comment above each field saying what it is. */
export function annotatedDefaults(version: string): string {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const lines = [
    `// prodguard configuration, written by \`prodguard config init\` (prodguard ${version}).`,
    '// Every value below is the default: change what you need, delete the rest. Comments are allowed.',
    '// Reference: docs/configuration.md. Check it: prodguard config check. Apply: prodguard daemon reload.',
  ];
  lines.push(...renderValue(defaultConfig(), schema, ''));
  return `${lines.join('\n')}\n`;
}

function renderValue(value: unknown, schema: JsonSchema | undefined, indent: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [JSON.stringify(value)];
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.length) return ['{}'];
  const out = ['{'];
  entries.forEach(([key, v], i) => {
    const child = propertyOf(schema, key);
    const inner = `${indent}  `;
    if (child?.description) out.push(`${inner}// ${child.description}`);
    const [first, ...rest] = renderValue(v, child, inner);
    const comma = i < entries.length - 1 ? ',' : '';
    if (!rest.length) out.push(`${inner}${JSON.stringify(key)}: ${first}${comma}`);
    else out.push(`${inner}${JSON.stringify(key)}: ${first}`, ...rest.slice(0, -1), `${rest[rest.length - 1]}${comma}`);
  });
  out.push(`${indent}}`);
  return out;
}

function propertyOf(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  if (!schema) return undefined;
  if (schema.properties?.[key]) return schema.properties[key];
  for (const alt of schema.anyOf ?? schema.oneOf ?? []) {
    const p = propertyOf(alt, key);
    if (p) return p;
  }
  return undefined;
}

/** Writes `text` to `file` as the user's private file (0600 in a 0700 directory), atomically. */
function writePrivate(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(file), `.${process.pid}.config.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function initConfig(file: string, opts: { force?: boolean | undefined; version: string }): string {
  if (existsSync(file) && !opts.force)
    throw new UserError(`${file} exists already: edit it with \`prodguard config edit\`, or pass --force to replace it with the defaults`);
  writePrivate(file, annotatedDefaults(opts.version));
  return file;
}

/** Parses `text` exactly as the daemon will (custom rules compiled too); the error line, or null. */
function validate(text: string, file: string): { error: string } | { rules: number } {
  try {
    return { rules: createEngine(parseConfig(text, file)).rules.length };
  } catch (err) {
    if (err instanceof ConfigError) return { error: err.message };
    throw err;
  }
}

/** The editor command the user chose, run through the shell as git and crontab do. */
function runEditor(file: string): number {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'prodguard-editor', file], { stdio: 'inherit' });
  if (r.error) throw new UserError(`cannot start the editor "${editor}": ${r.error.message}; set EDITOR`);
  return r.status ?? 1;
}

export async function editConfig(file: string, opts: { version: string }): Promise<void> {
  const original = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const draft = join(dirname(file), `.config.json.edit-${process.pid}`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(draft, original ?? annotatedDefaults(opts.version), { mode: 0o600 });
  try {
    for (;;) {
      const status = runEditor(draft);
      if (status !== 0) throw new UserError(`the editor exited with status ${status}: ${file} was left unchanged`);
      const text = readFileSync(draft, 'utf8');
      if (text === original) return void process.stdout.write(`no changes: ${file} was left unchanged\n`);
      const check = validate(text, file);
      if ('rules' in check) {
        writePrivate(file, text);
        process.stdout.write(
          `config saved: ${file} (valid, ${check.rules} rules in effect). A running daemon picks it up with \`prodguard daemon reload\`.\n`,
        );
        return;
      }
      process.stderr.write(`prodguard: ${check.error}\n`);
      if (!process.stdin.isTTY) throw new UserError(`${file} was left unchanged (the edit is invalid)`, EXIT.CONFIG);
      const answer = await askLine('Press Enter to edit it again, or type "q" to discard your changes: ');
      if (answer === 'q') {
        process.stderr.write(`changes discarded: ${file} was left unchanged\n`);
        process.exitCode = EXIT.CONFIG;
        return;
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
}
