#!/usr/bin/env bash
# The npm route, as a team would roll it out: `npm pack`, install the tarball into a throwaway
# prefix, then run the installed copy (never the checkout): --version, check, init, the daemon,
# and one line of a real production bash with the hook loaded. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/prodguard-pack.XXXXXX)
cleanup() {
  if [[ -x $work/prefix/bin/prodguard ]]; then PRODGUARD_HOME=$work/home "$work/prefix/bin/prodguard" daemon stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "pack-smoke: $*" >&2; exit 1; }

echo "pack-smoke: packing"
tgz=$(npm pack --silent --pack-destination "$work" | tail -n 1)
# (A listing file, not a pipe into grep -q: under pipefail tar's SIGPIPE would fail the test.)
tar tzf "$work/$tgz" >"$work/files"
grep -q '^package/dist/cli/main.js$' "$work/files" || fail "the tarball has no dist/cli/main.js"
! grep -q '^package/test/\|^package/dist/test/' "$work/files" || fail "the tarball ships tests"

echo "pack-smoke: installing $tgz into a temporary prefix (native modules compile from source)"
npm install -g --no-audit --no-fund --allow-scripts=better-sqlite3,node-pty,unix-dgram \
  --prefix "$work/prefix" "$work/$tgz" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "npm install of the tarball failed"; }
pg=$work/prefix/bin/prodguard
export PRODGUARD_HOME=$work/home
mkdir -m 700 "$PRODGUARD_HOME"

want=$(node -p 'require("./package.json").version')
got=$("$pg" --version)
[[ $got == "$want" ]] || fail "--version says '$got', package.json says '$want'"

set +e
"$pg" check --env production -- rm -rf /srv/data >/dev/null
rc=$?
set -e
[[ $rc == 3 ]] || fail "check of rm -rf in production exited $rc (want 3: confirm)"

"$pg" init bash >"$work/hook.bash"
grep -q '__pg_prod_test' "$work/hook.bash" || fail "init bash printed no hook"

"$pg" daemon start >/dev/null || fail "daemon start failed"
"$pg" daemon status >/dev/null || fail "daemon status: not running after start"

# One line of an interactive production bash (under `script`, which gives it a terminal) with the
# installed hook: the line must be in the installed copy's audit trail.
rc_file=$work/bashrc
# shellcheck disable=SC2016 # the $(...) is for the rc file to run, not for this script
printf 'eval "$(%q init bash)"\n' "$pg" >"$rc_file"
printf 'echo pack-smoke-line-ok\nexit\n' |
  ENV=production HOME=$work script -qec "bash --noprofile --rcfile $rc_file -i" /dev/null >"$work/bash.out" 2>&1 ||
  { cat "$work/bash.out" >&2; fail "the hooked bash failed"; }
grep -q 'pack-smoke-line-ok' "$work/bash.out" || { cat "$work/bash.out" >&2; fail "the hooked bash did not run the line"; }
for _ in $(seq 50); do
  "$pg" log --json --search pack-smoke-line-ok >"$work/log.json" 2>/dev/null && grep -q 'echo pack-smoke-line-ok' "$work/log.json" && break
  sleep 0.2
done
grep -q 'echo pack-smoke-line-ok' "$work/log.json" || fail "the hooked line is not in the audit trail"

"$pg" daemon stop >/dev/null || fail "daemon stop failed"
echo "pack-smoke: ok ($tgz, version $got)"
