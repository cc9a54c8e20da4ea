import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseLine, type SimpleCommand } from '../../daemon/engine/parse/index.js';

const argvs = (line: string): string[][] => parseLine(line).commands.map((c) => c.argv);
const names = (line: string): string[] => parseLine(line).commands.map((c) => c.name);
const only = (line: string): SimpleCommand => {
  const { commands } = parseLine(line);
  expect(commands, line).toHaveLength(1);
  return commands[0]!;
};
const find = (line: string, name: string): SimpleCommand => {
  const c = parseLine(line).commands.find((x) => x.name === name);
  expect(c, `${name} in ${line}`).toBeDefined();
  return c!;
};

describe('lists and pipelines', () => {
  it.each([
    ['a; b', ['a', 'b']],
    ['a && b || c', ['a', 'b', 'c']],
    ['a | b |& c', ['a', 'b', 'c']],
    ['a & b', ['a', 'b']],
    ['a\nb\n\nc', ['a', 'b', 'c']],
    ['(a; b) && (c)', ['a', 'b', 'c']],
    ['{ a; b; } > out', ['a', 'b']],
    ['! a', ['a']],
  ])('%j', (line, expected) => {
    expect(names(line)).toEqual(expected);
    expect(parseLine(line).problems).toEqual([]);
  });
});

describe('compound commands', () => {
  it('if/then/elif/else/fi', () => {
    expect(names('if test -f x; then rm x; elif true; then ls; else mkdir x; fi')).toEqual(['test', 'rm', 'true', 'ls', 'mkdir']);
  });
  it('for, while, until, select loops', () => {
    expect(argvs('for f in $(ls /data); do rm -rf "$f"; done')).toEqual([
      ['ls', '/data'],
      ['rm', '-rf', '$f'],
    ]);
    expect(names('while read -r l; do echo "$l"; done < f')).toEqual(['read', 'echo']);
    expect(names('until ping -c1 db; do sleep 1; done')).toEqual(['ping', 'sleep']);
    expect(names('for ((i=0; i<3; i++)); do rm x$i; done')).toEqual(['rm']);
    expect(names('for x\ndo\nrm $x\ndone')).toEqual(['rm']);
    expect(names('select x in a b; do rm $x; done')).toEqual(['rm']);
  });
  it('case with patterns, alternatives and fallthrough', () => {
    const line = 'case "$1" in\n  start|up) systemctl start app;;\n  (stop) rm -rf /run/app ;&\n  *) echo usage;;\nesac; ls';
    expect(names(line)).toEqual(['systemctl', 'rm', 'echo', 'ls']);
    expect(parseLine(line).problems).toEqual([]);
  });
  it('case inside $(...) does not close the substitution at a pattern paren', () => {
    expect(names('echo $(case x in a) rm -rf /x;; esac) done')).toEqual(['rm', 'echo']);
  });
  it('function definitions: the body commands count, the name is not run', () => {
    expect(names('f() { rm -rf /tmp/x; }')).toEqual(['rm']);
    expect(names('function g { dropdb prod; }; g')).toEqual(['dropdb', 'g']);
    expect(names('function h() ( shred secret )')).toEqual(['shred']);
  });
  it('coproc', () => {
    expect(names('coproc worker { rm -rf /x; }')).toEqual(['rm']);
    expect(names('coproc rm -rf /x')).toEqual(['rm']);
  });
  it('[[ ]] and (( )) do not split at their operators', () => {
    expect(argvs('[[ -f a && -d b ]] && rm a')).toEqual([
      ['[[', '-f', 'a', '&&', '-d', 'b', ']]'],
      ['rm', 'a'],
    ]);
    expect(names('(( n > 3 )) && rm x')).toEqual(['rm']);
    expect(names('((i++)); (( x = $(id -u) ))')).toEqual(['id']);
  });
  it('nested subshells that look like arithmetic are still subshells', () => {
    expect(names('( (rm -rf /x) )')).toEqual(['rm']);
    expect(names('((rm -rf /x) )')).toEqual(['rm']);
  });
});

