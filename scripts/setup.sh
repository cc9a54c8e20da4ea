#!/usr/bin/env bash
# One command from a fresh clone to a built prodguard: the OS packages the tests drive for real
# (zsh, rsyslog, sqlite3, PostgreSQL, MariaDB, Redis) and shellcheck for `npm run lint`, the
# task runners and mongosh the reach tests run (npm -g), then the npm
# dependencies (better-sqlite3 and node-pty compile from source, about 80 s), then the
# TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v zsh >/dev/null || missing+=(zsh)
[ -x /usr/bin/time ] || missing+=(time) # npm run bench: peak RSS of whole commands
command -v rsyslogd >/dev/null || [ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog)
# rsyslog's TLS driver (test/sinks/syslog-newline.test.ts receives over TLS with it).
compgen -G '/usr/lib/*/rsyslog/lmnsd_gtls.so' >/dev/null || missing+=(rsyslog-gnutls)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v psql >/dev/null || missing+=(postgresql-client)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v g++ >/dev/null || missing+=(g++ make)
command -v python3 >/dev/null || missing+=(python3) # test/reach: python3 wipe.py
command -v shellcheck >/dev/null || missing+=(shellcheck)
# test/reach/clients.test.ts: a throwaway MariaDB and Redis behind `mysql ... < F`, `redis-cli < F`.
command -v mariadb >/dev/null || missing+=(mariadb-client)
[ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (needed by the tests), then run this again" >&2
    exit 1
  fi
fi

# The other task runners and mongosh (test/reach/clients.test.ts), from the npm registry; rust-just
# and bun ship their binaries as registry packages. Installed globally, only when missing, at the
# versions the tests were written against (a later major may need a newer Node).
npm_missing=()
command -v yarn >/dev/null || npm_missing+=(yarn@1.22.22)
command -v pnpm >/dev/null || npm_missing+=(pnpm@12.23.0)
command -v just >/dev/null || npm_missing+=(rust-just@1.57.0)
command -v bun >/dev/null || npm_missing+=(bun@1.4.5)
command -v mongosh >/dev/null || npm_missing+=(mongosh@2.12.0)
if [ ${#npm_missing[@]} -gt 0 ]; then
  echo "setup: installing ${npm_missing[*]} (npm -g)"
  sudo=""; [ "$(id -u)" = 0 ] || [ -w "$(npm prefix -g)" ] || sudo="sudo"
  $sudo npm install -g --no-audit --no-fund "${npm_missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
npm run build
echo "setup: done. Try: ./bin/prodguard check --env production -- rm -rf /srv/data"
