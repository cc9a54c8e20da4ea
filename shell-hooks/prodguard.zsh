# prodguard zsh hook. Load it with:  eval "$(prodguard init zsh)"
# `prodguard init zsh` prints a generated header (settings, __pg_prod_test), shell-hooks/common.sh
# and this file.
#
# How it guards (design notes, "Blocking a command"): preexec cannot cancel a command, so the four
# ZLE widgets that accept a line (accept-line, accept-and-hold, accept-line-and-down-history,
# accept-and-infer-next-history) are wrapped. The wrapper sees the whole input, $PREBUFFER$BUFFER;
# it waits for the last line of a multi-line command (the input parses), asks the daemon over the
# unix socket, asks the user for the phrase with read-from-minibuffer, and cancels with
# `print -s` + send-break (the line stays in history, never reaches preexec: it is recorded here).
# Outside production the per-prompt cost is __pg_prod_test and each widget one variable test.

[[ -o interactive ]] || return 0
(( ${+PRODGUARD_HOOK_LOADED} )) && return 0
typeset -g PRODGUARD_HOOK_LOADED=1
export PRODGUARD_HOOK=zsh

zmodload zsh/datetime zsh/net/socket zsh/system zsh/zleparameter 2>/dev/null
autoload -Uz add-zsh-hook read-from-minibuffer

# The shared helpers run under zsh's own options whatever the user set (KSH_ARRAYS, NO_UNSET, ...).
() {
  local f
  for f in __pg_json_ctl __pg_unjson __pg_spool __pg_now __pg_record __pg_start_daemon __pg_linereq \
    __pg_decision __pg_mark_ran __pg_decide __pg_finish __pg_collect __pg_fallback __pg_session_event; do
    functions[$f]="emulate -L zsh; ${functions[$f]}"
  done
}

