#!/usr/bin/env bash
# Lint for the shell code (part of `npm run lint`): shellcheck on the hooks and the scripts.
# common.sh (shared by both hooks) and prodguard.bash are checked as bash. prodguard.zsh is
# zsh-only syntax, which shellcheck does not parse (it knows sh/bash/dash/ksh), so it is left
# out; its shared half is common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null || { echo "lint-shell: shellcheck is not installed: run scripts/setup.sh (or apt-get install shellcheck)" >&2; exit 1; }

excluded=(
  # The files are fragments of the one script `prodguard init` prints: the settings they read
  # (__pg_session, __pg_spooldir, ...) are assigned by its generated header.
  SC2154
  # `a= b=` clears several globals in one statement (one statement per prompt on the hook path).
  SC1007
  # Deliberate at one place each; to become inline `# shellcheck disable=` directives next to
  # the line (shell-hooks/ is the hooks branch's): common.sh's `${1%\}}` (literal brace),
  # prodguard.bash's PROMPT_COMMAND array-or-string and its EXIT trap that expands the previous
  # trap now.
  SC1083 SC2178 SC2064
)
exclude=$(IFS=,; echo "${excluded[*]}")
shellcheck --shell=bash --severity=warning --exclude="$exclude" shell-hooks/common.sh shell-hooks/prodguard.bash
shellcheck scripts/*.sh .ci/run
# The agent hook's bash entry, with the common.sh it sources (-x: followed from the repository root).
shellcheck -x bin/prodguard-hook