describe('substitutions', () => {
  it('$(...) and backticks are executed, recursively, with via', () => {
    const r = parseLine('echo $(rm -rf /a `shred /b`) "$(dropdb c)"');
    expect(r.commands.map((c) => [c.name, c.via])).toEqual([
      ['shred', ['$(...)', '`...`']],
      ['rm', ['$(...)']],
      ['dropdb', ['$(...)']],
      ['echo', []],
    ]);
  });
  it('process substitution and substitutions in assignments, ${...} and $((...))', () => {
    expect(names('diff <(ls a) >(tee b)')).toEqual(['ls', 'tee', 'diff']);
    expect(names('X=$(rm -rf /x)')).toEqual(['rm']);
    expect(names('echo ${X:-$(rm -rf /x)}')).toEqual(['rm', 'echo']);
    expect(names('echo $(( $(wc -l < f) + 1 ))')).toEqual(['wc', 'echo']);
    expect(names('arr=(a $(rm -rf /y) c); echo ${#arr[@]}')).toEqual(['rm', 'echo']);
  });
  it('escaped backticks nest', () => {
    expect(names('echo `echo \\`rm -rf /x\\``')).toEqual(['rm', 'echo', 'echo']);
  });
});

describe('here-docs and here-strings', () => {
  it('bodies are data, not commands, and do not break the line', () => {
    expect(names('cat <<EOF > f\nrm -rf /\nEOF\nls')).toEqual(['cat', 'ls']);
    expect(names("cat <<'EOF'\n$(rm -rf /)\nEOF")).toEqual(['cat']);
    expect(names('cat <<-\tEND\n\trm x\n\tEND\nls')).toEqual(['cat', 'ls']);
    expect(names('cat <<< "rm -rf /"; ls')).toEqual(['cat', 'ls']);
  });
  it('unquoted bodies expand $(...), quoted ones do not', () => {
    expect(names('cat <<EOF\n$(rm -rf /x)\nEOF')).toEqual(['rm', 'cat']);
  });
  it('CRLF input', () => {
    expect(parseLine('psql <<EOF\r\nDROP TABLE a;\r\nEOF\r\nls\r\n').statements.map((s) => s.text)).toEqual(['DROP TABLE a']);
    expect(names('psql <<EOF\r\nDROP TABLE a;\r\nEOF\r\nls\r\n')).toEqual(['psql', 'ls']);
  });
  it('two here-docs on one line are read in order', () => {
    const r = parseLine('psql <<A; mysql <<B\nDROP TABLE a;\nA\nDROP TABLE b;\nB');
    expect(r.statements.map((s) => [s.client, s.text])).toEqual([
      ['psql', 'DROP TABLE a'],
      ['mysql', 'DROP TABLE b'],
    ]);
  });
});