# JSON-escape $1 into __pg_js (common.sh's, as one statement: see __pg_envjson on statement cost);
# __pg_json_line is the same on __pg_line, without arguments, to be inlined (see the end of file).
__pg_json() {
  emulate -L zsh
  __pg_js=${${${${${1//\\/\\\\}//\"/\\\"}//$'\n'/\\n}//$'\t'/\\t}//$'\r'/\\r}
  if [[ $__pg_js == *[$'\x01'-$'\x1f']* ]]; then __pg_json_ctl; fi
}
() {
  local from='${1//' to='${__pg_line//'
  functions[__pg_json_line]=${functions[__pg_json]/"$from"/$to}
}

# The definitions of the line's words that are aliases or functions, as the check request's
# `"defs"` member in __pg_defs ('' when none): the daemon expands them before judging the line.
# ${(z)...} splits the line into shell words without a fork; words in command position (the
# first, after ; | & ( ) or a reserved word, past VAR=value) are looked up in $aliases and
# $functions (zsh/parameter), every word in $galiases (a global alias expands anywhere).
__pg_defsjson() {
  emulate -L zsh
  __pg_defs=
  local w al= fl= n=0 at=1 sep=0
  [[ $__pg_line == *[\;\|\&\(\)\{\}$'\n']* ]] && sep=1
  for w in ${(z)__pg_line}; do
    (( ++n > 64 )) && break
    case $w in
      ';' | '|' | '||' | '&' | '&&' | '|&' | '(' | ')' | '{' | '}' | $'\n' | if | then | else | elif | do | while | until | '!' | time) at=1; continue ;;
    esac
    if [[ $w == [A-Za-z_]*=* ]] && (( at )); then continue; fi
    if [[ -z $w || $w == *[^A-Za-z0-9_.:@%+-]* || $w == __pg_* ]]; then at=0; continue; fi
    if (( ${+galiases[$w]} )) && [[ $al != *"\"$w\":"* ]]; then
      __pg_json "${galiases[$w]}"; al+="${al:+,}\"$w\":\"$__pg_js\""
    fi
    # past the command word of a line with no separator, only global aliases remain: none, or done
    if (( ! at )); then (( sep || ${#galiases} )) && continue; break; fi
    at=0
    if (( ${+aliases[$w]} )) && [[ $al != *"\"$w\":"* ]]; then
      __pg_json "${aliases[$w]}"; al+="${al:+,}\"$w\":\"$__pg_js\""
    fi
    # (the wrap functions of psql & co. are the hook's own: the engine judges the client itself)
    if (( ${+functions[$w]} )) && [[ $fl != *"\"$w\":"* && " $__pg_wrap_defined " != *" $w "* ]]; then
      __pg_json "${functions[$w]}"; fl+="${fl:+,}\"$w\":\"$__pg_js\""
    fi
  done
  [[ -n $al$fl ]] || return 0
  __pg_defs=",\"defs\":{\"aliases\":{$al},\"functions\":{$fl}}"
}

typeset -g __pg_host=${HOST%%.*}
typeset -g __pg_session=${__pg_host}-$$-${EPOCHSECONDS}-${RANDOM}${RANDOM}
__pg_session=${__pg_session//[^A-Za-z0-9._:@-]/_}
typeset -g __pg_umask=$(builtin umask)
typeset -g __pg_origin __pg_js __pg_ujs __pg_env __pg_req __pg_reply __pg_word __pg_ms __pg_us __pg_t0
typeset -g __pg_defs=
typeset -g __pg_r_verdict __pg_r_phrase __pg_r_dry __pg_r_msg __pg_line __pg_later __pg_d
typeset -gi __pg_ex=0
__pg_json "${TTY-}"; __pg_origin="{\"session\":\"$__pg_session\",\"shell\":\"zsh\",\"pid\":$$,\"tty\":\"$__pg_js\""
__pg_json "${USER:-${LOGNAME-}}"; __pg_origin+=",\"user\":\"$__pg_js\""
__pg_json "$__pg_host"; __pg_origin+=",\"host\":\"$__pg_js\"}"

typeset -gi __pg_cmd=0 __pg_prod=0 __pg_start_tried=0
typeset -g __pg_ran= __pg_pending= __pg_disabled_sent= __pg_marked_prompt= __pg_dfd= __pg_dreq=
typeset -ga __pg_wrap_defined=()

# --- transport: the unix socket. sysread takes what has arrived in one read(2) (zsh's `read`
# costs a syscall per byte), and syswrite writes with one write(2), quietly (`print -u` dups the
# fd and needs a `2>/dev/null`: ten syscalls more); reading stops once the fields the hook needs
# are in (with $2 = check: the head matched by __pg_re_check). A request goes on the connection
# of the finish left open (__pg_send_later), after it: the daemon answers in order, so the
# finish's reply (long since there) is the first line, read in the same sysread; one connection a
# line instead of two. When the daemon has closed that connection meanwhile (idle timeout,
# restart), the finish's reply is still read and the request goes on a new one.
__pg_send() {
  emulate -L zsh
  local fd chunk fin= buf= st=0
  __pg_reply=
  if [[ -n $__pg_dfd ]]; then
    fd=$__pg_dfd fin=wait __pg_dfd=
  elif zsocket "$__pg_sock" 2>/dev/null; then
    fd=$REPLY
  else
    return 1
  fi
  trap '' PIPE
  syswrite -o $fd -- "$1"$'\n' || [[ -n $fin ]] || { exec {fd}>&-; return 1 }
  while sysread -t $__pg_timeout -s 8192 -i $fd chunk 2>/dev/null || { st=$?; false }; do
    buf+=$chunk
    if [[ $fin == wait ]]; then
      [[ $buf == *$'\n'* ]] || continue
      [[ $buf == "$__pg_ok"* ]] && fin=ok || fin=bad
      buf=${buf#*$'\n'}
      [[ -n $buf ]] || continue
    fi
    [[ $buf == *$'\n'* ]] && break
    if [[ -n ${2-} ]]; then
      [[ $buf == "$__pg_allow_head"* || $buf =~ $__pg_re_check ]] && break
    elif (( ${#buf} >= ${#__pg_ok} )); then
      break
    fi
  done
  exec {fd}>&-
  __pg_reply=$buf
  # The finish, unless acknowledged: spooled (stored once however often it arrives).
  [[ -z $fin || $fin == ok ]] || __pg_fallback "$__pg_dreq"
  [[ $__pg_reply == "$__pg_ok"* ]] && return 0
  # That connection was closed by the daemon (not a timeout: st 4): once more on a new one.
  [[ -n $fin && $st != 4 && -z $__pg_reply ]] && { __pg_send "$@"; return }
  return 1
}

# Sends request __pg_later (a finish) and leaves its reply unread: the next request goes on this
# connection after it (__pg_send), else __pg_collect reads it (see the bash hook).
__pg_send_later() {
  emulate -L zsh
  [[ -n $__pg_dfd ]] && __pg_collect
  # (No return: inlined into __pg_finish; the status is the if's.)
  if zsocket "$__pg_sock" 2>/dev/null; then
    trap '' PIPE
    syswrite -o $REPLY -- "$__pg_later"$'\n'
    __pg_dfd=$REPLY __pg_dreq=$__pg_later
  else
    false
  fi
}

# 0 when the reply on fd $1 starts with __pg_ok.
__pg_read_ok() {
  emulate -L zsh
  local r= chunk
  while (( ${#r} < ${#__pg_ok} )) && sysread -t $__pg_timeout -s 8192 -i $1 chunk 2>/dev/null; do
    r+=$chunk
  done
  [[ $r == "$__pg_ok"* ]]
}

# The JSON of the forwarded variables, rebuilt only when their values changed (__pg_envsig_code
# joins them). zsh blocks SIGCHLD around every statement it runs (three sigprocmask calls, ~5 us
# here), and the loop is ~40 statements. Inlined into its callers (see the end of this file).
eval "__pg_envjson() {
  local sig=$__pg_envsig_code n s=
  if [[ \$sig != \"\$__pg_envsig\" ]]; then
    __pg_envsig=\$sig
    for n in \$__pg_envnames; do
      [[ -n \${(P)n-} ]] || continue
      __pg_json \"\${(P)n}\"
      s+=\${s:+,}\"\\\"\$n\\\":\\\"\$__pg_js\\\"\"
    done
    __pg_env=\"{\$s}\"
  fi
}"
typeset -g __pg_envsig=$'\x01'

# (No return: inlined into __pg_decide, see the end of this file.)
__pg_parse_reply() {
  emulate -L zsh
  # The common plain allow without the regex (zsh compiles it at every match).
  if [[ $__pg_reply == "$__pg_allow_head"* ]]; then
    __pg_r_verdict=allow __pg_r_phrase= __pg_r_dry=false __pg_r_msg=
  elif [[ $__pg_reply =~ $__pg_re_check ]]; then
    __pg_r_verdict=$match[1] __pg_r_phrase=$match[2] __pg_r_dry=$match[4] __pg_r_msg=$match[5]
  else
    false
  fi
}

__pg_local_match() {
  emulate -L zsh
  local lower=${(L)1}
  [[ $lower =~ $__pg_local_re ]] || return 1
  __pg_word=$match[2]
}

__pg_say() {
  zle && zle -I
  print -r -- "$1" >/dev/tty 2>/dev/null || print -ru2 -- "$1"
}

# Asks for phrase $1 in the minibuffer. 0 when typed exactly. A Ctrl-C aborts the widget: the
# line does not run and __pg_pending makes the next prompt record the cancellation.
__pg_ask() {
  emulate -L zsh
  local REPLY
  __pg_pending=1
  if zle; then
    read-from-minibuffer "Type \"$1\" to run it (anything else cancels): " || REPLY=$'\x01'
  else
    print -rn -- "Type \"$1\" to run it (anything else cancels): " >/dev/tty
    IFS= read -r REPLY </dev/tty || REPLY=$'\x01'
  fi
  __pg_pending=
  [[ $REPLY == "$1" ]]
}

# A Ctrl-C while asking left the question open: it was a cancel.
__pg_close_pending() {
  __pg_pending=
  __pg_decision cancelled
}

# The wrapper of the four accept widgets.
__pg_accept() {
  local orig=__pg_orig_$WIDGET
  # Outside production, the minibuffer's own Enter while asking, and our wrapper inside another
  # plugin's wrapper inside ours: the original widget.
  if (( ! __pg_prod || ${funcstack[(I)__pg_ask]} || ${funcstack[(i)__pg_accept]} != ${funcstack[(I)__pg_accept]} )); then
    zle $orig -- "$@"
    return
  fi
  [[ -n $__pg_pending ]] && __pg_close_pending
  local line=$PREBUFFER$BUFFER
  # A blank line, or an incomplete command (zsh cannot parse it as a function body yet), goes on
  # as is: the whole input is checked at its last line.
  [[ -n ${line//[[:space:]]/} ]] && functions[__pg_parse_probe]=$line 2>/dev/null
  if (( ! ${+functions[__pg_parse_probe]} )); then
    zle $orig -- "$@"
    return
  fi
  unfunction __pg_parse_probe
  if __pg_decide "$line"; then
    zle $orig -- "$@"
  else
    # Refused: into history, out of the buffer. An empty line is accepted (a clean new prompt,
    # typeahead kept); with continuation lines pending, send-break drops them too.
    print -rs -- "$line"
    BUFFER=
    if [[ -z $PREBUFFER ]]; then
      zle .accept-line
    else
      zle .send-break
    fi
  fi
}

# The wrappers are in place only while in production (outside, Enter costs nothing extra). The
# widget found is kept and called when a line runs; one that wrapped ours since stays untouched.
typeset -ga __pg_accept_widgets=(accept-line accept-and-hold accept-line-and-down-history accept-and-infer-next-history)
__pg_widgets_on() {
  local w
  for w in $__pg_accept_widgets; do
    [[ ${widgets[$w]-} == user:__pg_accept ]] && continue
    if [[ ${widgets[$w]-builtin} == builtin ]]; then
      zle -A .$w __pg_orig_$w
    else
      zle -A $w __pg_orig_$w
    fi
    zle -N $w __pg_accept
  done
}
__pg_widgets_off() {
  local w
  for w in $__pg_accept_widgets; do
    [[ ${widgets[$w]-} == user:__pg_accept ]] && zle -A __pg_orig_$w $w
  done
}

# --- entering and leaving production
__pg_enter() {
  __pg_prod=1
  __pg_widgets_on
  precmd_functions=(${precmd_functions:#__pg_marker_apply} __pg_marker_apply)
  [[ -d $__pg_spooldir ]] || (umask 077 && command mkdir -p -- "$__pg_spooldir") 2>/dev/null
  __pg_wrap_define
  __pg_session_event start
}

__pg_leave() {
  __pg_prod=0
  __pg_widgets_off
  precmd_functions=(${precmd_functions:#__pg_marker_apply})
  __pg_marker_apply
  __pg_wrap_undefine
  __pg_session_event end
}

__pg_wrap_define() {
  (( __pg_wrap )) && [[ -f $__pg_bin ]] || return 0
  local c
  for c in psql mysql sqlite3 redis-cli mongosh; do
    (( ${+functions[$c]} )) && continue
    # The line's (session, cmd): wrap asks the daemon whether its confirmation covers the input.
    functions[$c]="PRODGUARD_SESSION=\$__pg_session PRODGUARD_CMD=\$__pg_cmd \"\$__pg_node\" \"\$__pg_bin\" wrap $c \"\$@\""
    __pg_wrap_defined+=($c)
  done
}
__pg_wrap_undefine() {
  local c
  for c in $__pg_wrap_defined; do unfunction $c 2>/dev/null; done
  __pg_wrap_defined=()
}

__pg_marker_apply() {
  local ex=$?
  emulate -L zsh
  (( __pg_marker )) || return $ex
  local m='[PRODUCTION] '
  [[ -z ${NO_COLOR-} ]] && m='%{'$'\e''[31m%}[PRODUCTION]%{'$'\e''[0m%} '
  if (( __pg_prod )); then
    [[ $PROMPT == "$m"* ]] || PROMPT=$m$PROMPT
  else
    PROMPT=${PROMPT#"$m"}
  fi
  return $ex
}

# Outside production this is the hook's whole per-prompt cost: one function call (zsh maps and
# unmaps memory for every call), the production test inlined below.
__pg_precmd() {
  __pg_ex=$?
  # Outside production with nothing pending: the test and out (under the user's options: the
  # test is written for any).
  if (( ! __pg_prod )) && [[ -z $__pg_pending$__pg_ran && ${PRODGUARD_DISABLE-} != 1 ]] && ! __pg_prod_test; then
    return $__pg_ex
  fi
  emulate -L zsh
  [[ -n $__pg_pending ]] && __pg_close_pending
  [[ -n $__pg_ran ]] && __pg_finish
  if [[ ${PRODGUARD_DISABLE-} != 1 ]] && __pg_prod_test; then
    if (( __pg_prod )); then
      # The marker goes on last, after prompt themes that set PROMPT in their own precmd.
      [[ ${precmd_functions[-1]} == __pg_marker_apply ]] || precmd_functions=(${precmd_functions:#__pg_marker_apply} __pg_marker_apply)
    else
      __pg_enter
    fi
  elif (( __pg_prod )) || [[ ${PRODGUARD_DISABLE-} == 1 && -z $__pg_disabled_sent ]]; then
    (( __pg_prod )) && __pg_leave
    if [[ ${PRODGUARD_DISABLE-} == 1 && -z $__pg_disabled_sent ]] && __pg_prod_test; then
      __pg_disabled_sent=1
      __pg_session_event disabled
    fi
  fi
  return $__pg_ex
}
functions[__pg_precmd]=${functions[__pg_precmd]//__pg_prod_test/"{ $__pg_prod_code
(( __pg_p )); }"}

__pg_zshexit() {
  [[ -n $__pg_dfd ]] && __pg_collect
  (( __pg_prod )) && __pg_session_event end
}

# A zsh function call is dear (~25 us here: zsh maps and unmaps memory for every call) and a line
# made ~25 of them: the small helpers of the decision path are inlined into their callers (pairs
# of helper and caller, in order; none of these helpers reads positional parameters or returns).
() {
  emulate -L zsh
  local g f
  for g f in __pg_now __pg_linereq __pg_now __pg_mark_ran __pg_now __pg_finish __pg_now __pg_session_event \
      __pg_envjson __pg_linereq __pg_envjson __pg_session_event __pg_json_line __pg_linereq __pg_linereq __pg_decide \
      __pg_mark_ran __pg_decide __pg_parse_reply __pg_decide __pg_send_later __pg_finish __pg_finish __pg_precmd; do
    # (without its `emulate -L zsh`: the caller has one)
    functions[$f]=${functions[$f]//$g/"{
${functions[$g]#$'\t'emulate -L zsh$'\n'}
}"}
  done
}

add-zsh-hook zshexit __pg_zshexit
# First, so that $? is the line's status. (Declared first: under the user's `setopt nounset` an
# rc file that never set it would make the expansion an error and leave the hook half loaded.)
typeset -ga precmd_functions
precmd_functions=(__pg_precmd ${precmd_functions[@]:#__pg_precmd})  # [@]: under KSH_ARRAYS a bare name is element 0 (unset: a nounset error)
