#!/usr/bin/env bash
# One command from a fresh clone to a built prodguard: the OS packages the tests drive for real
# (zsh, rsyslog, sqlite3, PostgreSQL) and shellcheck for `npm run lint`, then the npm
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

npm ci --no-audit --no-fund
npm run build
echo "setup: done. Try: ./bin/prodguard check --env production -- rm -rf /srv/data"
