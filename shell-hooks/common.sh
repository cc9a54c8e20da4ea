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
# The directory is 0700 and the file 0600 whatever the user's umask.
__pg_spool() {
  local req=${1%\}},\"via\":\"spool\"}
  if [[ ! -d $__pg_spooldir ]]; then
    (umask 077 && command mkdir -p -- "$__pg_spooldir") 2>/dev/null || return 1
  fi
  local um=$__pg_umask
  builtin umask 077
  printf '%s\n' "$req" >>"$__pg_spooldir/$__pg_session.ndjson" 2>/dev/null
  local rc=$?
  builtin umask "$um"
  return $rc
}

# The local check used only while the daemon is unreachable: fails closed on anything that looks
# destructive (the daemon's engine is the real judge; this is a coarse word list).
__pg_local_re='(^|[[:space:];&|(){}`$/"'\''=])(rm|rmdir|unlink|dd|mkfs|shred|truncate|wipefs|fdisk|parted|drop|dropdb|delete|flushall|flushdb|push|destroy|reset[[:space:]]+--hard|clean[[:space:]]+-[[:alnum:]]*f|prune|terminate|shutdown|reboot|halt|poweroff|kill|pkill|killall|uninstall|purge|wipe|erase|remove|drain|scale|rollback|chmod|chown|mv|crontab|iptables|dropdatabase|deletemany|deleteone)([[:space:];&|(){}`"'\''.]|$)'

# Reply prefixes: every success starts with __pg_ok; a plain allow is exactly __pg_allow_head
# followed by ,"detail":... (the hooks stop reading there).
__pg_ok='{"v":1,"ok":true'
# The whole reply to a finish sent with "ack":"short", newline included (protocol.ts SHORT_OK).
__pg_short_ok='{"v":1,"ok":true}'$'\n'
__pg_allow_head='{"v":1,"ok":true,"verdict":"allow","phrase":"","dryRun":false,"message":""'
# The fixed head of a check reply: {"v":1,"ok":true,"verdict":..,"phrase":..,"dryRun":..,"message":..
__pg_re_check='^\{"v":1,"ok":true,"verdict":"(allow|confirm|block)","phrase":"(([^"\\]|\\.)*)","dryRun":(true|false),"message":"(([^"\\]|\\.)*)"'

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

# Request $1 the daemon did not take: into the spool, or said on the terminal.
__pg_fallback() {
  __pg_start_daemon
  __pg_spool "$1" || __pg_say "prodguard: could not record this line: the daemon did not take it and the spool ($__pg_spooldir) is not writable (disk full?)"
}

# At most once per 10 s, in the background; PRODGUARD_NO_AUTOSTART=1 when a service manager owns it.
__pg_start_daemon() {
  [[ -n ${PRODGUARD_NO_AUTOSTART-} ]] && return
  (( EPOCHSECONDS - __pg_start_tried < 10 )) && return
  __pg_start_tried=$EPOCHSECONDS
  [[ -f $__pg_bin ]] && ( "$__pg_node" "$__pg_bin" daemon start >/dev/null 2>&1 </dev/null & )
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
  __pg_req="{\"v\":1,\"op\":\"check\",\"origin\":$__pg_origin,\"cmd\":$__pg_cmd,\"line\":\"$__pg_js\",\"cwd\":\"$__pg_cwd_js\",\"env\":$__pg_env$__pg_defs,\"ts\":$__pg_ms}"
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
}

# Decides line $1: 0 runs it, 1 refuses it. Records what happened.
__pg_decide() {
  __pg_line=$1
  __pg_linereq
  if __pg_send "$__pg_req" check && __pg_parse_reply; then
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
    if [[ $__pg_reply == '{"v":1,"ok":false,"error":"'* ]]; then
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
  __pg_later="{\"v\":1,\"op\":\"finish\",\"origin\":$__pg_origin,\"cmd\":$__pg_ran,\"exit\":$__pg_ex,\"durationMs\":${__pg_d/.1/.},\"ts\":$__pg_ms,\"ack\":\"short\"}"
  __pg_send_later || __pg_fallback "$__pg_later"
  __pg_ran=
}

# The reply to the request __pg_send_later left open (a finish), when no request went on its
# connection after it (__pg_send reads it there): before another finish, and when the shell
# exits. Anything but ok (the daemon died before committing it, or hangs) spools the request:
# the record is not lost, and a duplicate is stored once.
__pg_collect() {
  [[ -n $__pg_dfd ]] || return 0
  __pg_read_ok "$__pg_dfd"
  local ok=$?
  exec {__pg_dfd}>&-
  __pg_dfd=
  (( ok == 0 )) || __pg_fallback "$__pg_dreq"
}

__pg_session_event() {
  __pg_now
  __pg_envjson
  __pg_json "$PWD"
  __pg_record "{\"v\":1,\"op\":\"session\",\"origin\":$__pg_origin,\"event\":\"$1\",\"env\":$__pg_env,\"cwd\":\"$__pg_js\",\"ts\":$__pg_ms}"
}

