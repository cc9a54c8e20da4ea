import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, redact } from '../../daemon/engine/redact/index.js';
import { config } from './helpers.js';

// Secret redaction: every secret shape is replaced by *** with its structure kept, and text
// that merely looks similar stays readable.

const r = createRedactor(config());

describe('secrets are replaced, structure kept', () => {
  it.each([
    ['psql postgres://app:S3cretPw@db.prod:5432/orders', 'psql postgres://app:***@db.prod:5432/orders'],
    ['mongosh "mongodb+srv://admin:p%40ss@cluster0.x.net/db"', 'mongosh "mongodb+srv://admin:***@cluster0.x.net/db"'],
    ['mysql -h db -u root -pS3cret orders', 'mysql -h db -u root -p*** orders'],
    ['mysqldump --password=S3cret orders', 'mysqldump --password=*** orders'],
    ['mysql --password S3cret orders', 'mysql --password *** orders'],
    ['PGPASSWORD=hunter2 psql -h db', 'PGPASSWORD=*** psql -h db'],
    ["MYSQL_PWD='two words' mysql", "MYSQL_PWD='***' mysql"],
    ['export DB_PASSWORD="x y" API_TOKEN=abc', 'export DB_PASSWORD="***" API_TOKEN=***'],
    ['helm upgrade api chart --set db.password=hunter2', 'helm upgrade api chart --set db.password=***'],
    ['curl -H "Authorization: Bearer abc.def.ghi" https://api', 'curl -H "Authorization: Bearer ***" https://api'],
    ['curl -H "Authorization: Basic dXNlcjpwYXNz" https://api', 'curl -H "Authorization: Basic ***" https://api'],
    ['curl -H "X-Auth: Bearer abcdefghijkl" x', 'curl -H "X-Auth: Bearer ***" x'],
    ['curl -u admin:hunter2 https://api', 'curl -u admin:*** https://api'],
    ['curl --user admin:hunter2 https://api', 'curl --user admin:*** https://api'],
    ['aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE', 'aws configure set aws_access_key_id AKIA***'],
    ['aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws configure set aws_secret_access_key ***'],
    ['echo wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'echo ***'],
    ['git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x/y', 'git clone https://ghp_***@github.com/x/y'],
    ['echo github_pat_11ABCDEFG0123456789_abcdefghijklmnop | gh auth login', 'echo github_pat_*** | gh auth login'],
    ['curl -d token=xoxb-1234-5678-abcdefgh https://slack.com/api', 'curl -d token=*** https://slack.com/api'],
    ['echo xoxp-1234-5678-abcdefgh', 'echo xoxp-***'],
    ['curl -X POST https://hooks.slack.com/services/T000/B000/XXXXXXXX', 'curl -X POST https://hooks.slack.com/services/***'],
    ['stripe --api-key sk_live_abcdefghijklmnop', 'stripe --api-key ***'],
    ['echo rk_live_abcdefghijklmnop', 'echo rk_live_***'],
    ['curl -H "Cookie: s=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature-x"', 'curl -H "Cookie: s=***"'],
    ['redis-cli -h cache -a hunter2 FLUSHALL', 'redis-cli -h cache -a *** FLUSHALL'],
    ['sshpass -p hunter2 ssh web1', 'sshpass -p *** ssh web1'],
    ['vault login --token=s.abcdef', 'vault login --token=***'],
    ['curl -d \'{"user":"a","password":"hunter2"}\' x', 'curl -d \'{"user":"a","password":"***"}\' x'],
  ])('%s', (input, expected) => expect(r(input)).toBe(expected));

  it.each([
    // Per-program options: the flag is a secret only for that program.
    ['az login -u ops@corp -p Hunter2x', 'az login -u ops@corp -p ***'],
    ['htpasswd -bc /etc/nginx/.htpasswd alice Hunter2x', 'htpasswd -bc /etc/nginx/.htpasswd alice ***'],
    ['htpasswd -nbB alice Hunter2x', 'htpasswd -nbB alice ***'],
    ['ldapsearch -x -D cn=admin -w Hunter2x -b dc=corp', 'ldapsearch -x -D cn=admin -w *** -b dc=corp'],
    ['zip -P Hunter2x out.zip f', 'zip -P *** out.zip f'],
    ['7z a -pHunter2x out.7z dir', '7z a -p*** out.7z dir'],
    ['ssh-keygen -t ed25519 -N Hunter2x -f k', 'ssh-keygen -t ed25519 -N *** -f k'],
    ['ssh-keygen -p -P Old2pass -N "" -f k', 'ssh-keygen -p -P *** -N "" -f k'],
    ['openssl pkcs12 -export -passout pass:Hunter2x -out c.p12', 'openssl pkcs12 -export -passout pass:*** -out c.p12'],
    ['openssl enc -aes-256-cbc -k Hunter2x -in f', 'openssl enc -aes-256-cbc -k *** -in f'],
    ['gpg --batch --passphrase Hunter2x -d f.gpg', 'gpg --batch --passphrase *** -d f.gpg'],
    ['tool --password "two words" x', 'tool --password "***" x'],
    // user%pass and user:pass@ without a scheme.
    ['smbclient //fs/s -U alice%Hunter2x', 'smbclient //fs/s -U alice%***'],
    ['lftp deploy:Hunter2x@ftp.corp', 'lftp deploy:***@ftp.corp'],
    // KEY=VALUE with a secret-looking key, in arguments and lists.
    ['java -Dspring.datasource.password=Hunter2x -jar a.jar', 'java -Dspring.datasource.password=*** -jar a.jar'],
    ['rclone config create r s3 secret_access_key=Hunter2x', 'rclone config create r s3 secret_access_key=***'],
    ['mount -o username=bob,password=Hunter2x,vers=3.0 //fs/s /mnt', 'mount -o username=bob,password=***,vers=3.0 //fs/s /mnt'],
    ['curl "https://x/api?api_key=Hunter2x&page=2"', 'curl "https://x/api?api_key=***&page=2"'],
    // Credential headers and cookies: names kept.
    ['curl -H "X-Api-Key: Hunter2x" https://x', 'curl -H "X-Api-Key: ***" https://x'],
    ['curl -H "Cookie: a=Hunter2x; b=Other3xx" https://x', 'curl -H "Cookie: a=***; b=***" https://x'],
    ['curl -b "sid=Hunter2x" https://x', 'curl -b "sid=***" https://x'],
    // Token formats keep their prefix.
    ['vault login hvs.CAESIJlWh0ZyXf0aBcDeFgHiJkLmNoPqRsTuVwXyZ', 'vault login ***'],
    ['echo hvs.CAESIJlWh0ZyXf0aBcDeFgHiJkLmNoPqRsTuVwXyZ', 'echo hvs.***'],
    ['echo glpat-abcdefghijKLMNOPQRST12', 'echo glpat-***'],
    ['echo pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMAACKlsz', 'echo pypi-***'],
    // Text echoed into a reader of secrets on stdin.
    ['echo Hunter2x | docker login -u ci --password-stdin reg', 'echo *** | docker login -u ci --password-stdin reg'],
    ["printf '%s' Hunter2x | gh auth login --with-token", 'printf *** | gh auth login --with-token'],
    ['docker login --password-stdin reg <<< Hunter2x', 'docker login --password-stdin reg <<< ***'],
  ])('by kind: %s', (input, expected) => expect(r(input)).toBe(expected));

  it('a fragment of a line is redacted with what the whole line revealed', () => {
    const { redacted, fragment } = r.withFragments('echo Hunter2x | docker login -u ci --password-stdin reg');
    expect(redacted).toBe('echo *** | docker login -u ci --password-stdin reg');
    expect(fragment('echo Hunter2x')).toBe('echo ***');
    expect(fragment('docker login -u ci --password-stdin reg')).toBe('docker login -u ci --password-stdin reg');
  });

  it('private key blocks keep their armour lines', () => {
    const key = 'echo "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----" > k';
    expect(r(key)).toBe('echo "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----" > k');
    expect(r('cat <<EOF\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn')).toBe('cat <<EOF\n-----BEGIN OPENSSH PRIVATE KEY-----***');
  });
});

describe('benign text stays readable', () => {
  it.each([
    'git push origin main',
    'git show 3f2a9c0d1e2b3c4d5e6f708192a3b4c5d6e7f809',
    'docker run -u 1000:1000 image',
    'ssh -p 2222 web1',
    'mkdir -p /srv/data',
    'docker login --password-stdin registry',
    'psql postgres://app@db/orders',
    'kubectl delete ns payments',
    'echo basic setup done',
    'ls --color=auto',
    'GIT_AUTHOR_NAME=alice git commit -m fix',
    // Lookalikes of the new kinds: the same flag is no secret for another program.
    'ssh -p 2222 web1',
    'smbclient //fs01/share -p 445 -U alice',
    'ldapsearch -x -b dc=corp,dc=com -s sub "(uid=bob)"',
    'docker pull nginx:1.25@sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac',
    'mongod --auth --dbpath /data/db',
    'openssl rsa -in k.pem -passin env:KEY_PASS -out p.pem',
    'gpg --batch --passphrase-fd 0 -d f.gpg',
    'cat pw.txt | docker login --password-stdin -u ci reg',
    'curl -b cookies.txt https://x',
    'docker build --secret id=npmrc,src=/root/.npmrc .',
    'rclone config create r s3 env_auth=true',
    'mount -o credentials=/root/.smb,vers=3.0 //fs/s /mnt',
    'echo s.example.com',
  ])('%s', (input) => expect(r(input)).toBe(input));
});

describe('configuration', () => {
  it('variableNames decides which assignments are secret', () => {
    const custom = createRedactor(config({ redact: { variableNames: '^INTERNAL_' } }));
    expect(custom('INTERNAL_X=1 FOO=2 PGPASSWORD=3 cmd')).toBe('INTERNAL_X=*** FOO=2 PGPASSWORD=*** cmd');
  });

  it('extra patterns replace the whole match, or only a group named secret', () => {
    const custom = createRedactor(config({ redact: { patterns: ['acme-[0-9a-f]{8}', 'pin=(?<secret>\\d+)'] } }));
    expect(custom('deploy --key acme-deadbeef pin=1234 ok')).toBe('deploy --key *** pin=*** ok');
  });

  it('redact() caches the compiled redactor per config', () => {
    const c = config();
    expect(redact('PGPASSWORD=x psql', c)).toBe('PGPASSWORD=*** psql');
    expect(redact('PGPASSWORD=y psql', c)).toBe('PGPASSWORD=*** psql');
  });
});

describe('hostile input', () => {
  it('stays linear on a 1 MB line of near-misses', () => {
    const big = 'mysql '.repeat(50_000) + 'a'.repeat(300_000) + ' postgres://u'.repeat(20_000) + 'AKIA'.repeat(20_000);
    const out = r(big);
    expect(out.length).toBeGreaterThan(500_000);
  });
});

describe('properties (fast-check)', () => {
  // Lines assembled from secret-shaped and ordinary fragments.
  const fragment = fc.constantFrom(
    'psql',
    'postgres://u:pw@h/db',
    '-pSecret',
    'mysql',
    '--password',
    '=',
    'x',
    'PGPASSWORD=s',
    'API_TOKEN="a b"',
    'Authorization: Bearer abcdefghij',
    '-u',
    'admin:pw',
    'AKIAIOSFODNN7EXAMPLE',
    'ghp_abcdefghijklmnopqrstuvwxyz0123',
    'xoxb-123456-abc',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
    'sk_live_abcdefghijk',
    '"password":"pw"',
    ' ',
    '  ',
    "'",
    '"',
    ';',
    '|',
    '&&',
    '\n',
  );
  const lineArb = fc.array(fc.oneof(fragment, fc.string({ maxLength: 12 })), { maxLength: 24 }).map((parts) => parts.join(' '));

  it('redaction is stable: redacting twice changes nothing more', () => {
    fc.assert(
      fc.property(lineArb, (l) => r(r(l)) === r(l)),
      { numRuns: 2_000 },
    );
  });

  it('known secrets never survive', () => {
    const secrets = ['S3cretPw', 'hunter2x', 'AKIAIOSFODNN7EXAMPLE', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 'sk_live_abcdefghijk'];
    const shapes = [
      (s: string) => `psql postgres://app:${s}@db/x`,
      (s: string) => `PGPASSWORD=${s} psql`,
      (s: string) => `mysql -p${s} db`,
      (s: string) => `tool --password=${s}`,
      (s: string) => `curl -H "Authorization: Bearer ${s}"`,
      (s: string) => `DB_PASSWORD='${s}' ./run`,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...secrets),
        fc.constantFrom(...shapes),
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        (s, shape, pre, post) => {
          const out = r(`${pre.replace(/\S+$/, '')} ${shape(s)} ${post}`);
          return !out.includes(s.slice(4));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
