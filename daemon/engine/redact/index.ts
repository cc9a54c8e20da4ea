import type { Config } from '../../config/schema.js';
import { TOKEN_PREFIXES } from './tokens.js';

// Secret redaction of a command line before anything stores or sends it. A fixed list of
// precompiled regexes by KIND of secret (option values, user:pass forms, NAME=value, headers,
// known token formats, text piped into a --password-stdin reader), applied in order (each a single
// linear scan; every variable-length prefix is bounded so a 1 MB line stays linear). Replacements
// keep the structure around the secret (`postgres://u:***@h`, `--password=***`, `ghp_***`) so an
// auditor still sees what happened. Redacting redacted text changes nothing.

export const MASK = '***';

interface Redaction {
  re: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

/** Keeps group 1 (the structure before the secret), masks the rest of the match. */
const keepPrefix = (m: string, prefix: string): string => `${prefix}${MASK}`;
const maskAll = (): string => MASK;
/** A value as the shell writes it: one quoted string or a bare word. */
const VALUE = `"[^"]+"|'[^']+'|[^\\s'"|;&]+`;
/** Masks a VALUE keeping its quotes. */
const maskValue = (value: string): string => (value[0] === '"' || value[0] === "'" ? `${value[0]}${MASK}${value[0]}` : MASK);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Names that are always secret whatever config.redact.variableNames says. */
const SECRET_VARS = /^(PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|GITHUB_TOKEN|GH_TOKEN|VAULT_TOKEN|DATABASE_URL)$/i;
/** Key names that hold a secret in any `key=value` list (URL queries, connection strings, mount options, rclone remotes). */
const SECRET_KEYS =
  /(pass(word|wd|phrase)?|pwd|secret|token|api_?key|access_?key|account_?key|shared_?access_?key|private_?key|client_?secret|credentials?|^sig$|signature|^auth$)/i;

/**
 * Options whose value is a secret only for some programs (`-p` is a port for ssh, a password for
 * `az login`). `attached`: the value is glued to the flag (`7z -pSECRET`); otherwise it is the
 * next word (or glued, when the tool accepts both). `after`: a subcommand that must come first.
 */
interface ToolOption {
  tools: string[];
  after?: string;
  flags: string[];
  attached?: 'only' | 'also';
}
export const TOOL_OPTIONS: ToolOption[] = [
  { tools: ['az'], after: 'login', flags: ['-p'] },
  {
    tools: ['ldapsearch', 'ldapmodify', 'ldapadd', 'ldapdelete', 'ldapmodrdn', 'ldapcompare', 'ldapwhoami', 'ldapexop', 'ldappasswd', 'ldapurl'],
    flags: ['-w'],
  },
  { tools: ['ldappasswd'], flags: ['-s', '-a'] },
  { tools: ['zip', 'unzip', 'zipcloak'], flags: ['-P'] },
  { tools: ['7z', '7za', '7zr', 'rar', 'unrar'], flags: ['-p'], attached: 'only' },
  { tools: ['ssh-keygen'], flags: ['-N', '-P'] },
  { tools: ['openssl'], flags: ['-k'] },
  { tools: ['sshpass'], flags: ['-p'], attached: 'also' },
  { tools: ['redis-cli', 'keydb-cli'], flags: ['-a'] },
  { tools: ['mongo', 'mongosh', 'mongodump', 'mongorestore', 'mongoexport', 'mongoimport', 'mongostat', 'mongotop'], flags: ['-p'] },
  { tools: ['docker', 'podman', 'nerdctl', 'buildah', 'skopeo', 'helm', 'oras', 'crane', 'regctl'], after: 'login', flags: ['-p'] },
  { tools: ['sqlcmd', 'bcp', 'ipmitool', 'isql'], flags: ['-P'], attached: 'also' },
  { tools: ['keytool', 'jarsigner'], flags: ['-storepass', '-keypass', '-srcstorepass', '-deststorepass', '-srckeypass', '-destkeypass'] },
  { tools: ['snmpwalk', 'snmpget', 'snmpset', 'snmpbulkwalk'], flags: ['-A', '-X'] },
  { tools: ['crackmapexec', 'nxc', 'netexec', 'smbmap', 'evil-winrm'], flags: ['-p', '-H'] },
];

/** A bounded scan back from the flag to the program name on the same simple command. */
function toolOptionSource(o: ToolOption): string {
  const tools = o.tools.map(escapeRe).join('|');
  const flags = o.flags.map(escapeRe).join('|');
  const after = o.after ? `[^|;&\\n]{0,256}\\s${escapeRe(o.after)}\\b` : '';
  const sep = o.attached === 'only' ? '' : o.attached === 'also' ? '\\s*' : '\\s+';
  // The fixed lookbehind first (cheap), then the bounded scan back to the program.
  return `(?<=\\s(?:${flags})${sep})(?<=(?:^|[\\s/;|&(])(?:${tools})${after}[^|;&\\n]{0,512}\\s(?:${flags})${sep})(?!-)(${VALUE})`;
}

/**
 * Alternatives with one capture group each, scanned in ONE pass (a pass per table entry cost more
 * than the matching itself). The replacement gets the alternative's group and its index.
 */
function combined(sources: string[], replace: (value: string, index: number) => string): Redaction {
  return {
    re: new RegExp(sources.map((x) => `(?:${x})`).join('|'), 'g'),
    replace: (m, ...groups) => {
      for (let i = 0; i < sources.length; i++) if (groups[i] !== undefined) return replace(groups[i]!, i);
      return replace(m, -1);
    },
  };
}

/** Generic long options that take a secret, in `--name value` and `--name=value` form. */
const SECRET_OPTION_WORDS =
  'password|passwd|passphrase|pass|pwd|pw|token|secret|api-?key|apikey|access-key|account-key|secret-key|private-key|client-secret|credentials?|bearer|auth|connection-string';

/** `htpasswd -b FILE USER PASS` / `htpasswd -nb USER PASS`: the password is a positional. */
function htpasswd(_m: string, prog: string, rest: string): string {
  const words = rest.split(/(\s+)/);
  let batch = false;
  let noFile = false;
  let positional = 0;
  let skipNext = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '' || /^\s+$/.test(w)) continue;
    if (skipNext) {
      skipNext = false;
      continue;
    }
    if (/^-[A-Za-z]+$/.test(w)) {
      if (w.includes('b')) batch = true;
      if (w.includes('n')) noFile = true;
      if (/[Cr]$/.test(w)) skipNext = true; // -C cost, -r rounds take a value
      continue;
    }
    positional++;
    if (batch && positional === (noFile ? 2 : 3)) words[i] = maskValue(w);
  }
  return `${prog}${words.join('')}`;
}