describe('quote removal', () => {
  it.each([
    ["r''m -rf /x", 'rm'],
    ['"rm" -rf /x', 'rm'],
    ['\\rm -rf /x', 'rm'],
    ["$'\\x72m' -rf /x", 'rm'],
    ["$'\\162\\155' -rf /x", 'rm'],
    ["$'\\u0072m' -rf /x", 'rm'],
    ['$"rm" -rf /x', 'rm'],
    ['/bin/rm -rf /x', 'rm'],
    ['/usr/bin/../bin/rm -rf /x', 'rm'],
    ['{rm,-rf,/x}', 'rm'],
    ['rm${IFS}-rf${IFS}/x', 'rm'],
    ['r"m" -rf /x', 'rm'],
  ])('%s is rm', (line, name) => {
    const c = parseLine(line).commands[0]!;
    expect(c.name).toBe(name);
    expect(c.dynamicName).toBe(false);
    expect(c.argv.slice(1)).toEqual(['-rf', '/x']);
  });

  // The parser's argv must be what bash itself would pass: compare with a real bash.
  it.each([
    "r''m -rf '/a b' \"c\\\"d\" e\\ f",
    "echo $'a\\tb\\x41\\101\\cA\\e' $'it\\'s'",
    'printf "%s" "a\\$b" "a\\\\b" "a\\nb" \'x\\y\'',
    'x a"b"\'c\'d $"loc"',
    '{rm,-rf,/tmp/x}',
    'a{b,c}d e',
    'x{a,{b,c}}y {a,b}{c,d} a{,b} {a} a{b,c',
    'rm${IFS}-rf${IFS}/x',
    'echo a\\\nb',
  ])('argv of %j matches bash', (line) => {
    const out = execFileSync('bash', ['-c', `set -f; set -- ${line}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    const expected = out.split('\0').slice(0, -1);
    expect(parseLine(line).commands[0]!.argv).toEqual(expected);
  });
});

// Every probe that skips quoted text (`((...))`, `${...}`, extglob, a `$(` past the depth limit)
// ends a quote where the word scanner does: `$'...'` and "..." honour backslashes.
describe('quotes inside probes end where bash ends them', () => {
  it.each([
    ["echo ${x:-$'\\''} ; rm -rf /x", ['echo', 'rm']],
    ["shopt -s extglob; ls !($'a\\')b') ; rm -rf /x", ['shopt', 'ls', 'rm']],
    ['(( "a\\"b" )); rm -rf /x', ['rm']],
    ['for ((i=0; i<"a\\"b"; i++)); do rm -rf /x; done', ['rm']],
  ])('%s', (line, expected) => {
    expect(names(line)).toEqual(expected);
    expect(parseLine(line).problems).toEqual([]);
  });
});

describe('unwrapping', () => {
  it.each([
    ['sudo rm -rf /x', ['sudo']],
    ['sudo -u postgres -H -- rm -rf /x', ['sudo']],
    ['sudo -uroot rm -rf /x', ['sudo']],
    ['sudo -E -g wheel -C 5 rm -rf /x', ['sudo']],
    ['doas -u root rm -rf /x', ['doas']],
    ['env -i PATH=/bin rm -rf /x', ['env']],
    ['env -u HOME -C / rm -rf /x', ['env']],
    ['command rm -rf /x', ['command']],
    ['builtin rm -rf /x', ['builtin']],
    ['exec -a foo rm -rf /x', ['exec']],
    ['nohup rm -rf /x', ['nohup']],
    ['time -p rm -rf /x', ['time']],
    ['nice -n 5 rm -rf /x', ['nice']],
    ['nice -10 rm -rf /x', ['nice']],
    ['ionice -c2 -n7 rm -rf /x', ['ionice']],
    ['timeout 10 rm -rf /x', ['timeout']],
    ['timeout -s KILL -k 5 10s rm -rf /x', ['timeout']],
    ['stdbuf -oL -e 0 rm -rf /x', ['stdbuf']],
    ['strace -f -o /tmp/t rm -rf /x', ['strace']],
    ['watch -x rm -rf /x', ['watch']],
    ['setsid rm -rf /x', ['setsid']],
    ['chroot /srv rm -rf /x', ['chroot']],
    ['sudo nohup nice -n 5 timeout 10 /bin/rm -rf /x', ['sudo', 'nohup', 'nice', 'timeout']],
  ])('%s', (line, via) => {
    const c = only(line);
    expect(c.argv.slice(1)).toEqual(['-rf', '/x']);
    expect(c.name).toBe('rm');
    expect(c.via).toEqual(via);
    expect(c.source).toBe(line);
  });

  it('VAR=value prefixes, env and sudo assignments are recorded', () => {
    expect(only('DRY_RUN=1 rm x').assignments).toEqual({ DRY_RUN: '1' });
    expect(only('A=1 B="two words" env C=3 sudo D=4 rm x').assignments).toEqual({ A: '1', B: 'two words', C: '3', D: '4' });
    expect(only('DRY_RUN=true bash -c "rm x"').assignments).toEqual({ DRY_RUN: 'true' });
    expect(only('X+=1 a[2]=3 rm x').assignments).toEqual({ X: '1', a: '3' });
    // a word with `=` after the command name is an argument
    expect(only('rm X=1').argv).toEqual(['rm', 'X=1']);
    // a quoted name is not an assignment
    expect(only('"X"=1').name).toBe('X=1');
  });

  it('wrappers that do not run a command stay the command', () => {
    expect(only('command -v rm').name).toBe('command');
    expect(only('sudo -i').name).toBe('sudo');
    expect(only('env').name).toBe('env');
    expect(only('ssh web1').name).toBe('ssh');
    expect(only('ionice -p 42').name).toBe('ionice');
    expect(only('bash deploy.sh').name).toBe('bash');
  });

  it('xargs with options', () => {
    for (const line of ['xargs rm -rf', 'xargs -0 -n 1 -P4 rm -rf', 'xargs -I{} rm -rf', 'xargs -i rm -rf', 'xargs --max-args=1 -- rm -rf']) {
      const c = find(`find . -print0 | ${line}`, 'rm');
      expect(c.argv, line).toEqual(['rm', '-rf']);
      expect(c.via).toEqual(['xargs']);
    }
  });

  it('find -exec, -execdir, -ok: the inner command, and find itself', () => {
    const r = parseLine('find /var/log -name "*.gz" -exec rm -f {} \\; -execdir shred {} + -ok mv {} /tmp \\;');
    expect(r.commands.map((c) => [c.name, c.via])).toEqual([
      ['find', []],
      ['rm', ['find -exec']],
      ['shred', ['find -execdir']],
      ['mv', ['find -ok']],
    ]);
    expect(r.commands[1]!.argv).toEqual(['rm', '-f', '{}']);
    expect(find('find . -exec sh -c \'rm -rf "$1"\' _ {} \\;', 'rm').via).toEqual(['find -exec', 'sh -c']);
  });

  it('bash/sh/zsh/dash -c re-parse the string, recursively', () => {
    for (const sh of ['bash', 'sh', 'zsh', 'dash', '/bin/bash']) {
      const c = find(`${sh} -c 'cd /; rm -rf /x'`, 'rm');
      expect(c.argv).toEqual(['rm', '-rf', '/x']);
      expect(c.via).toEqual([`${sh.replace('/bin/', '')} -c`]);
    }
    expect(only('bash -lc "rm -rf /x"').via).toEqual(['bash -c']);
    expect(only('bash -e -o pipefail -c "rm -rf /x"').via).toEqual(['bash -c']);
    const deep = only(`sudo bash -c "sh -c 'eval \\"rm -rf /x\\"'"`);
    expect(deep.argv).toEqual(['rm', '-rf', '/x']);
    expect(deep.via).toEqual(['sudo', 'bash -c', 'sh -c', 'eval']);
  });

  it('positional parameters of sh -c STRING arg0 arg1 ... are substituted', () => {
    expect(only(`sh -c 'rm -rf "$1"' _ /x`).argv).toEqual(['rm', '-rf', '/x']);
    expect(find(`find . -exec sh -c 'rm -rf "$@"' sh {} +`, 'rm').argv).toEqual(['rm', '-rf', '{}']);
    expect(only(`bash -c '$0 -rf /x' rm`)).toMatchObject({ name: 'rm', dynamicName: false });
    expect(find(`bash -c 'echo $(rm "\${1}")' _ /y`, 'rm').argv).toEqual(['rm', '/y']);
    expect(only(`sh -c 'rm $1'`).argv).toEqual(['rm', '$1']);
  });

  it('a shell reading a here-doc or a pipe runs it', () => {
    expect(only('bash <<EOF\nrm -rf /x\nEOF').via).toEqual(['bash']);
    expect(find('echo "rm -rf /x" | sh', 'rm').via).toEqual(['sh']);
  });

  it('eval re-parses its joined arguments', () => {
    expect(only('eval "rm -rf /x"').argv).toEqual(['rm', '-rf', '/x']);
    expect(only("eval rm '-rf' /x").via).toEqual(['eval']);
  });

  it('ssh: the remote command is re-parsed, via names the host', () => {
    const c = only('ssh -i key -p 2222 -o StrictHostKeyChecking=no deploy@web1 "sudo systemctl stop nginx"');
    expect(c.argv).toEqual(['systemctl', 'stop', 'nginx']);
    expect(c.via).toEqual(['ssh deploy@web1', 'sudo']);
    expect(only('ssh web1 rm -rf /x').via).toEqual(['ssh web1']);
    expect(only('ssh -T web1 <<EOF\nrm -rf /x\nEOF').via).toEqual(['ssh web1']);
    expect(parseLine('ssh db1 psql <<EOF\nDROP DATABASE app;\nEOF').statements.map((s) => s.text)).toEqual(['DROP DATABASE app']);
  });

  it('kubectl exec and docker exec', () => {
    expect(only('kubectl -n prod exec -it web-1 -c app -- rm -rf /data').via).toEqual(['kubectl exec web-1']);
    expect(only('kubectl exec web-1 -- sh -c "rm -rf /data"').via).toEqual(['kubectl exec web-1', 'sh -c']);
    expect(only('docker exec -it -u root db rm -rf /data').via).toEqual(['docker exec db']);
    expect(only('docker compose exec -T app rm -rf /data').via).toEqual(['docker exec app']);
  });

  it('more wrappers: pkexec, unbuffer, systemd-run, screen, tmux, at, parallel, ansible, noglob', () => {
    expect(only('pkexec --user root rm -rf /x').via).toEqual(['pkexec']);
    expect(only('unbuffer rm -rf /x').via).toEqual(['unbuffer']);
    expect(only('systemd-run --unit=x -p Nice=5 --wait rm -rf /x').via).toEqual(['systemd-run']);
    expect(only('screen -dmS job rm -rf /x').via).toEqual(['screen']);
    expect(only('tmux new -d -s x "rm -rf /x"').via).toEqual(['tmux new']);
    expect(only('at now <<< "rm -rf /x"').via).toEqual(['at']);
    expect(only('parallel -j4 rm -rf ::: /a /b').argv).toEqual(['rm', '-rf', '/a', '/b']);
    expect(only('ansible all -m shell -a "rm -rf /x"').via).toEqual(['ansible -m shell']);
    expect(only('ansible web -a "systemctl stop nginx"').name).toBe('systemctl');
    expect(only('ansible web -m file -a "path=/x state=absent"').name).toBe('ansible');
    expect(only('noglob rm -rf /x*').via).toEqual(['noglob']);
  });

  it('sudo -s / sudo -i / su with a here-doc run it; git aliases starting with ! are shell', () => {
    expect(only("sudo -s <<< 'rm -rf /srv/data'").via).toEqual(['sudo']);
    expect(only('sudo -i <<EOF\ndropdb app\nEOF').name).toBe('dropdb');
    expect(only('su - postgres <<EOF\ndropdb app\nEOF').via).toEqual(['su']);
    expect(only("git -C /repo -c alias.x='!rm -rf /srv/data' x").via).toEqual(['git alias x']);
    expect(only("git -C /repo -c user.name=a commit -m 'rm -rf /'").name).toBe('git');
  });

  it('su -c, runuser, flock -c, watch, env -S re-parse', () => {
    expect(only("su - postgres -c 'dropdb app'").via).toEqual(['su -c']);
    expect(only('runuser -u app -- rm -rf /x').via).toEqual(['runuser']);
    expect(only("flock /tmp/l -c 'rm -rf /x'").via).toEqual(['flock -c']);
    expect(only('watch -n 5 rm -rf /x').via).toEqual(['watch']);
    expect(only("env -S 'rm -rf /x'").via).toEqual(['env -S']);
  });
});

describe('data is not a command', () => {
  it.each([
    ['echo "rm -rf /"', ['echo']],
    ['git commit -m "DROP DATABASE x"', ['git']],
    ['grep "DROP DATABASE" schema.sql', ['grep']],
    ["printf '%s\\n' 'rm -rf /'", ['printf']],
    ['git commit -m "$(echo fix)"', ['echo', 'git']],
    ['echo rm -rf / # rm -rf /', ['echo']],
    ["awk '/rm -rf/ {print}' f", ['awk']],
    ['ssh-keygen -t ed25519 -C "rm -rf"', ['ssh-keygen']],
  ])('%s', (line, expected) => {
    expect(names(line)).toEqual(expected);
    expect(parseLine(line).statements).toEqual([]);
  });
});

describe('dynamic command names', () => {
  it.each(['$RM -rf x', '"$cmd" x', '${RM} -rf x', '$(echo rm) -rf x', '`echo rm` -rf x', '/bin/r? -rf x', 'r[m] -rf x'])('%s', (line) => {
    const c = parseLine(line).commands.at(-1)!;
    expect(c.dynamicName).toBe(true);
  });
  it('a name assigned literally earlier on the line is resolved', () => {
    expect(parseLine('RM=rm; $RM -rf /x').commands[0]!.argv).toEqual(['rm', '-rf', '/x']);
    expect(parseLine('X="rm -rf"; $X /x').commands[0]!.argv).toEqual(['rm', '-rf', '/x']);
    expect(parseLine('export K=kubectl; "$K" delete ns prod').commands[1]!.argv).toEqual(['kubectl', 'delete', 'ns', 'prod']);
    expect(parseLine('R=rm; sudo ${R} -rf /x').commands[0]!.via).toEqual(['sudo']);
    // not resolvable: set later, set by a prefix (expanded before it applies), or set dynamically
    expect(parseLine('$RM -rf x; RM=rm').commands[0]!.dynamicName).toBe(true);
    expect(only('RM=rm $RM x').dynamicName).toBe(true);
    expect(parseLine('C=$(echo rm); $C -rf x').commands[1]!.dynamicName).toBe(true);
  });
  it('a literal name with a dynamic argument is not dynamic', () => {
    expect(only('rm -rf $DIR').dynamicName).toBe(false);
  });
});

describe('redirections', () => {
  it('are recorded, not taken as arguments', () => {
    const c = only('cat a 2>/dev/null >> out &> all < in 3>&1 >| f');
    expect(c.argv).toEqual(['cat', 'a']);
    expect(c.redirects).toEqual([
      { op: '>', target: '/dev/null', fd: 2 },
      { op: '>>', target: 'out' },
      { op: '&>', target: 'all' },
      { op: '<', target: 'in' },
      { op: '>&', target: '1', fd: 3 },
      { op: '>|', target: 'f' },
    ]);
    expect(only('echo x > /dev/sda').redirects).toEqual([{ op: '>', target: '/dev/sda' }]);
    expect(only('exec {fd}> /tmp/lock').argv).toEqual(['exec']);
  });
});

describe('database statements', () => {
  const stmts = (line: string) => parseLine(line).statements.map((s) => [s.dialect, s.client, s.text]);

  it('psql -c / --command / stdin', () => {
    expect(stmts('psql -h db -U app -c "DROP TABLE users; SELECT 1" app')).toEqual([
      ['sql', 'psql', 'DROP TABLE users'],
      ['sql', 'psql', 'SELECT 1'],
    ]);
    expect(stmts("psql --command='TRUNCATE t' -c 'DELETE FROM u'")).toEqual([
      ['sql', 'psql', 'TRUNCATE t'],
      ['sql', 'psql', 'DELETE FROM u'],
    ]);
    expect(stmts('psql app <<< "DROP SCHEMA s CASCADE"')).toEqual([['sql', 'psql', 'DROP SCHEMA s CASCADE']]);
    expect(stmts("psql <<'SQL'\nDELETE FROM t; -- all\n/* note */ UPDATE u\n  SET a = 'x;  y';\nSQL")).toEqual([
      ['sql', 'psql', 'DELETE FROM t'],
      ['sql', 'psql', "UPDATE u SET a = 'x;  y'"],
    ]);
    // psql -f reads a file: stdin is not SQL
    expect(stmts('psql -f migrate.sql <<< "x"')).toEqual([]);
  });
  it('mysql/mariadb -e, clusters and attached password', () => {
    expect(stmts('mysql -uroot -psecret -e "DROP DATABASE shop"')).toEqual([['sql', 'mysql', 'DROP DATABASE shop']]);
    expect(stmts('mysql -sNe "DELETE FROM t" shop')).toEqual([['sql', 'mysql', 'DELETE FROM t']]);
    expect(stmts('mariadb --execute="TRUNCATE x # note\n"')).toEqual([['sql', 'mariadb', 'TRUNCATE x']]);
    expect(stmts('mysql -pexample shop')).toEqual([]);
  });
  it('sqlite3 operands after the database, and -cmd', () => {
    expect(stmts('sqlite3 -cmd ".timeout 5" app.db "DROP TABLE t;" "VACUUM"')).toEqual([
      ['sql', 'sqlite3', '.timeout 5'],
      ['sql', 'sqlite3', 'DROP TABLE t'],
      ['sql', 'sqlite3', 'VACUUM'],
    ]);
    expect(stmts('sqlite3 app.db <<EOF\n.tables\nDELETE FROM t;\nEOF')).toEqual([
      ['sql', 'sqlite3', '.tables'],
      ['sql', 'sqlite3', 'DELETE FROM t'],
    ]);
  });
  it('clickhouse-client, cockroach sql', () => {
    expect(stmts('clickhouse-client --query "DROP TABLE t"')).toEqual([['sql', 'clickhouse-client', 'DROP TABLE t']]);
    expect(stmts('clickhouse client -q "TRUNCATE t"')).toEqual([['sql', 'clickhouse', 'TRUNCATE t']]);
    expect(stmts('cockroach sql --insecure -e "DROP DATABASE d"')).toEqual([['sql', 'cockroach', 'DROP DATABASE d']]);
  });
  it('data piped into a client is a statement', () => {
    expect(stmts('echo "DROP TABLE t;" | psql app')).toEqual([['sql', 'psql', 'DROP TABLE t']]);
    expect(stmts("printf 'DELETE FROM %s;\\n' users | mysql shop")).toEqual([['sql', 'mysql', 'DELETE FROM users']]);
    expect(stmts('cat <<EOF | sudo -u postgres psql\nDROP DATABASE a;\nEOF')).toEqual([['sql', 'psql', 'DROP DATABASE a']]);
    expect(stmts('echo FLUSHALL | redis-cli -h cache')).toEqual([['redis', 'redis-cli', 'FLUSHALL']]);
    expect(stmts('echo "DROP TABLE t" | tee -a log | psql')).toEqual([['sql', 'psql', 'DROP TABLE t']]);
    // piping a file is not knowable, and nothing is invented
    expect(stmts('cat dump.sql | psql')).toEqual([]);
  });
  it('redis-cli commands and here-docs', () => {
    expect(stmts('redis-cli -h cache -p 6380 -a pw -n 2 FLUSHDB ASYNC')).toEqual([['redis', 'redis-cli', 'FLUSHDB ASYNC']]);
    expect(stmts('redis-cli --tls --user u --pass p flushall')).toEqual([['redis', 'redis-cli', 'flushall']]);
    expect(stmts('redis-cli SET k "a b"')).toEqual([['redis', 'redis-cli', 'SET k "a b"']]);
    expect(stmts('redis-cli <<EOF\nSET a 1\n\nDEL  a\nEOF')).toEqual([
      ['redis', 'redis-cli', 'SET a 1'],
      ['redis', 'redis-cli', 'DEL a'],
    ]);
    expect(stmts('redis-cli -h cache')).toEqual([]);
  });
  it('mongosh/mongo --eval', () => {
    expect(stmts('mongosh "mongodb://db/app" --eval "db.dropDatabase()"')).toEqual([['mongo', 'mongosh', 'db.dropDatabase()']]);
    expect(stmts("mongo app --eval='db.users.deleteMany({}); db.x.drop()'")).toEqual([
      ['mongo', 'mongo', 'db.users.deleteMany({})'],
      ['mongo', 'mongo', 'db.x.drop()'],
    ]);
    expect(stmts('mongosh app <<EOF\ndb.users\n  .drop()\nEOF')).toEqual([['mongo', 'mongosh', 'db.users .drop()']]);
  });
  it('statements point at their client command, through wrappers', () => {
    const r = parseLine('ls; sudo -u postgres psql -c "DROP DATABASE x"');
    expect(r.statements[0]!.command).toBe(1);
    expect(r.commands[1]!.name).toBe('psql');
    expect(parseLine('kubectl exec db-0 -- psql -c "DROP TABLE t"').statements[0]!.text).toBe('DROP TABLE t');
    expect(parseLine('ssh db1 "mysql -e \'DROP DATABASE shop\'"').statements[0]!.text).toBe('DROP DATABASE shop');
  });
  it('SQL mentioned as data is not a statement', () => {
    expect(parseLine('echo "DROP TABLE t" > notes.txt').statements).toEqual([]);
    expect(parseLine('grep -r "DROP DATABASE" .').statements).toEqual([]);
  });
});

describe('comments and continuation', () => {
  it('a # starts a comment only at a word start', () => {
    expect(argvs('echo a#b # rm -rf /')).toEqual([['echo', 'a#b']]);
    expect(argvs('rm \\\n  -rf /x')).toEqual([['rm', '-rf', '/x']]);
  });
});
