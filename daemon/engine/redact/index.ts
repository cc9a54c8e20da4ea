import type { Config } from '../../config/schema.js';

// Secret redaction of a command line before anything stores or sends it. A fixed list of
// precompiled regexes, applied in order (each a single linear scan; every variable-length prefix
// is bounded so a 1 MB line stays linear). Replacements keep the structure around the secret
// (`postgres://u:***@h`, `--password=***`, `ghp_***`) so an auditor still sees what happened.

export const MASK = '***';

interface Redaction {
  re: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

/** Replaces the last capture group, keeping everything before it (and group 1 prefix). */
const keepPrefix = (m: string, prefix: string): string => `${prefix}${MASK}`;

/** Names that are always secret whatever config.redact.variableNames says. */
const SECRET_VARS = /^(PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|GITHUB_TOKEN|GH_TOKEN|VAULT_TOKEN|DATABASE_URL)$/i;

function builtins(variableNames: RegExp): Redaction[] {
  return [
    // Private key blocks (or an unterminated one to the end of the text).
    {
      re: /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
      replace: (_m, begin: string, end: string) => `${begin}${MASK}${end}`,
    },
    // user:password@ in URLs (postgres://, mysql://, mongodb+srv://, https://, redis://).
    { re: /\b([a-z][a-z0-9+.-]{1,30}:\/\/[^\s:/@'"]{0,256}:)([^\s@/'"]{1,512})(?=@)/gi, replace: keepPrefix },
    // Authorization / Proxy-Authorization headers: keep the scheme, hide the credentials.
    {
      re: /((?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate|apikey)\s+)?)([^\s'"]+)/gi,
      replace: keepPrefix,
    },
    { re: /\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi, replace: keepPrefix },
    { re: /\b(basic\s+)(?=[A-Za-z+/=]*[0-9+/=])([A-Za-z0-9+/]{8,}={0,2})/gi, replace: keepPrefix },
    // curl/wget-style `-u user:pass`, `--user user:pass` (not uid:gid numbers).
    { re: /((?:^|\s)(?:-u\s*|--user[=\s]\s*|--proxy-user[=\s]\s*)['"]?[^\s:'"]{1,256}:)(?!\d+(?:[\s'"]|$))([^\s'"]+)/g, replace: keepPrefix },
    // mysql family `-pSECRET` or `-p'SECRET'` (attached only: `-p SECRET` makes mysql prompt, SECRET is the database).
    // The cheap fixed lookbehind first, so the bounded scan back to the client name only runs at `-p`.
    {
      re: /(?<=\s-p['"]?)(?<=\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mariadb|mariadb-dump)\b[^|;&\n]{0,512}\s-p['"]?)[^\s'"]+/g,
      replace: () => MASK,
    },
    // sshpass -p SECRET, redis-cli -a SECRET.
    { re: /(\bsshpass\s+(?:-\w+\s+)*-p\s*)([^\s'"]+)/g, replace: keepPrefix },
    { re: /(?<=\s-a\s{1,16}['"]?)(?<=\bredis-cli\b[^|;&\n]{0,512}\s-a\s{1,16}['"]?)[^\s'"]+/g, replace: () => MASK },
    // --password=x, --password x, --token x, --client-secret=x, --api-key x ...
    {
      re: /(--[\w-]{0,40}?(?:password|passwd|pass|token|secret|api-?key|apikey|access-key|secret-key|private-key|credentials?)(?:=|\s+))(['"]?)(?!-)([^\s'"]+)/gi,
      replace: (_m, p: string, q: string) => `${p}${q}${MASK}`,
    },
    // NAME=value where NAME looks secret (PGPASSWORD=, MYSQL_PWD=, DB_PASSWORD=, --set db.password=).
    {
      re: /(?<![\w.$-])([A-Za-z_][\w.-]{0,127})=("[^"]*"|'[^']*'|[^\s;|&'"]+)/g,
      replace: (m, name: string, value: string) => {
        if (!SECRET_VARS.test(name) && !variableNames.test(name)) return m;
        const q = value[0] === '"' || value[0] === "'" ? value[0] : '';
        return `${name}=${q}${MASK}${q}`;
      },
    },
    // JSON bodies: "password": "x".
    { re: /("[\w.-]{0,64}(?:password|passwd|secret|token|api_?key)[\w.-]{0,64}"\s*:\s*")((?:[^"\\]|\\.){1,4096})(?=")/gi, replace: keepPrefix },
    // aws_secret_access_key = x (credentials files, `aws configure set`).
    { re: /(aws_secret_access_key\s*[=:\s]\s*)([A-Za-z0-9/+=]{16,})/gi, replace: keepPrefix },
    // Token formats, wherever they appear. The recognisable prefix stays.
    { re: /\b((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA))[A-Z0-9]{16}\b/g, replace: keepPrefix },
    // A bare 40-character AWS secret key: mixed case and digits (a git SHA is lowercase hex).
    {
      re: /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
      replace: () => MASK,
    },
    { re: /\b(gh[pousr]_)[A-Za-z0-9]{20,255}/g, replace: keepPrefix },
    { re: /\b(github_pat_)[A-Za-z0-9_]{20,255}/g, replace: keepPrefix },
    { re: /\b(glpat-)[A-Za-z0-9_-]{20,}/g, replace: keepPrefix },
    { re: /\b(xox[abeprs]-)[A-Za-z0-9-]{6,}/g, replace: keepPrefix },
    { re: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g, replace: keepPrefix },
    { re: /\b((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]{8,}/g, replace: keepPrefix },
    { re: /\b(sk-(?:proj-|ant-)?)[A-Za-z0-9_-]{20,}/g, replace: keepPrefix },
    { re: /\b(AIza)[0-9A-Za-z_-]{35}\b/g, replace: keepPrefix },
    { re: /\b(npm_)[A-Za-z0-9]{36}\b/g, replace: keepPrefix },
    // JWTs (header.payload.signature, both base64url JSON objects).
    { re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: () => MASK },
  ];
}

export type Redactor = (line: string) => string;

export function createRedactor(config: Pick<Config, 'redact'>): Redactor {
  const redactions = builtins(new RegExp(config.redact.variableNames, 'i'));
  // Custom patterns: the whole match is replaced, or only a group named `secret` if it has one.
  const custom = config.redact.patterns.map((src) => new RegExp(src, 'gdi'));
  return (line) => {
    let out = line;
    for (const r of redactions) {
      r.re.lastIndex = 0;
      out = out.replace(r.re, r.replace as (m: string, ...a: unknown[]) => string);
    }
    for (const re of custom) out = replaceCustom(out, re);
    return out;
  };
}

function replaceCustom(text: string, re: RegExp): string {
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    const span = m.indices?.groups?.secret ?? m.indices![0]!;
    out += text.slice(last, span[0]) + MASK;
    last = m.indices![0]![1];
    out += text.slice(span[1], last);
  }
  return out + text.slice(last);
}

const cache = new WeakMap<object, Redactor>();

/** Redacts with the config's patterns; the compiled redactor is cached per config. */
export function redact(line: string, config: Pick<Config, 'redact'>): string {
  let r = cache.get(config.redact);
  if (!r) cache.set(config.redact, (r = createRedactor(config)));
  return r(line);
}