/** Cookie header or `curl -b 'a=1; b=2'`: every cookie's value, names kept. */
const maskCookies = (list: string): string =>
  list.replace(/([^=;\s]+=)([^;'"]*)/g, (_m, name: string, v: string) => (v ? `${name}${MASK}` : `${name}`));

/** Words that make an HTTP header name a credential header (API keys, tokens, session cookies). */
const HEADER_WORD = '(?:api-?key|apikey|auth-?key|auth-?token|access-?token|auth|token|secret|password|session(?:-?id)?|subscription-key|signature)';
/** Header names unmistakable anywhere (X-Api-Key, PRIVATE-TOKEN, X-Auth-Token, Api-Key): a dashed name or an API key. */
const CREDENTIAL_HEADER = `(?:(?:[A-Za-z0-9]+-)+${HEADER_WORD}(?:-[A-Za-z0-9]+)*|${HEADER_WORD}(?:-[A-Za-z0-9]+)+|api-?key|apikey)`;
/** Any header name holding such a word, when it follows -H / --header (`-H "Token: x"`). */
const HEADER_AFTER_FLAG = `(?:[A-Za-z0-9]+-)*${HEADER_WORD}(?:-[A-Za-z0-9]+)*`;

/** Values no secret takes (`env_auth=true`), and names that point at a secret rather than hold it. */
const NOT_A_SECRET_VALUE = /^(true|false|yes|no|on|off)$/i;
const POINTS_AT_SECRET = /(_?file|_?path|_?dir)$/i;
const isPathValue = (v: string): boolean => /^['"]?(\/|~\/|\.\.?\/)/.test(v);

function builtins(variableNames: RegExp): Redaction[] {
  const looksSecret = (name: string): boolean => SECRET_VARS.test(name) || variableNames.test(name) || SECRET_KEYS.test(name);
  /** `credentials=/root/.smb` (mount.cifs) names a file; `PASSWORD_FILE=...` points at one. */
  const secretPair = (name: string, value: string): boolean =>
    looksSecret(name) && !NOT_A_SECRET_VALUE.test(value) && !POINTS_AT_SECRET.test(name) && !(/^credentials?$/i.test(name) && isPathValue(value));
  return [
    // Private key blocks (or an unterminated one to the end of the text).
    {
      re: /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
      replace: (_m, begin: string, end: string) => `${begin}${MASK}${end}`,
    },
    // Text echoed into a program that reads a secret from stdin (`echo PASS | docker login
    // --password-stdin`, `printf '%s' PASS | gh auth login --with-token`, `echo PASS | sudo -S`).
    {
      re: /(\b(?:echo|printf)(?:\s+-[neE]+)*\s+)([^|;&\n]{1,4096}?)(\s*\|(?=[^|;&\n]{0,512}(?:--password-stdin|--with-token|--passphrase-stdin|\bpasswd\s+--stdin|\bchpasswd\b|\bkinit\b|\bsudo\s+(?:-\w+\s+)*-\w*S\b|\bvault\s+login\s+-(?:\s|$)|-passin\s+stdin|--password-from-stdin)))/g,
      replace: (_m, echo: string, _secret: string, pipe: string) => `${echo}${MASK}${pipe}`,
    },
    // Here-strings into the same readers: `docker login --password-stdin <<< PASS`.
    {
      re: /((?:--password-stdin|--with-token|--passphrase-stdin)[^|;&\n]{0,256}<<<\s*)("[^"]*"|'[^']*'|\S+)/g,
      replace: (_m, p: string, v: string) => `${p}${maskValue(v)}`,
    },
    // user:password@ in URLs (postgres://, mysql://, mongodb+srv://, https://, redis://).
    { re: /\b([a-z][a-z0-9+.-]{1,30}:\/\/[^\s:/@'"]{0,256}:)([^\s@/'"]{1,512})(?=@)/gi, replace: keepPrefix },
    // user:password@host without a scheme (`lftp admin:PASS@ftp.host`, `--proxy u:PASS@proxy:3128`);
    // not `image:tag@sha256:...` (a digest) and not `host:port` (nothing before the @ but digits).
    { re: /((?:^|[\s'"=])(?!mailto:)[\w.+-]{1,128}:)(?!\d+@)([^\s@/:'"]{1,256})(?=@(?!sha(?:256|384|512):)[A-Za-z0-9[])/g, replace: keepPrefix },
    // user%password (Samba: `smbclient -U user%PASS`, `net -U`, `rpcclient -U`).
    { re: /((?:^|\s)(?:-U\s*|--user(?:name)?[=\s]\s*)['"]?[^\s%'"]{1,256}%)([^\s'"]+)/g, replace: keepPrefix },
    // lftp -u user,password.
    { re: /(\blftp\b[^|;&\n]{0,512}\s-u\s+['"]?[^\s,'"]{1,256},)([^\s'"]+)/g, replace: keepPrefix },
    // Authorization / Proxy-Authorization headers: keep the scheme, hide the credentials.
    {
      re: /((?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate|apikey)\s+)?)([^\s'"]+)/gi,
      replace: keepPrefix,
    },
    // Cookie / Set-Cookie headers and curl's -b/--cookie with name=value pairs.
    { re: /(\b(?:set-)?cookie\s*:\s*)([^'"\n]*)/gi, replace: (_m, p: string, list: string) => `${p}${maskCookies(list)}` },
    {
      re: /((?:^|\s)(?:--cookie|(?<=\bcurl\b[^|;&\n]{0,512})-b)(?:\s+|=))("[^"]*=[^"]*"|'[^']*=[^']*'|[^\s'"|;&]*=[^\s'"|;&]*)/g,
      replace: (_m, p: string, v: string) => `${p}${maskCookies(v)}`,
    },
    // Other credential headers (X-Api-Key, X-Auth-Token, PRIVATE-TOKEN, X-Vault-Token ...): in quotes
    // the value runs to the closing quote, bare it is one word. A plain word (`Token:`) only after
    // -H/--header, so `git commit -m "password: rotate"` stays readable.
    {
      re: new RegExp(`((?:-H|--header)(?:\\s+|=)['"]${HEADER_AFTER_FLAG}\\s*:\\s*(?:(?:bearer|basic|token)\\s+)?)([^'"\\n]+)`, 'gi'),
      replace: keepPrefix,
    },
    { re: new RegExp(`((?:-H|--header)(?:\\s+|=)${HEADER_AFTER_FLAG}:)([^\\s'"]+)`, 'gi'), replace: keepPrefix },
    { re: new RegExp(`((?<=['"])${CREDENTIAL_HEADER}\\s*:\\s*(?:(?:bearer|basic|token)\\s+)?)([^'"\\n]+)`, 'gi'), replace: keepPrefix },
    { re: new RegExp(`((?:^|(?<=[\\s=]))${CREDENTIAL_HEADER}\\s*:\\s*(?:(?:bearer|basic|token)\\s+)?)([^\\s'"]+)`, 'gi'), replace: keepPrefix },
    { re: /\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi, replace: keepPrefix },
    { re: /\b(basic\s+)(?=[A-Za-z+/=]*[0-9+/=])([A-Za-z0-9+/]{8,}={0,2})/gi, replace: keepPrefix },
    // curl/wget-style `-u user:pass`, `--user user:pass` (not uid:gid numbers).
    { re: /((?:^|\s)(?:-u\s*|--user[=\s]\s*|--proxy-user[=\s]\s*)['"]?[^\s:'"]{1,256}:)(?!\d+(?:[\s'"]|$))([^\s'"]+)/g, replace: keepPrefix },
    // mysql family `-pSECRET` or `-p'SECRET'` (attached only: `-p SECRET` makes mysql prompt, SECRET is the database).
    // The cheap fixed lookbehind first, so the bounded scan back to the client name only runs at `-p`.
    {
      re: /(?<=\s-p['"]?)(?<=\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mariadb|mariadb-dump)\b[^|;&\n]{0,512}\s-p['"]?)[^\s'"]+/g,
      replace: maskAll,
    },
    // `mysqladmin password NEW`, `rabbitmqctl add_user USER PASS`, `vault login TOKEN`.
    {
      re: /(\bmysqladmin\b[^|;&\n]{0,512}\spassword\s+)("[^"]*"|'[^']*'|[^\s'"|;&]+)/g,
      replace: (_m, p: string, v: string) => `${p}${maskValue(v)}`,
    },
    {
      re: /(\brabbitmqctl\s+(?:-\S+\s+)*(?:add_user|change_password)\s+\S+\s+)("[^"]*"|'[^']*'|[^\s'"|;&]+)/g,
      replace: (_m, p: string, v: string) => `${p}${maskValue(v)}`,
    },
    { re: /(\bvault\s+login\s+(?:-\S+\s+){0,8})(?![-'"])([^\s=|;&]+)(?=\s|$)/g, replace: keepPrefix },
    { re: /(\bhtpasswd)((?:\s+[^\s|;&]+){1,16})/g, replace: htpasswd },
    // Per-program options (`az login -p`, `ldapsearch -w`, `zip -P`, `7z -p`, `ssh-keygen -N` ...).
    combined(TOOL_OPTIONS.map(toolOptionSource), maskValue),
    // openssl-style `-passin pass:X`, `-passout pass:X`, `-pass pass:X`, `-password pass:X`.
    { re: /((?:^|\s)-pass(?:in|out|word)?\s+['"]?pass:)([^\s'"]+)/g, replace: keepPrefix },
    // --password=x, --password x, --token x, --client-secret=x, --api-key x, --passphrase x ...
    {
      // `docker build --secret id=x,src=FILE` names a file, not a secret.
      re: new RegExp(`(--[\\w-]{0,40}?(?:${SECRET_OPTION_WORDS})(?:=|\\s+))(?!-|id=)(${VALUE})`, 'gi'),
      replace: (_m, p: string, v: string) => `${p}${maskValue(v)}`,
    },
    // key=value inside a list (`?token=X&`, `;AccountKey=X;`, `-o user=u,password=X`, rclone `:s3,secret_access_key=X:`).
    {
      re: /(?<=[,;?&])([A-Za-z_][\w.-]{0,127})=([^\s,;&'"]+)/g,
      replace: (m, name: string, value: string) => (secretPair(name, value) ? `${name}=${MASK}` : m),
    },
    // NAME=value where NAME looks secret (PGPASSWORD=, DB_PASSWORD=, --set db.password=, -Dspring.datasource.password=,
    // rclone's secret_access_key=).
    {
      re: /(?:(?<![\w.$-])|(?<=\s-D))([A-Za-z_][\w.-]{0,127})=("[^"]*"|'[^']*'|[^\s;|&'"]+)/g,
      replace: (m, name: string, value: string) => (secretPair(name, value) || SECRET_VARS.test(name) ? `${name}=${maskValue(value)}` : m),
    },
    // JSON and YAML-ish bodies: "password": "x".
    {
      re: /("[\w.-]{0,64}(?:password|passwd|passphrase|secret|token|api_?key)[\w.-]{0,64}"\s*:\s*")((?:[^"\\]|\\.){1,4096})(?=")/gi,
      replace: keepPrefix,
    },
    // aws_secret_access_key / aws_session_token = x (credentials files, `aws configure set`).
    { re: /(aws_(?:secret_access_key|session_token)\s*[=:\s]\s*)([A-Za-z0-9/+=]{16,})/gi, replace: keepPrefix },
    // AWS access key ids. The recognisable prefix stays.
    { re: /\b((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA))[A-Z0-9]{16}\b/g, replace: keepPrefix },
    // A bare 40-character AWS secret key: mixed case and digits (a git SHA is lowercase hex).
    {
      re: /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
      replace: maskAll,
    },
    { re: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g, replace: keepPrefix },
    // Known token formats wherever they appear (tokens.ts): the recognisable prefix stays.
    // Every format has one group (its prefix) or none (JWT): a group-less one gets a dummy `()` so
    // the alternatives' groups line up.
    combined(
      TOKEN_PREFIXES.map((t) => (t.keepPrefix ? t.re : `()${t.re}`)),
      (prefix, i) => (i >= 0 && TOKEN_PREFIXES[i]!.keepPrefix ? `${prefix}${MASK}` : MASK),
    ),
  ];
}

export interface Redactor {
  (line: string): string;
  /**
   * Redacts a line and returns, with it, a redactor for fragments of that line (a match's command
   * text, a target): a secret is often recognisable only in the whole line (`echo PASS | docker
   * login --password-stdin` makes `PASS` a secret; the fragment `echo PASS` alone does not).
   */
  withFragments(line: string): { redacted: string; fragment: (text: string) => string };
}

/** The text a replacement took out: `m` without the prefix and suffix it shares with `rep`. */
function removedPart(m: string, rep: string): string {
  let a = 0;
  while (a < m.length && a < rep.length && m[a] === rep[a]) a++;
  let b = 0;
  while (b < m.length - a && b < rep.length - a && m[m.length - 1 - b] === rep[rep.length - 1 - b]) b++;
  return m.slice(a, m.length - b);
}

export function createRedactor(config: Pick<Config, 'redact'>): Redactor {
  const redactions = builtins(new RegExp(config.redact.variableNames, 'i'));
  // Custom patterns: the whole match is replaced, or only a group named `secret` if it has one.
  const custom = config.redact.patterns.map((src) => new RegExp(src, 'gdi'));
  const run = (line: string, found?: Set<string>): string => {
    let out = line;
    for (const r of redactions) {
      r.re.lastIndex = 0;
      const replace = r.replace as (m: string, ...a: unknown[]) => string;
      out = found
        ? out.replace(r.re, (m: string, ...a: unknown[]) => {
            const rep = replace(m, ...a);
            const gone = removedPart(m, rep);
            // Short leftovers (a quote, `=`) are structure, not a secret worth chasing in fragments.
            if (gone.length >= 4 && gone !== MASK) found.add(gone);
            return rep;
          })
        : out.replace(r.re, replace);
    }
    for (const re of custom) out = replaceCustom(out, re, found);
    return out;
  };
  const redactor = ((line: string) => run(line)) as Redactor;
  redactor.withFragments = (line) => {
    const found = new Set<string>();
    const redacted = run(line, found);
    const secrets = [...found].sort((x, y) => y.length - x.length);
    return {
      redacted,
      fragment: (text) => {
        let out = run(text);
        for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
        return out;
      },
    };
  };
  return redactor;
}

function replaceCustom(text: string, re: RegExp, found?: Set<string>): string {
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    const span = m.indices?.groups?.secret ?? m.indices![0]!;
    found?.add(text.slice(span[0], span[1]));
    out += text.slice(last, span[0]) + MASK;
    last = m.indices![0]![1];
    out += text.slice(span[1], last);
  }
  return out + text.slice(last);
}

const cache = new WeakMap<object, Redactor>();

/** The compiled redactor of a config, cached per config. */
export function redactorFor(config: Pick<Config, 'redact'>): Redactor {
  let r = cache.get(config.redact);
  if (!r) cache.set(config.redact, (r = createRedactor(config)));
  return r;
}

/** Redacts with the config's patterns; the compiled redactor is cached per config. */
export function redact(line: string, config: Pick<Config, 'redact'>): string {
  return redactorFor(config)(line);
}
