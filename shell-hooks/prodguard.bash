# prodguard bash hook. Load it with:  eval "$(prodguard init bash)"
# `prodguard init bash` prints a generated header (settings, __pg_prod_test), shell-hooks/common.sh
# and this file.
#
# How it guards (design notes, "Blocking a command"): with `shopt -s extdebug`, a DEBUG trap that
# returns 1 skips the command about to run. The decision is taken ONCE per line, at the first DEBUG
# trap of a line; a refused line keeps returning 1 until the next prompt. A new line is detected by
# a counter that PS0 increments (PS0 is expanded once per line read, before anything runs). The
# whole line comes from `history 1`; when the line did not reach history (ignorespace, ignoredups,
# `set +o history`: HISTCMD is not the number precmd saw) every simple command ($BASH_COMMAND) is
# checked on its own instead.
#
# Outside production the only per-prompt cost is __pg_prod_test; the DEBUG trap, extdebug and the
# PS0 counter are installed when the shell enters production and removed when it leaves.

[[ $- == *i* ]] || return 0
if [[ -n ${PRODGUARD_HOOK_LOADED-} ]]; then return 0; fi
PRODGUARD_HOOK_LOADED=1
export PRODGUARD_HOOK=bash

__pg_host=${HOSTNAME%%.*}
__pg_session=${__pg_host}-$$-${EPOCHSECONDS}-${RANDOM}${RANDOM}
__pg_session=${__pg_session//[^A-Za-z0-9._:@-]/_}
__pg_tty=$(tty 2>/dev/null) || __pg_tty=
__pg_umask=$(builtin umask)
__pg_json "$__pg_tty"; __pg_origin="{\"session\":\"$__pg_session\",\"shell\":\"bash\",\"pid\":$$,\"tty\":\"$__pg_js\""
__pg_json "${USER:-${LOGNAME:-}}"; __pg_origin+=",\"user\":\"$__pg_js\""
__pg_json "$__pg_host"; __pg_origin+=",\"host\":\"$__pg_js\"}"
__pg_linefile=$__pg_spooldir/.line.$$

__pg_cmd=0          # per-shell command counter (the protocol's `cmd`)
__pg_prod=0         # 1 while the shell is in production (guard installed)
__pg_state=prompt   # prompt | ok | skip | each | rerun : what the DEBUG trap does with the current line
__pg_h= __pg_rerun_of= # a line read from history; the fc line whose re-run is still to be decided
__pg_n=0            # incremented by PS0 once per line read
__pg_seen=0         # the value of __pg_n the current line was decided at
__pg_nexthc=0       # HISTCMD at the prompt: the number the next line gets if history keeps it
__pg_ran=           # cmd number of the line that ran (finish is sent at the next prompt)
__pg_port= __pg_token= __pg_knock= __pg_hello= # read from the run directory at the first request (__pg_conn_read)
__pg_fd= __pg_why=   # the connection __pg_open made; why the daemon was not used (said once)
__pg_dfd= __pg_dpend= __pg_dreq= __pg_dpid= # the kept connection; set while the reply to finish __pg_dreq is unread on it; the shell that opened it
__pg_defs= __pg_alw=() # the line's alias/function definitions for the check request, its alias words (__pg_defsjson)
__pg_line= __pg_later= __pg_d= __pg_w= # the line being decided, the finish being sent and its duration (zsh inlines their helpers)
__pg_orig_debug=    # the DEBUG trap found when the shell entered production, restored on leaving
__pg_trapok=        # set by our DEBUG trap when it runs for __pg_precmd
__pg_trapstr=       # the DEBUG trap text we install (__pg_trap_install)
__pg_recheck=       # set by __pg_precmd_run when our DEBUG trap must be checked (and chained)
__pg_ex=0           # the exit status of the line, which __pg_precmd hands on
__pg_entering=      # set by the prompt work when the shell enters production (see __pg_enter_traced)
__pg_pending=       # set while asking: a Ctrl-C there leaves it set, the next prompt records it
__pg_start_tried=0  # when the hook last tried to start the daemon (EPOCHSECONDS)
__pg_ps0_part='${PS0:0:$((++__pg_n,0))}'

# --- transport: loopback TCP with the token, over one connection kept open while the daemon
# keeps it (it closes one idle for daemon.idleTimeoutMs; the hook then proves a new one). PIPE is
# ignored around every write: an fd held to a dead daemon gets bash killed by SIGPIPE (design
# notes). The connection is inherited by the commands the line runs, as any open fd of the shell
# is (bash has no close-on-exec for it); it carries nothing they could not do with the token
# file, which is theirs to read too (same user).
__pg_conn_read() {
  __pg_port= __pg_token= __pg_knock= __pg_hello=
  [[ -z $__pg_untrusted && -O $__pg_rundir ]] || return 1
  IFS= read -r __pg_port <"$__pg_portfile" 2>/dev/null
  IFS= read -r __pg_token <"$__pg_tokenfile" 2>/dev/null
  IFS= read -r __pg_knock <"$__pg_knockfile" 2>/dev/null
  IFS= read -r __pg_hello <"$__pg_prooffile" 2>/dev/null
  [[ -n $__pg_port && $__pg_port != *[!0-9]* && -n $__pg_token && -n $__pg_knock && -n $__pg_hello && $__pg_hello != *[!0-9a-f]* ]] || return 1
  __pg_knock=$__pg_knock_head$__pg_knock$__pg_hello_tail
  __pg_hello=$__pg_hello_head$__pg_hello$__pg_hello_tail
}

# A new connection into __pg_fd, once the listener has answered the knock with the proof
# (protocol.ts knockLine): the token and the command text go only to the daemon of this user.
# An impostor on the port (bound after a crash) learns a knock that opens nothing and cannot
# answer. The whole proof is read under the timeout (a listener that sends part of it and
# stalls must not hold the shell; `read -t` costs two sigprocmask calls a character, ~80 us here,
# once per connection); anything else closes the connection unused.
__pg_open() {
  local h=
  exec {__pg_fd}<>"/dev/tcp/127.0.0.1/$__pg_port" || return 1
  trap '' PIPE
  printf '%s' "$__pg_knock" >&"$__pg_fd"
  if IFS= read -r -t "$__pg_timeout" -N ${#__pg_hello} -u "$__pg_fd" h && [[ $h == "$__pg_hello" ]]; then return 0; fi
  trap - PIPE
  exec {__pg_fd}>&-
  __pg_why="the listener on 127.0.0.1:$__pg_port could not prove it is the prodguard daemon; nothing of this line was sent to it"
  return 1
}

# Sends request $1, reply in __pg_reply (with $2 = check: the reply's head fields, see
# __pg_re_check). When the daemon cannot be reached, cannot prove itself or says no, a check is
# decided by the full engine locally (__pg_guard_local); anything else fails (and is spooled).
__pg_send() {
  if __pg_send_daemon "$@"; then __pg_degraded=; return 0; fi
  [[ ${2-} == check ]] && __pg_guard_local "$1"
}

# - The first try goes on the kept connection (__pg_dfd), after the finish left unread on it
#   (__pg_dpend, see __pg_send_later): the daemon answers in order, and the finish's reply, asked
#   for in its short form, is exactly __pg_short_ok, read by its length. When the daemon closed
#   that connection meanwhile (idle timeout, restart) or did not acknowledge the finish, the
#   finish is spooled and the request goes on a new connection (a timeout is final).
# - A check asks for the short reply ("ack":"short"): a plain allow is exactly __pg_allow_short,
#   read by its length, which leaves the connection at a line's end for the finish. Any other
#   reply is read to its newline (a byte a syscall, and only then).
# - Only the first byte of a reply is waited for with a timeout: under `read -t` bash makes two
#   sigprocmask calls per character it reads, and the daemon writes each reply with one
#   write(2), so once its first byte is in, the line is (the listener proved it is the daemon
#   first: __pg_open). `read -N` with a count reads the bytes with one read(2).
# - One stderr redirection for the whole function: each `2>/dev/null` costs ~10 syscalls.
__pg_send_daemon() {
  local fd try rest= fin req=${1%\}}
  __pg_reply= __pg_why=
  # A subshell (a pipeline part under `set -T`) shares the kept connection's fd with its shell:
  # replies would cross. It opens its own.
  [[ -z $__pg_dfd || $BASHPID == "$__pg_dpid" ]] || __pg_dfd= __pg_dpend=
  [[ -n ${2-} ]] && req+=',"ack":"short"'
  for try in 1 2; do
    fin=
    if [[ $try == 1 && -n $__pg_dfd ]]; then
      fd=$__pg_dfd fin=$__pg_dpend
      # Nothing pending, yet readable: the daemon closed it (idle timeout); a new one, unused.
      [[ -z $fin ]] && IFS= read -r -t 0 -u "$fd" && { __pg_drop; continue; }
    else
      __pg_drop
      if [[ -z $__pg_port || $try == 2 ]]; then __pg_conn_read || return 1; fi
      __pg_open || continue
      fd=$__pg_fd
    fi
    __pg_dfd= __pg_dpend=
    trap '' PIPE
    printf '%s\n' "$req,\"token\":\"$__pg_token\"}" >&"$fd"
    if [[ -n $fin ]]; then
      IFS= read -r -t "$__pg_timeout" -N 1 -u "$fd" __pg_reply && IFS= read -r -N $((${#__pg_short_ok} - 1)) -u "$fd" rest
      fin=$?
      if [[ $__pg_reply$rest != "$__pg_short_ok" ]]; then
        exec {fd}>&-
        trap - PIPE
        __pg_reply=
        __pg_fallback "$__pg_dreq"
        (( fin > 128 )) && return 1
        continue
      fi
    fi
    # A timeout (status > 128) is final: reading on for the rest would wait a second timeout.
    IFS= read -r -t "$__pg_timeout" -N 1 -u "$fd" __pg_reply || {
      if (( $? > 128 )); then
        exec {fd}>&-
        trap - PIPE
        __pg_why="the daemon did not answer within ${__pg_timeout} s"
        return 1
      fi
    }
    IFS= read -r -N $((${#__pg_ok} - 1)) -u "$fd" rest
    __pg_reply+=$rest
    if [[ $__pg_reply == "$__pg_ok" ]]; then
      if [[ -n ${2-} ]]; then
        # The common answer (allow, nothing to say) is exactly __pg_allow_short: one more read.
        IFS= read -r -N $((${#__pg_allow_short} - ${#__pg_ok})) -u "$fd" rest
        __pg_reply+=$rest
        if [[ $__pg_reply != "$__pg_allow_short" ]]; then
          IFS= read -r -t "$__pg_timeout" -u "$fd" rest
          __pg_reply+=$rest
          # The daemon could not store the record (disk full): a copy in the spool as well.
          [[ $__pg_reply == *"$__pg_unrecorded"* ]] && __pg_spool_copy "$1"
        fi
        # Read to its end: the connection stays, for the line's finish.
        __pg_dfd=$fd __pg_dpid=$BASHPID
      else
        exec {fd}>&-
      fi
      trap - PIPE
      return 0
    fi
    IFS= read -r -t "$__pg_timeout" -u "$fd" rest
    __pg_reply+=$rest
    exec {fd}>&-
    trap - PIPE
    # The kept connection closed (no first byte: try a new one), or a token refused (the daemon
    # restarted with a new one); anything else (timeout) is final.
    [[ -z $__pg_reply && $try == 1 ]] || [[ $__pg_reply == *'token'* ]] || return 1
  done
  return 1
} 2>/dev/null

# Sends request __pg_later (a finish) on the kept connection and leaves its reply unread:
# nothing in it changes what the shell does next, and waiting for the daemon's commit before the
# prompt was half the hook's cost. The next request reads it (__pg_send), else __pg_collect. Also
# checks, once a line, that nobody swapped the spool or planted a symlink at our line file.
__pg_send_later() {
  __pg_paths_ok
  [[ -n $__pg_dpend ]] && __pg_collect
  # Readable with nothing pending: the daemon closed it (idle timeout).
  [[ -n $__pg_dfd ]] && IFS= read -r -t 0 -u "$__pg_dfd" && __pg_drop
  if [[ -z $__pg_dfd ]]; then
    if [[ -z $__pg_port ]]; then __pg_conn_read || return 1; fi
    # Refused or not proven: the daemon may have restarted on another port with another proof.
    __pg_open || { __pg_conn_read && __pg_open; } || return 1
    __pg_dfd=$__pg_fd __pg_dpid=$BASHPID
  fi
  trap '' PIPE
  printf '%s\n' "${__pg_later%\}},\"token\":\"$__pg_token\"}" >&"$__pg_dfd"
  trap - PIPE
  __pg_dpend=1 __pg_dreq=$__pg_later
} 2>/dev/null

# 0 when the reply on fd $1 is exactly __pg_short_ok (the first byte waited for, as in __pg_send).
__pg_read_ok() {
  local r= rest=
  IFS= read -r -t "$__pg_timeout" -N 1 -u "$1" r && IFS= read -r -N $((${#__pg_short_ok} - 1)) -u "$1" rest
  [[ $r$rest == "$__pg_short_ok" ]]
} 2>/dev/null

# The JSON of the forwarded variables, rebuilt only when their values changed (__pg_envsig_code
# joins them; the loop costs ~0.07 ms a line).
__pg_define_envjson() {
  eval "__pg_envjson() {
    local sig=$__pg_envsig_code n s=
    [[ \$sig == \"\$__pg_envsig\" ]] && return 0
    __pg_envsig=\$sig
    for n in \"\${__pg_envnames[@]}\"; do
      [[ -n \${!n-} ]] || continue
      __pg_json \"\${!n}\"
      s+=\${s:+,}\"\\\"\$n\\\":\\\"\$__pg_js\\\"\"
    done
    __pg_env=\"{\$s}\"
  }"
  __pg_envsig=$'\x01'
}
__pg_define_envjson

# Reply fields into __pg_r_*: one regex, nothing evaluated (the common plain allow without one:
# bash compiles the regex at every match, ~0.25 ms).
__pg_parse_reply() {
  if [[ $__pg_reply == "$__pg_allow_short" ]]; then
    __pg_r_verdict=allow __pg_r_phrase= __pg_r_dry=false __pg_r_msg= __pg_r_gen=
    return 0
  fi
  [[ $__pg_reply =~ $__pg_re_check ]] || return 1
  __pg_r_verdict=${BASH_REMATCH[1]} __pg_r_phrase=${BASH_REMATCH[2]} __pg_r_dry=${BASH_REMATCH[4]} __pg_r_msg=${BASH_REMATCH[5]}
  __pg_r_gen=${BASH_REMATCH[8]}
}

__pg_local_match() {
  local lower=${1,,}
  if [[ $lower =~ $__pg_local_re ]]; then __pg_word=${BASH_REMATCH[2]}; return 0; fi
  [[ $lower =~ $__pg_local_re2 ]] || return 1
  __pg_word=${BASH_REMATCH[0]}
}

__pg_say() {
  printf '%s\n' "$1" >/dev/tty 2>/dev/null || printf '%s\n' "$1" >&2
}

# Asks for phrase $1 on the terminal. 0 when typed exactly.
__pg_ask() {
  local ans
  __pg_pending=1
  printf 'Type "%s" to run it (anything else cancels): ' "$1" >/dev/tty
  if ! IFS= read -r ans </dev/tty; then
    printf '\n' >/dev/tty
    ans=$'\x01'
  fi
  __pg_pending=
  [[ $ans == "$1" ]]
}

# The output of builtin "$@" into __pg_out, through our line file (no fork). The file is rewritten
# in place (1<>, never O_TRUNC) with a NUL after the text: on ext4 a truncate followed by a write
# makes close() start writeback (auto_da_alloc), measured at ~1.9 ms per call, more than the rest
# of the hook together; in place it is ~0.06 ms. (Traced, for `trap -p`; the line's own capture is
# written out in __pg_newline, untraced.)
__pg_capture() {
  __pg_out=
  [[ -L $__pg_linefile ]] && return 1 # never followed (docs/security.md)
  { "$@"; printf '\0'; } 1<>"$__pg_linefile" 2>/dev/null || return 1
  IFS= read -r -d '' __pg_out <"$__pg_linefile"
  return 0
}

# The definitions of the line's words that are aliases or functions, as the check request's
# `"defs"` member in __pg_defs ('' when none): the daemon expands them before judging the line.
# Only words in command position (the first, and after ; | & ( ) ` or a reserved word, past
# VAR=value prefixes) are looked up: that is where the shell expands an alias or calls a function,
# and `declare -F` costs a redirection (~8 syscalls) per word. A function's text comes through the
# line file (__pg_capture: `declare -f` has no fork-free form before bash 5.3), blanked after
# reading. `local -` keeps the `set -f` (no globbing of the words) to this function (bash >= 4.4).
__pg_defsjson() {
  __pg_defs= __pg_alw=()
  # Most lines: no separator, and the first word is a plain name that is neither an alias nor a
  # function: nothing else is in command position, nothing to send (no word splitting, no
  # `local -`). Anything else (VAR=value, a reserved word first) takes the general path.
  if [[ $__pg_line != *[\;\|\&\(\)\`$'\n']* ]]; then
    __pg_w=${__pg_line#"${__pg_line%%[![:space:]]*}"} __pg_w=${__pg_w%%[[:space:]]*}
    case $__pg_w in
      '' | *[!A-Za-z0-9_.:@%+-]* | if | then | else | elif | do | while | until | time) ;;
      *) [[ -z ${BASH_ALIASES[$__pg_w]+x} ]] && ! declare -F -- "$__pg_w" >/dev/null && return 0 ;;
    esac
  fi
  local - w n=0 at=1 al='' fl='' sep=0
  local s=${__pg_line//[;|&()\`$'\n']/ ; }
  [[ $s == "$__pg_line" ]] || sep=1
  set -f
  for w in $s; do
    (( ++n > 64 )) && break
    case $w in
      ';' | if | then | else | elif | do | while | until | '!' | time | '{') at=1; continue ;;
    esac
    # past the command word of a line with no separator, nothing else is in command position
    if (( ! at )); then (( sep )) && continue; break; fi
    [[ $w == [A-Za-z_]*=* ]] && continue
    at=0
    [[ $w == [A-Za-z0-9_.:@%+-]* && $w != *[!A-Za-z0-9_.:@%+-]* && $w != __pg_* ]] || continue
    if [[ -n ${BASH_ALIASES[$w]+x} && $al != *"\"$w\":"* ]]; then
      __pg_json "${BASH_ALIASES[$w]}"; al+="${al:+,}\"$w\":\"$__pg_js\""
      __pg_alw+=("$w")
    fi
    # (the wrap functions of psql & co. are the hook's own: the engine judges the client itself)
    if [[ $fl != *"\"$w\":"* && " ${__pg_wrap_defined[*]} " != *" $w "* ]] && declare -F -- "$w" >/dev/null && __pg_capture declare -f -- "$w"; then
      printf '%*s' $((${#__pg_out} * 4)) '' 1<>"$__pg_linefile" 2>/dev/null
      __pg_json "$__pg_out"; fl+="${fl:+,}\"$w\":\"$__pg_js\""
    fi
  done
  [[ -n $al$fl ]] || return 0
  __pg_defs=",\"defs\":{\"aliases\":{$al},\"functions\":{$fl}}"
}

# First DEBUG trap of a line: read the whole line from history when it is there, through the line
# file as __pg_capture does, then blank what was read (4 bytes per character covers any UTF-8): no
# command text is left behind. Untraced, and `2>/dev/null` only where a full disk or a changed mode
# would print an error on every line (the directory is tested first): each redirection costs ~8
# syscalls, each DEBUG trap run in a traced function ~5 (sigprocmask).
# `history` prints "%5d%c %s": the number, '*' (modified) or ' ', a space, the line. The number
# is HISTCMD's, so the prefix is matched as a string (a regex is compiled at every match in bash).
__pg_newline() {
  __pg_h=
  # A later line of a multi-line input: decided with its first line.
  [[ -n $__pg_inblock ]] && return 0
  if [[ -n $__pg_block ]]; then
    __pg_inblock=$__pg_block __pg_block=
    if __pg_decide "$__pg_inblock"; then __pg_state=ok; else __pg_state=skip; __pg_block_dropped; fi
    return 0
  fi
  (( HISTCMD > 0 && HISTCMD == __pg_nexthc )) && __pg_histline
  if [[ -z $__pg_h ]]; then
    __pg_state=each
  elif __pg_decide "$__pg_h"; then
    __pg_state=ok
    # `fc -s`, `fc -e -` and fc's editor run history entries inside this line: the line that
    # really runs is read again at its first command (bash puts it into history in place of the
    # fc line) and decided then (__pg_rerun).
    if [[ $__pg_h == *fc* && $__pg_h =~ $__pg_fc_re ]] || { (( ${#__pg_alw[@]} )) && __pg_fc_alias_used; }; then
      __pg_state=rerun __pg_rerun_of=$__pg_h
    fi
  else
    __pg_state=skip
  fi
}
# What a refused multi-line input did: nothing ran, each of its lines was dropped.
__pg_block_dropped() {
  local l n=0 list=
  while IFS= read -r l; do
    [[ -n ${l//[[:space:]]/} ]] || continue
    (( ++n )); list+=$'\n'"  $l"
  done <<<"$__pg_inblock"
  __pg_say "prodguard: none of the $n lines of that input ran; dropped:$list"
}
__pg_fc_re='(^|[[:space:];&|(){}`])fc([[:space:];&|)]|$)'

# Whether an alias in command position on the line (__pg_alw, found by __pg_defsjson) runs fc
# (`alias r='fc -s'`, ksh's habit), directly or through another alias (`alias again=r`): the
# line then re-runs history as fc itself does (bash expands aliases after the hook has the
# line's text). Each BASH_ALIASES lookup costs bash a rebuild of the whole table: only these.
__pg_fc_alias_used() {
  local w v k
  for w in "${__pg_alw[@]}"; do
    for (( k = 0; k < 8; k++ )); do
      [[ -n ${BASH_ALIASES[$w]+x} ]] || break
      v=${BASH_ALIASES[$w]}
      [[ $v =~ $__pg_fc_re ]] && return 0
      v=${v#"${v%%[![:space:]]*}"} w=${v%%[[:space:]]*}
      [[ -n $w ]] || break
    done
  done
  return 1
}

# At each top-level command of a line that called fc: fc itself runs; the first command whose
# history line differs from the fc line is a re-run, decided as any line (the same phrase as
# the first time). Not `__pg_state=each`: a re-run of `a && rm x` is decided whole.
__pg_rerun() {
  [[ $BASH_COMMAND == fc || $BASH_COMMAND == fc[[:space:]]* ]] && return 0
  __pg_histline
  if [[ -z $__pg_h ]]; then
    # History unreadable: each command fc runs is checked on its own.
    __pg_decide "$BASH_COMMAND" && return 0
    __pg_state=skip
    return 1
  fi
  [[ $__pg_h == "$__pg_rerun_of" ]] && return 0
  __pg_state=ok
  __pg_decide "$__pg_h" && return 0
  __pg_state=skip
  return 1
}

# `history 1`'s line into __pg_h ('' when it cannot be read).
__pg_histline() {
  local h= p
  if [[ -d $__pg_spooldir && ! -L $__pg_linefile ]] &&
    { HISTTIMEFORMAT= builtin history 1; printf '\0'; } 1<>"$__pg_linefile" 2>/dev/null &&
    IFS= read -r -d '' h <"$__pg_linefile"; then
    [[ -n $h ]] && printf '%*s' $((${#h} * 4)) '' 1<>"$__pg_linefile"
    printf -v p '%5d' "$HISTCMD"
    if [[ $h == "$p"[\ \*]\ *$'\n' ]]; then
      h=${h:${#p}+2:${#h}-${#p}-3}
    elif [[ $h =~ ^\ *[0-9]+\*?\ \  ]]; then
      h=${h:${#BASH_REMATCH}}
      h=${h%$'\n'}
    else
      h=
    fi
  fi
  __pg_h=$h
}

__pg_debug() {
  # The prompt begins: whatever the last line was, prompt commands run.
  # (__pg_trapok: our trap is the one in place at the top level; __pg_precmd reads it.)
  if [[ $BASH_COMMAND == __pg_precmd ]]; then __pg_state=prompt __pg_trapok=1 __pg_inblock= __pg_block=; return 0; fi
  # Without extdebug the trap's status is ignored and a refused command would run anyway: it
  # goes back on here, before the status counts (bash reads the option after the trap).
  if [[ $__pg_state == skip ]]; then shopt -q extdebug || __pg_extdebug_restore; return 1; fi
  (( ${#FUNCNAME[@]} > 1 )) && return 0
  if (( __pg_n != __pg_seen )); then
    __pg_seen=$__pg_n
    shopt -q extdebug || __pg_extdebug_restore
    __pg_newline
  fi
  case $__pg_state in
    skip) return 1 ;;
    each)
      __pg_decide "$BASH_COMMAND" && return 0
      __pg_state=skip
      return 1 ;;
    rerun) __pg_rerun || return 1 ;;
  esac
  return 0
}

# The command of the trap on $1 into __pg_trapcmd. Not $(trap -p): a command substitution is a
# subshell, where the DEBUG trap is already reset. And inside a function the DEBUG trap only shows
# with extdebug/functrace on when the function was called: at load this runs at the top level,
# later only in production. The file is ours (0700 dir), the text bash's own quoting.
__pg_trap_of() {
  __pg_capture builtin trap -p "$1"
  __pg_trap_parse "$__pg_out" "$1"
}
__pg_trap_parse() {
  local tp=${1%$'\n'}
  __pg_trapcmd=
  if [[ $tp == "trap -- "*" $2" ]]; then
    tp=${tp#trap -- }
    eval "__pg_trapcmd=${tp% "$2"}"
  fi
}

# Our DEBUG trap, chained in front of the one found (its `$_` and its status kept). extdebug also
# turns on functrace, which makes the trap fire inside every function: at each prompt that was
# some 150 runs of the trap in our own functions (each run re-parses the trap string and blocks
# signals: ~2 ms per line). The hook only decides at the top level, so functrace goes back off
# (unless the user had it); __pg_precmd and the functions that read the trap text are traced
# (declare -ft) so that `trap -p DEBUG` still shows the trap there. Where the trap fires inside a
# function it costs one test, and the chained trap is spared our own functions.
__pg_trap_install() {
  __pg_orig_debug=$1
  if [[ -n $1 ]]; then
    __pg_trapstr="__pg_lastarg=\$_; [[ \${FUNCNAME-} == __pg_* ]] || { [[ -n \${FUNCNAME-} ]] || __pg_debug && { : \"\$__pg_lastarg\"; $1
}; }"
  else
    # (__pg_postcmd needs nothing of __pg_debug: the prompt began at __pg_precmd.)
    __pg_trapstr='[[ -n ${FUNCNAME-} || $BASH_COMMAND == __pg_postcmd || $BASH_COMMAND == __pg_rl_accept ]] || __pg_debug'
  fi
  trap -- "$__pg_trapstr" DEBUG
}

# --- entering and leaving production
__pg_enter() {
  __pg_prod=1
  shopt -q extdebug && __pg_had_extdebug=1 || __pg_had_extdebug=
  [[ $- == *T* ]] && __pg_had_functrace=1 || __pg_had_functrace=
  shopt -s extdebug promptvars
  [[ -n $__pg_had_functrace ]] || set +o functrace
  __pg_trap_install "$__pg_orig_debug"
  [[ ${PS0-} == *"$__pg_ps0_part"* ]] || PS0+=$__pg_ps0_part
  __pg_seen=$__pg_n
  __pg_wrap_define
  __pg_keys_on
  __pg_session_event start "${__pg_cause:-signals}"
  # For status lines and `prodguard prompt` (docs/deployment.md): this shell is guarded production.
  export PRODGUARD_PRODUCTION=1
}

__pg_leave() {
  __pg_prod=0
  if [[ -n $__pg_orig_debug ]]; then trap -- "$__pg_orig_debug" DEBUG; else trap - DEBUG; fi
  [[ -n $__pg_had_extdebug ]] || shopt -u extdebug
  [[ -n $__pg_had_functrace ]] && set -o functrace
  PS0=${PS0-}; PS0=${PS0//"$__pg_ps0_part"/}
  __pg_keys_off
  __pg_wrap_undefine
  __pg_session_event end "${__pg_cause:-signals}"
  unset PRODGUARD_PRODUCTION
}

# --- multi-line input is one decision. bash reads a pasted block (bracketed paste puts it into
# the line buffer whole) or typed-ahead lines and runs them one line at a time, with no prompt in
# between: the DEBUG trap of line 1 cannot see lines 2 and 3. So in production Enter and Ctrl-J
# first run __pg_rl_accept (a readline macro: `bind -x` function, then accept-line), which sees
# the whole buffer and takes in the lines typed ahead (unread on the terminal), and keeps a
# buffer of more than one line in __pg_block: the first line's DEBUG trap decides the block as
# a whole, the other lines of it follow that decision (a refusal runs none of them and says
# which were dropped). One line and nothing typed ahead (the common case) costs one test.
__pg_block= __pg_inblock=
__pg_rl_accept() {
  local more= c
  # Typed ahead: bytes already on the terminal (readline has it raw: \r ends a line).
  if read -t 0; then
    while IFS= read -r -s -t 0.02 -n 1 -d '' c; do more+=$c; done
    more=${more//$'\r'/$'\n'}
    more=${more%$'\n'}
    READLINE_LINE+=$'\n'$more
  fi
  [[ $READLINE_LINE == *$'\n'* ]] && __pg_block=$READLINE_LINE
  return 0
}
__pg_keys_on() {
  local m
  for m in emacs vi-insert; do
    bind -m "$m" -x '"\C-x\C-g\C-p": __pg_rl_accept'
    bind -m "$m" '"\C-x\C-g\C-a": accept-line'
    bind -m "$m" '"\C-m": "\C-x\C-g\C-p\C-x\C-g\C-a"'
    bind -m "$m" '"\C-j": "\C-x\C-g\C-p\C-x\C-g\C-a"'
  done
} 2>/dev/null
__pg_keys_off() {
  local m
  for m in emacs vi-insert; do
    bind -m "$m" '"\C-m": accept-line'
    bind -m "$m" '"\C-j": accept-line'
  done
} 2>/dev/null

__pg_wrap_defined=()
__pg_wrap_define() {
  (( __pg_wrap )) && [[ -f $__pg_bin ]] || return 0
  local c
  for c in psql mysql sqlite3 redis-cli mongosh; do
    declare -F "$c" >/dev/null && continue
    # The line's (session, cmd): wrap asks the daemon whether its confirmation covers the input.
    eval "$c() { PRODGUARD_SESSION=\$__pg_session PRODGUARD_CMD=\$__pg_cmd \"\$__pg_node\" \"\$__pg_bin\" wrap $c \"\$@\"; }"
    __pg_wrap_defined+=("$c")
  done
}
__pg_wrap_undefine() {
  local c
  for c in "${__pg_wrap_defined[@]}"; do unset -f "$c"; done
  __pg_wrap_defined=()
}

__pg_marker_apply() {
  (( __pg_marker )) || return 0
  if (( __pg_prod )); then
    local m='[PRODUCTION] '
    [[ -z ${NO_COLOR-} ]] && m='\[\e[31m\][PRODUCTION]\[\e[0m\] '
    [[ $PS1 == "$m"* ]] || PS1=$m${PS1#'[PRODUCTION] '}
  elif [[ $PS1 == *'[PRODUCTION]'* ]]; then
    # (Outside production, the common case, this test is the whole cost.)
    PS1=${PS1#'\[\e[31m\][PRODUCTION]\[\e[0m\] '}
    PS1=${PS1#'[PRODUCTION] '}
  fi
}

# First in PROMPT_COMMAND: closes the last line, re-tests production. Traced (declare -ft, see
# __pg_trap_install) so that the DEBUG trap can be read below it, hence two commands: the trap
# fires on each (~5 sigprocmask calls a run). The work is in the untraced __pg_precmd_run; it
# returns 1 when a traced step is due: a tool set its own DEBUG trap since (bash-preexec installs
# late), which is chained, not lost; or the shell enters production. When our trap ran at the top
# level for this very prompt it is the one in place, and the trap text is not read.
__pg_precmd() {
  __pg_ex=$?
  # Outside production with nothing to close or report (the common case): the production test
  # is the whole work of the prompt.
  if (( ! __pg_prod )) && [[ -z $__pg_pending$__pg_ran$__pg_disabled_sent$__pg_tamper$__pg_dpend ]] && ! __pg_prod_test && (( ! __pg_p )); then
    __pg_trapok= __pg_cause= __pg_nexthc=$HISTCMD
    return $__pg_ex
  fi
  __pg_precmd_run $__pg_ex || __pg_precmd_traced
  return $__pg_ex
}
__pg_precmd_traced() {
  [[ -z $__pg_recheck ]] || __pg_trap_recheck
  [[ -z $__pg_entering ]] || __pg_enter_traced
  [[ -z $__pg_tamper ]] || __pg_tamper_report
}
# Entering production: the DEBUG trap in place now is the one chained (a tool loaded after this
# hook, bash-preexec for one, has set its own since load); read here, where the call chain is
# traced so that `trap -p DEBUG` shows it.
__pg_enter_traced() {
  __pg_entering=
  __pg_trap_of DEBUG
  __pg_orig_debug=$__pg_trapcmd
  __pg_enter
  __pg_cause=
}
__pg_trap_recheck() {
  __pg_trap_of DEBUG
  [[ $__pg_trapcmd == "$__pg_trapstr" ]] && return 0
  # Removed (`trap - DEBUG`) or replaced: ours goes back in front (a replacement chained behind).
  if [[ -z $__pg_trapcmd ]]; then __pg_tamper+=,debug-trap-removed; else __pg_tamper+=,debug-trap-replaced; fi
  __pg_trap_install "$__pg_trapcmd"
}

# --- self re-assertion (before every production line): extdebug, the DEBUG trap (above) and the
# hook's own functions, compared with their text at load. What changed is restored, recorded
# as a `tampered` event (alerted at critical severity) and said on the terminal.
__pg_extdebug_restore() {
  shopt -s extdebug
  [[ -n $__pg_had_functrace ]] || set +o functrace
  __pg_tamper+=,extdebug
}

# The hook functions whose text is held: the decision path, the prompt work, the transport.
__pg_guard_fns=(__pg_debug __pg_newline __pg_histline __pg_rerun __pg_fc_alias_used __pg_decide __pg_linereq __pg_json __pg_json_line
  __pg_parse_reply __pg_ask __pg_say __pg_decision __pg_record __pg_fallback __pg_local_match __pg_mark_ran
  __pg_send __pg_send_daemon __pg_send_later __pg_read_ok __pg_drop __pg_open __pg_conn_read __pg_collect __pg_spool __pg_start_daemon __pg_envjson
  __pg_prod_test __pg_prod_env __pg_kube_refresh __pg_tf_refresh __pg_switches __pg_session_event __pg_finish __pg_now
  __pg_precmd __pg_precmd_run __pg_precmd_traced __pg_postcmd __pg_pc_install __pg_enter __pg_enter_traced
  __pg_leave __pg_trap_recheck __pg_trap_install __pg_trap_of __pg_trap_parse __pg_capture __pg_extdebug_restore
  __pg_selfcheck __pg_functrace_watch __pg_tamper_report __pg_on_exit __pg_exit_trap __pg_rl_accept __pg_block_dropped __pg_keys_on)
declare -A __pg_fn_saved=()

# One `declare -f` of them all compared with the text at load; a function at a time only when
# something differs. After a line that could have changed them (__pg_suspect, set in __pg_decide) and at every
# 64th prompt: the text of ~50 functions costs about 1 ms to produce.
__pg_selfcheck() {
  local f
  __pg_suspect=
  __pg_exit_trap
  __pg_capture declare -f "${__pg_guard_fns[@]}"
  [[ $__pg_out == "$__pg_fn_text" ]] && return 0
  for f in "${__pg_guard_fns[@]}"; do
    __pg_capture declare -f "$f"
    [[ $__pg_out == "${__pg_fn_saved[$f]}" ]] && continue
    eval "${__pg_fn_saved[$f]}"
    __pg_tamper+=,function:$f
  done
  declare -ft __pg_precmd __pg_precmd_traced __pg_enter_traced __pg_trap_recheck __pg_trap_of __pg_capture __pg_tamper_report
}

# A user's `trap '...' EXIT` set after load replaced ours: the session end would be lost. Ours is
# put back in front of theirs (which still runs); not tampering, so not reported.
__pg_exit_trap() {
  __pg_trap_of EXIT
  [[ $__pg_trapcmd == *__pg_on_exit* ]] && return 0
  if [[ -n $__pg_trapcmd ]]; then
    trap -- "__pg_on_exit; $__pg_trapcmd" EXIT
  else
    trap -- '__pg_on_exit' EXIT
  fi
}

# functrace: the guard rests on extdebug, not functrace, and keeps functrace as the user had it.
# Turned off where the user had it on, it is a change: restored and reported. `set +T` where it
# was already off changes nothing, but a production line switching tracing off is an attempt on
# the guard's settings: reported as such (what the line did, that nothing needed restoring).
__pg_re_functrace_off='(^|[;&|({[:space:]])(set[[:space:]]+([^;&|]*[[:space:]])?(\+[[:alpha:]]*T|\+o[[:space:]]+functrace)|shopt[[:space:]]+(-[[:alpha:]]+[[:space:]]+)*-u[[:space:]]+(-[[:alpha:]]+[[:space:]]+)*functrace)'
__pg_functrace_watch() {
  if [[ -n $__pg_had_functrace && $- != *T* ]]; then
    set -o functrace
    __pg_tamper+=,functrace
  elif [[ $__pg_line =~ $__pg_re_functrace_off ]]; then
    __pg_say "prodguard: this line turned functrace off; the guard rests on extdebug and still holds; this is recorded and alerted."
    __pg_session_event tampered "attempt: functrace off, the guard does not rest on it, nothing to restore"
  fi
}

__pg_tamper_report() {
  local what=${__pg_tamper#,}
  __pg_tamper=
  __pg_say "prodguard: the guard was changed in this shell ($what): restored; this is recorded and alerted."
  __pg_session_event tampered "$what"
}
__pg_precmd_run() {
  __pg_ex=$1 __pg_recheck=
  if (( __pg_prod )); then
    # (The gate of __pg_selfcheck here: a function call less per line.)
    if (( ++__pg_checks % 64 == 0 )) || [[ -n $__pg_suspect ]]; then __pg_selfcheck; fi
    [[ -z $__pg_reload_due || $__pg_reload_due == "$__pg_reload_tried" ]] || __pg_reload bash
    shopt -q extdebug || __pg_extdebug_restore
    [[ -n $__pg_ran ]] && [[ -n $__pg_had_functrace || $__pg_line == *set* || $__pg_line == *functrace* ]] && __pg_functrace_watch
    [[ -z $__pg_trapok ]] && __pg_recheck=1
  fi
  __pg_trapok=
  if [[ -n $__pg_pending ]]; then
    __pg_pending=
    printf '\n' >/dev/tty 2>/dev/null
    __pg_decision cancelled
  fi
  [[ -n $__pg_ran ]] && __pg_finish
  __pg_prod_test
  (( __pg_off )) || [[ -n $__pg_disabled_sent ]] && __pg_switches
  if (( __pg_p && ! __pg_off )); then
    (( __pg_prod )) || __pg_entering=1
  elif (( __pg_prod )); then
    __pg_leave
    __pg_recheck=
  fi
  # (Entering is done traced, after this: it clears the cause itself.)
  [[ -n $__pg_entering ]] || __pg_cause=
  __pg_nexthc=$HISTCMD
  # A change found with nothing traced to do: reported here.
  [[ -z $__pg_tamper || -n $__pg_recheck$__pg_entering ]] || __pg_tamper_report
  [[ -z $__pg_recheck$__pg_entering ]]
}

# Last in PROMPT_COMMAND: the marker goes on after prompt tools (starship) set PS1; keeps our
# entries at both ends when another tool prepended or appended itself since.
__pg_postcmd() {
  local ex=$?
  (( __pg_prod )) || [[ $PS1 == *'[PRODUCTION]'* ]] && __pg_marker_apply
  # The line counter must survive a tool that rewrites PS0 (without it no line is ever decided).
  (( __pg_prod )) && [[ ${PS0-} != *"$__pg_ps0_part"* ]] && PS0+=$__pg_ps0_part
  # (The string form first: the common case costs one test. An array whose element 0 is our
  # string form, after `PROMPT_COMMAND+=(x)`, is not it: x would run after us.)
  if [[ ${PROMPT_COMMAND-} == __pg_precmd\;* && $PROMPT_COMMAND == *\;__pg_postcmd && ${PROMPT_COMMAND@a} != *a* ]]; then
    :
  elif [[ -v PROMPT_COMMAND && ${PROMPT_COMMAND@a} == *a* ]]; then
    [[ ${PROMPT_COMMAND[0]} == __pg_precmd && ${PROMPT_COMMAND[-1]} == __pg_postcmd ]] || __pg_pc_install
  else
    __pg_pc_install
  fi
  return $ex
}

__pg_pc_install() {
  local i
  if [[ -v PROMPT_COMMAND && ${PROMPT_COMMAND@a} == *a* ]]; then
    local keep=()
    for i in "${PROMPT_COMMAND[@]}"; do
      i=${i//__pg_precmd;/}
      i=${i//;__pg_postcmd/}
      [[ $i == __pg_precmd || $i == __pg_postcmd || -z $i ]] || keep+=("$i")
    done
    PROMPT_COMMAND=(__pg_precmd "${keep[@]}" __pg_postcmd)
  else
    i=${PROMPT_COMMAND-}
    i=${i//__pg_precmd;/}
    i=${i//;__pg_postcmd/}
    while [[ $i == *[\;$'\n '] ]]; do i=${i%?}; done
    PROMPT_COMMAND="__pg_precmd;${i:+$i;}__pg_postcmd"
  fi
}

__pg_pc_install
declare -ft __pg_precmd __pg_precmd_traced __pg_enter_traced __pg_trap_recheck __pg_trap_of __pg_capture __pg_tamper_report

__pg_dirs_check
[[ -d $__pg_spooldir || -n $__pg_untrusted ]] || (umask 077 && command mkdir -p -- "$__pg_spooldir") 2>/dev/null

# A shell that exits in production ends its session.
__pg_on_exit() {
  __pg_collect
  (( __pg_prod )) && __pg_session_event end exit
}
__pg_trap_of EXIT
if [[ -n $__pg_trapcmd ]]; then
  trap "__pg_on_exit; $__pg_trapcmd" EXIT
else
  trap '__pg_on_exit' EXIT
fi

# The text of the guard functions as loaded (the reference of __pg_selfcheck); taken again when
# the config changed (__pg_rebuild, after `prodguard init bash --reload`).
__pg_snapshot() {
  local f
  for f in "${__pg_guard_fns[@]}"; do
    __pg_capture declare -f "$f"
    __pg_fn_saved[$f]=$__pg_out
  done
  __pg_capture declare -f "${__pg_guard_fns[@]}"
  __pg_fn_text=$__pg_out
}
__pg_rebuild() {
  __pg_define_envjson
  __pg_snapshot
}
__pg_tamper=
__pg_snapshot
