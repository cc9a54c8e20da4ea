# prodguard: helpers shared by the bash and zsh hooks (the subset both shells run the same way).
# Everything here is builtins and parameter expansion: the hook path never forks.
# Naming: __pg_* functions and variables; results come back in globals (no $(...) capture).

# JSON-escape $1 into __pg_js. Most lines hold nothing to escape: one test instead of five.
__pg_json() {
  local s=$1
  if [[ $s == *[\\\"$'\x01'-$'\x1f']* ]]; then
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    if [[ $s == *[$'\x01'-$'\x1f']* ]]; then __pg_js=$s; __pg_json_ctl; return; fi
  fi
  __pg_js=$s
}

# Any other control character in __pg_js (rare): \u00XX, one code at a time.
__pg_json_ctl() {
  local s=$__pg_js i c
  for i in 01 02 03 04 05 06 07 08 0b 0c 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f; do
    printf -v c "\\x$i"
    s=${s//"$c"/\\u00$i}
  done
  __pg_js=$s
}

# Minimal JSON unescape of $1 into __pg_ujs, for text shown on the terminal. Control characters
# other than newline and tab become '?': a reply never gets to drive the terminal. Nothing from a
# reply is ever evaluated.
__pg_unjson() {
  local s=$1
  if [[ $s == *\\* ]]; then
    local rest hex c
    s=${s//\\\\/$'\x01'}
    s=${s//\\\"/\"}
    s=${s//\\\//\/}
    s=${s//\\n/$'\n'}
    s=${s//\\t/$'\t'}
    s=${s//\\r/}
    s=${s//\\b/?}
    s=${s//\\f/?}
    while [[ $s == *\\u00[0-7][0-9a-fA-F]* ]]; do
      rest=${s#*\\u00}
      hex=${rest:0:2}
      case $hex in
        0[aA]) c=$'\n' ;;
        09) c=$'\t' ;;
        [01]?|7[fF]) c='?' ;;
        *) printf -v c "\\x$hex" ;;
      esac
      s=${s/\\u00$hex/"$c"}
    done
    # Other code points: the daemon sends UTF-8 as is; a stray escape is only shown as '?'.
    while [[ $s == *\\u[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]* ]]; do
      rest=${s#*\\u}
      s=${s/\\u${rest:0:4}/?}
    done
    s=${s//$'\x01'/\\}
  fi
  # Raw control characters (a hostile listener on the port): shown as '?'.
  if [[ $s == *[$'\x01'-$'\x08'$'\x0b'-$'\x1f'$'\x7f']* ]]; then
    s=${s//[$'\x01'-$'\x08'$'\x0b'-$'\x1f'$'\x7f']/?}
  fi
  __pg_ujs=$s
}

# Appends one protocol request to this shell's spool file for the daemon to ingest later.
# The directory is 0700 and the file 0600 whatever the user's umask; neither is used when it is
# not ours or is a symlink (__pg_paths_ok).
__pg_spool() {
  local req=${1%\}},\"via\":\"spool\"}
  if [[ ! -d $__pg_spooldir && ! -L $__pg_spooldir && -z $__pg_untrusted ]]; then
    (umask 077 && command mkdir -p -- "$__pg_spooldir") 2>/dev/null || return 1
  fi
  __pg_paths_ok || return 1
  [[ -L $__pg_spooldir/$__pg_session.ndjson ]] && return 1
  local um=$__pg_umask
  builtin umask 077
  printf '%s\n' "$req" >>"$__pg_spooldir/$__pg_session.ndjson" 2>/dev/null
  local rc=$?
  builtin umask "$um"
  return $rc
}

# A check the daemon answered but could not store (disk full, lock): a copy of the request in the
# spool, which survives a daemon killed before its retry; said when the spool refuses too.
__pg_spool_copy() {
  __pg_spool "$1" || __pg_say "prodguard: this line's record is held only in the daemon's memory: the database and the spool ($__pg_spooldir) refuse writes (disk full?)"
}

# Load time (one fork): PRODGUARD_HOME, the run dir and the spool dir must be real directories of
# ours that no one else can write to; otherwise another user could serve a fake daemon from them
# or plant a symlink where the hook writes. A problem is said once, with its fix, and the hook
# then never uses those directories (lines are still checked, by the local engine, unrecorded).
# Per line only the cheap tests are made (__pg_paths_ok: a stat each, no fork): once a directory
# is ours and 0700-like, only we (or root) can change its mode.
__pg_untrusted=
__pg_dirs_check() {
  local d bad
  # POSIX find: the start points with a group- or world-write bit (-prune: not their contents).
  bad=$'\n'$(command find ${__pg_home:+"$__pg_home"} "$__pg_rundir" "$__pg_spooldir" -prune \( -perm -020 -o -perm -002 \) -print 2>/dev/null)$'\n'
  for d in "$__pg_home" "$__pg_rundir" "$__pg_spooldir"; do
    [[ -n $d ]] || continue
    if [[ -L $d ]]; then
      __pg_untrusted="$d is a symlink, which prodguard does not follow: remove it (rm $d) or point PRODGUARD_HOME at the real directory"
    elif [[ -e $d && ! -O $d ]]; then
      __pg_untrusted="$d is not owned by you: remove it, or chown $EUID $d if it is yours"
    elif [[ $bad == *$'\n'"$d"$'\n'* ]]; then
      __pg_untrusted="$d is writable by group or others: chmod 700 $d"
    fi
    [[ -n $__pg_untrusted ]] && break
  done
  [[ -n $__pg_untrusted ]] || return 0
  __pg_linefile=/dev/null
  __pg_say "prodguard: refusing to use $__pg_untrusted; until then lines are checked locally and not recorded"
}

# Per line: the spool is still our directory (not swapped, not a symlink) and nothing was planted
# at our line file; else the directories are refused as at load.
__pg_paths_ok() {
  [[ -z $__pg_untrusted ]] || return 1
  [[ ( ! -e $__pg_spooldir || -O $__pg_spooldir ) && ! -L $__pg_spooldir && ! -L $__pg_linefile ]] && return 0
  if [[ -L $__pg_linefile ]]; then
    __pg_untrusted="$__pg_linefile is a symlink someone else made: remove it (rm $__pg_linefile) and check who can write to $__pg_spooldir"
  else
    __pg_untrusted="$__pg_spooldir is no longer a directory of yours: remove it and check who can write to its parent"
  fi
  __pg_linefile=/dev/null
  __pg_say "prodguard: refusing to use $__pg_untrusted; until then lines are checked locally and not recorded"
  return 1
}

# The daemon did not take check request $1 (unreachable, could not prove itself, wedged, or it
# said no): the full engine decides in a node process of our own (prodguard's guard entry, a few
# hundred ms), its reply in __pg_reply exactly as the daemon's would be, and the request goes to
# the spool for the record. Said once per outage on the terminal. Fails when node cannot run: the
# word list (__pg_local_match) is the last resort.
__pg_degraded=
__pg_guard_local() {
  local out err=$__pg_reply
  [[ -f $__pg_guard ]] || return 1
  out=$(PRODGUARD_HOME=$__pg_home PRODGUARD_GUARD_UNTRUSTED=${__pg_untrusted:+1} "$__pg_node" "$__pg_guard" "$1" 2>/dev/null </dev/null) || return 1
  [[ $out == "$__pg_ok"* ]] || return 1
  __pg_reply=$out
  if [[ -z $__pg_degraded ]]; then
    __pg_degraded=1
    if [[ -z $__pg_why && $err == *'"error":"'* ]]; then __pg_unjson "${err#*\"error\":\"}"; __pg_why="the daemon could not take the line (${__pg_ujs%%\"*})"; fi
    __pg_say "prodguard: ${__pg_why:-the daemon is unreachable}; lines are checked locally by the full engine${__pg_untrusted:+ (not recorded)}${__pg_untrusted:- and spooled} until it is back."
  fi
  [[ -n $__pg_untrusted ]] && return 0
  __pg_spool "$1" || __pg_say "prodguard: could not record this line: the daemon did not take it and the spool ($__pg_spooldir) is not writable (disk full?)"
  return 0
}

# The local check used only while the daemon is unreachable AND node cannot run the engine: fails
# closed on anything that looks destructive (a coarse word list; the engine is the real judge).
# __pg_local_re, the words, comes with the generated header: it is the engine's own list
# (DESTRUCTIVE_WORDS in daemon/engine/rules/engine-rules.ts, via cli/hook-constants.ts).
# Options and redirections: find -delete, rsync --delete*, git clean -f (any flag cluster with f),
# a truncating redirection onto a database file.
__pg_local_re2='(^|[[:space:]])(-delete|--delete[[:alnum:]-]*|--remove-source-files)([[:space:];&|)]|$)|clean([[:space:]]+-[[:alnum:]]+)*[[:space:]]+-[[:alnum:]]*f|(^|[^>0-9&])>[[:space:]]*[^[:space:];&|]*\.(db|sqlite|sqlite3)([[:space:];&|)]|$)'

# The reply texts the hooks match (__pg_ok, __pg_err_head, __pg_short_ok, __pg_allow_head,
# __pg_unrecorded, the handshake heads, __pg_re_check) come with the generated header
# (cli/hook-constants.ts, from daemon/contract/protocol.ts): no reply is spelled out here.

# --- the file signals of the production test (daemon/engine/production/index.ts, mirrored): the
# kube context and the terraform workspace. A file is re-read only when it changed: each read
# first touches a reference file of ours (one byte written in place), and a signal file not older
# than it (`-nt` compares modification times) has changed since. Outside a change this costs one
# or two stat calls per prompt, no fork. (A file replaced by an older copy, `cp -p`, keeps its old
# mtime and is missed until the next change: docs/known-limits.md.)
__pg_kube_key=$'\x01' __pg_kube_ctx= __pg_kube_seen= __pg_tf_of= __pg_tf_ws=
__pg_kube_files=()
__pg_kube_ref=$__pg_spooldir/.kube.$$ __pg_tf_ref=$__pg_spooldir/.tf.$$

# The text of file $1 into __pg_out (no fork; zsh's `read` costs a syscall per byte: sysread).
if [[ -n ${ZSH_VERSION-} ]]; then
  __pg_slurp() {
    local fd chunk
    __pg_out=
    { exec {fd}<"$1"; } 2>/dev/null || return 1
    while sysread -s 65536 -i "$fd" chunk 2>/dev/null; do __pg_out+=$chunk; done
    exec {fd}<&-
  }
else
  __pg_slurp() {
    __pg_out=
    IFS= read -r -d '' __pg_out <"$1" 2>/dev/null
    [[ -n $__pg_out ]]
  }
fi

# kubectl's current context into __pg_kube_ctx: the first KUBECONFIG file that sets one, else
# $HOME/.kube/config (the engine's kubeContext and parseCurrentContext, step for step).
__pg_kube_refresh() {
  local key=${KUBECONFIG-}$'\x1f'${HOME-} f seen= changed= rest v
  if [[ $key != "$__pg_kube_key" ]]; then
    __pg_kube_key=$key changed=1
    __pg_kube_files=()
    if [[ -n ${KUBECONFIG-} ]]; then
      rest=$KUBECONFIG:
      while [[ -n $rest ]]; do
        f=${rest%%:*} rest=${rest#*:}
        [[ -n $f ]] && __pg_kube_files+=("$f")
      done
    else
      __pg_kube_files=("${HOME-}/.kube/config")
    fi
  fi
  for f in "${__pg_kube_files[@]}"; do
    if [[ -f $f ]]; then
      seen+=1
      [[ $__pg_kube_ref -nt $f ]] || changed=1
    else
      seen+=0
    fi
  done
  [[ -z $changed && $seen == "$__pg_kube_seen" ]] && return 0
  __pg_kube_seen=$seen __pg_kube_ctx=
  { printf x 1<>"$__pg_kube_ref"; } 2>/dev/null
  for f in "${__pg_kube_files[@]}"; do
    if [[ ! -f $f ]] || ! __pg_slurp "$f"; then continue; fi
    __pg_out=$'\n'$__pg_out
    [[ $__pg_out == *$'\n'current-context:* ]] || continue
    v=${__pg_out#*$'\n'current-context:}
    v=${v%%$'\n'*}
    v=${v#"${v%%[!$' \t']*}"}
    v=${v%"${v##*[!$' \t']}"}
    # ^(["'])(.*)\1$ -> the inside, then a trailing [ \t]+#... comment off, as the engine does.
    if [[ ${#v} -ge 2 && ( $v == \"*\" || $v == \'*\' ) ]]; then v=${v:1:${#v}-2}; fi
    v=${v%%$'\r'*}
    [[ $v == *[$' \t']\#* ]] && { v=${v%%[$' \t']\#*}; }
    [[ -n $v && $v != '""' ]] || continue
    __pg_kube_ctx=$v
    return 0
  done
}

# The terraform workspace of $PWD (.terraform/environment, trimmed) into __pg_tf_ws; the hook's
# production test reads TF_WORKSPACE itself first, as terraform does.
__pg_tf_refresh() {
  local f=$PWD/.terraform/environment
  if [[ ! -f $f ]]; then __pg_tf_of= __pg_tf_ws=; return 0; fi
  [[ $PWD == "$__pg_tf_of" && $__pg_tf_ref -nt $f ]] && return 0
  __pg_tf_of=$PWD __pg_tf_ws=
  { printf x 1<>"$__pg_tf_ref"; } 2>/dev/null
  __pg_slurp "$f" || return 0
  __pg_tf_ws=${__pg_out#"${__pg_out%%[![:space:]]*}"}
  __pg_tf_ws=${__pg_tf_ws%"${__pg_tf_ws##*[![:space:]]}"}
}

# Milliseconds since the epoch into __pg_ms, microseconds into __pg_us (EPOCHREALTIME, no fork;
# bash gives six decimals, zsh nine or more: the first 16 digits are microseconds until 2286).
__pg_now() {
  __pg_us=${EPOCHREALTIME/[.,]/} __pg_us=${__pg_us:0:16} __pg_ms=${__pg_us:0:13}
}

# --- the decision path, shared; each shell provides __pg_send, __pg_envjson, __pg_parse_reply,
# __pg_ask, __pg_say and __pg_local_match.

# Sends or, failing that, spools (records survive a dead daemon). When neither works (the disk
# holding the spool is full too) the record is lost: say so rather than lose it silently.
__pg_record() {
  __pg_send "$1" || __pg_fallback "$1"
}

# Request $1 the daemon did not take: into the spool, or said on the terminal (once while the
# directories are refused: that was said with its fix).
__pg_fallback() {
  __pg_start_daemon
  __pg_spool "$1" && return 0
  [[ -n $__pg_untrusted ]] && return 1
  __pg_say "prodguard: could not record this line: the daemon did not take it and the spool ($__pg_spooldir) is not writable (disk full?)"
}

# At most once per 10 s, in the background; PRODGUARD_NO_AUTOSTART=1 when a service manager owns it.
__pg_start_daemon() {
  [[ -n ${PRODGUARD_NO_AUTOSTART-} ]] && return
  (( EPOCHSECONDS - __pg_start_tried < 10 )) && return
  __pg_start_tried=$EPOCHSECONDS
  # (the home this hook was generated for, exported or not in this shell)
  [[ -z $__pg_untrusted && -f $__pg_bin ]] && (
    [[ -n $__pg_home ]] && export PRODGUARD_HOME=$__pg_home
    "$__pg_node" "$__pg_bin" daemon start >/dev/null 2>&1 </dev/null &
  )
}

# Common head of check/decision requests for the line in __pg_line with a new cmd number. The
# escaped cwd is kept while PWD stays the same. No arguments and no return here or in the helpers
# it calls without arguments: zsh inlines them into __pg_decide (a zsh function call costs ~25 us).
__pg_cwd_of= __pg_cwd_js=
__pg_linereq() {
  (( ++__pg_cmd ))
  __pg_now
  __pg_envjson
  if [[ $PWD != "$__pg_cwd_of" ]]; then
    __pg_json "$PWD"
    __pg_cwd_js=$__pg_js __pg_cwd_of=$PWD
  fi
  __pg_defsjson
  __pg_json_line
  __pg_req="$__pg_vhead,\"op\":\"check\",\"origin\":$__pg_origin,\"cmd\":$__pg_cmd,\"line\":\"$__pg_js\",\"cwd\":\"$__pg_cwd_js\",\"env\":$__pg_env$__pg_defs,\"ts\":$__pg_ms,\"gen\":\"$__pg_gen\"}"
}

# __pg_json of __pg_line (zsh has its own, to inline).
__pg_json_line() {
  __pg_json "$__pg_line"
}

__pg_decision() {
  local req=${__pg_req/\"op\":\"check\"/\"op\":\"decision\"}
  __pg_record "${req%\}},\"decision\":\"$1\"}"
}

# The line runs: its duration counts from here, after any confirmation (in zsh too, where a
# preexec hook would cost one more function call a line for the few microseconds of accept-line).
__pg_mark_ran() {
  __pg_ran=$__pg_cmd
  __pg_now
  __pg_t0=$__pg_us
  # The kept connection is an fd of the shell while the line runs: a line with `exec` could put
  # a file (or a socket of its own) at its number, where the finish would then go. Closed first.
  [[ $__pg_line == *exec* ]] && __pg_drop
}

# Decides line $1: 0 runs it, 1 refuses it. Records what happened.
__pg_decide() {
  __pg_line=$1
  case $__pg_line in
    *__pg_*|*source*|*eval*|*unset*|*declare*|*typeset*|*trap*|*enable*|*shopt*|*function*|*'()'*|*builtin*|*' . '*|'. '*|*';.'*|*zle*|*bindkey*|*autoload*|*zmodload*|*emulate*|*PROMPT_COMMAND*|*precmd*|*preexec*|*exec*) __pg_suspect=1 ;;
  esac
  __pg_linereq
  if __pg_send "$__pg_req" check && __pg_parse_reply; then
    # The config changed since this hook was generated: it regenerates itself at the next prompt.
    [[ -z $__pg_r_gen ]] || __pg_reload_due=$__pg_r_gen
    if [[ $__pg_r_verdict == allow ]]; then __pg_mark_ran; return 0; fi
    local verdict=$__pg_r_verdict phrase=$__pg_r_phrase dry=$__pg_r_dry msg=$__pg_r_msg
    case $verdict in
      block)
        __pg_unjson "$msg"; __pg_say "${__pg_ujs:-prodguard: blocked}"
        return 1 ;;
    esac
    if [[ $dry == true ]]; then
      __pg_decision dry-run; __pg_mark_ran; return 0
    fi
    __pg_unjson "$msg"; __pg_say "$__pg_ujs"
    __pg_unjson "$phrase"
    if __pg_ask "$__pg_ujs"; then
      __pg_decision confirmed; __pg_mark_ran; return 0
    fi
    __pg_say 'prodguard: cancelled; the line did not run.'
    __pg_decision cancelled
    return 1
  fi
  # No answer, or the daemon could not take the line (a disk full: its error reply): decide
  # locally, fail closed, spool the record.
  __pg_start_daemon
  if __pg_local_match "$1"; then
    local why='the daemon is unreachable'
    if [[ $__pg_reply == "$__pg_err_head"* ]]; then
      __pg_unjson "${__pg_reply#*\"error\":\"}"
      why="the daemon could not take this line (${__pg_ujs%%\"*})"
    fi
    __pg_say "prodguard: $why and it looks destructive (\"$__pg_word\")."
    if __pg_ask "$__pg_host"; then
      __pg_decision confirmed; __pg_mark_ran; return 0
    fi
    __pg_say 'prodguard: cancelled; the line did not run.'
    __pg_decision cancelled
    return 1
  fi
  __pg_decision allowed
  __pg_mark_ran
  return 0
}

# The result of the line that ran, its exit status in __pg_ex (no arguments: zsh inlines it).
# Plain assignments, no `local` or `printf -v`: zsh runs each builtin under a SIGCHLD block
# (three sigprocmask calls, ~5 us), an assignment in ~0.4 us. The duration's three decimals come
# from the thousands digit added and cut off again.
__pg_finish() {
  __pg_now
  __pg_d=$((__pg_us - __pg_t0))
  (( __pg_d < 0 )) && __pg_d=0
  __pg_d=$((__pg_d / 1000)).$((__pg_d % 1000 + 1000))
  __pg_later="$__pg_vhead,\"op\":\"finish\",\"origin\":$__pg_origin,\"cmd\":$__pg_ran,\"exit\":$__pg_ex,\"durationMs\":${__pg_d/.1/.},\"ts\":$__pg_ms,\"ack\":\"short\"}"
  __pg_send_later || __pg_fallback "$__pg_later"
  __pg_ran=
}

# The reply to the finish __pg_send_later left unread on the kept connection (__pg_dpend), when
# no request went on it after the finish (__pg_send reads it there): before another finish, and
# when the shell exits. Anything but ok (the daemon died before committing it, or hangs) closes
# the connection and spools the request: the record is not lost, and a duplicate is stored once.
__pg_collect() {
  [[ -n $__pg_dpend ]] || return 0
  __pg_dpend=
  __pg_read_ok "$__pg_dfd" && return 0
  exec {__pg_dfd}>&-
  __pg_dfd=
  __pg_fallback "$__pg_dreq"
}

# Closes the kept connection; a finish whose reply is unread on it goes to the spool.
__pg_drop() {
  [[ -n $__pg_dfd ]] || return 0
  exec {__pg_dfd}>&-
  __pg_dfd=
  [[ -z $__pg_dpend ]] && return 0
  __pg_dpend=
  __pg_fallback "$__pg_dreq"
}

# --- config changes reach open shells: a check reply carries the daemon's config generation when
# it differs from this hook's (__pg_gen); at the next prompt the hook regenerates its settings
# and production test from `prodguard init SHELL --reload` (a fork, once per change: in
# production only, never on the per-line path), then keeps going with the same session. A
# generation it already reloaded for is not tried again (an invalid config.json would otherwise
# make every line reload).
# At most one regeneration per 30 s: a process answering in the daemon's place could name a new
# generation in every reply (docs/security.md).
__pg_reload_due= __pg_reload_tried= __pg_reload_at=0
__pg_reload() {
  local code
  (( EPOCHSECONDS - __pg_reload_at < 30 )) && return 0
  __pg_reload_at=$EPOCHSECONDS
  __pg_reload_tried=$__pg_reload_due __pg_reload_due=
  [[ -f $__pg_bin ]] || return 0
  code=$("$__pg_node" "$__pg_bin" init "$1" --reload 2>/dev/null) && [[ $code == *__pg_rebuild* ]] || return 0
  eval "$code"
  __pg_say "prodguard: the configuration changed: this shell's guard was regenerated from it."
}

# The off switch, from the production test's __pg_p (signals say production) and __pg_off
# (PRODGUARD_DISABLE truthy): each turn off and each turn back on in production is an event, and
# __pg_cause says why the shell enters or leaves at this prompt (`signals` unless set here; the
# prompt work clears it). Called only while the switch is on or was (no arguments: zsh inlines it).
__pg_disabled_sent= __pg_cause=load
__pg_switches() {
  if (( __pg_p && __pg_off )); then
    __pg_cause=disable
    [[ -n $__pg_disabled_sent ]] || { __pg_disabled_sent=1; __pg_session_event disabled disable; }
  elif [[ -n $__pg_disabled_sent ]]; then
    __pg_disabled_sent=
    if (( __pg_p )); then __pg_cause=enable; __pg_session_event enabled enable; fi
  fi
}

# __pg_suspect: set by __pg_decide when its line could change the guard itself (names a hook
# function, sources or evals text, sets traps, options, key bindings or widgets): the self-check
# of the next prompt reads the hook's function text only then (and at every 64th prompt), since
# reading it costs more than the rest of a line (~1 ms).
__pg_suspect=1 __pg_checks=0

# Session event $1 (start, end, disabled, enabled, tampered) caused by $2 (protocol.ts
# SESSION_CAUSES; for tampered: what was found changed). Each carries its own cmd number: every
# leave, re-enter, off and on switch is its own row, and a spooled copy is still stored once.
__pg_session_event() {
  (( ++__pg_cmd ))
  __pg_now
  __pg_envjson
  __pg_json "$PWD"
  __pg_record "$__pg_vhead,\"op\":\"session\",\"origin\":$__pg_origin,\"cmd\":$__pg_cmd,\"event\":\"$1\",\"cause\":\"$2\",\"env\":$__pg_env,\"cwd\":\"$__pg_js\",\"ts\":$__pg_ms}"
}

