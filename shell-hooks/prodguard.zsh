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

zmodload zsh/datetime zsh/net/socket zsh/system zsh/zleparameter zsh/zselect 2>/dev/null
autoload -Uz add-zsh-hook read-from-minibuffer

# The shared helpers run under zsh's own options whatever the user set (KSH_ARRAYS, NO_UNSET, ...).
() {
  local f
  for f in __pg_json_ctl __pg_unjson __pg_spool __pg_now __pg_record __pg_start_daemon __pg_linereq \
    __pg_decision __pg_mark_ran __pg_decide __pg_finish __pg_collect __pg_drop __pg_fallback __pg_session_event \
    __pg_dirs_check __pg_paths_ok __pg_guard_local __pg_spool_copy \
    __pg_slurp __pg_kube_refresh __pg_tf_refresh __pg_switches __pg_reload; do
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
typeset -g __pg_r_verdict __pg_r_phrase __pg_r_dry __pg_r_msg __pg_r_gen __pg_line __pg_later __pg_d
typeset -gi __pg_ex=0
__pg_json "${TTY-}"; __pg_origin="{\"session\":\"$__pg_session\",\"shell\":\"zsh\",\"pid\":$$,\"tty\":\"$__pg_js\""
__pg_json "${USER:-${LOGNAME-}}"; __pg_origin+=",\"user\":\"$__pg_js\""
__pg_json "$__pg_host"; __pg_origin+=",\"host\":\"$__pg_js\"}"

typeset -gi __pg_cmd=0 __pg_prod=0 __pg_start_tried=0 __pg_p=0 __pg_off=0
typeset -g __pg_v= __pg_n= __pg_pv= __pg_out=
typeset -g __pg_ran= __pg_pending= __pg_marked_prompt= __pg_dfd= __pg_dpend= __pg_dreq=
typeset -ga __pg_wrap_defined=()
typeset -g __pg_why= __pg_untrusted= __pg_degraded=  # transport: why the daemon was not used; refused dirs; degraded mode said

# --- transport: the unix socket, over one connection kept open while the daemon keeps it (it
# closes one idle for daemon.idleTimeoutMs). sysread takes what has arrived in one read(2) (zsh's `read`
# costs a syscall per byte), and syswrite writes with one write(2), quietly (`print -u` dups the
# fd and needs a `2>/dev/null`: ten syscalls more). A reply is read to its newline (the daemon
# writes each with one write(2): one sysread). A request goes on the kept connection after the
# finish left unread on it (__pg_send_later): the daemon answers in order, so the finish's reply
# (long since there) is the first line, read in the same sysread. When the daemon has closed
# that connection meanwhile (idle timeout, restart), the finish's reply is still read and the
# request goes on a new one. A check asks for the short reply to a plain allow ("ack":"short").
__pg_send() {
  emulate -L zsh
  local fd chunk fin= kept= buf= st=0 req=$1
  __pg_reply= __pg_why=
  [[ -n ${2-} ]] && req="${1%\}},\"ack\":\"short\"}"
  if [[ -n $__pg_dfd ]]; then
    fd=$__pg_dfd kept=1 __pg_dfd=
    [[ -n $__pg_dpend ]] && fin=wait
    __pg_dpend=
  elif __pg_sock_ok && zsocket "$__pg_sock" 2>/dev/null; then
    fd=$REPLY
  else
    __pg_send_failed "$@"
    return
  fi
  trap '' PIPE
  syswrite -o $fd -- "$req"$'\n' || [[ -n $kept ]] || { exec {fd}>&-; __pg_send_failed "$@"; return }
  while sysread -t $__pg_timeout -s 8192 -i $fd chunk 2>/dev/null || { st=$?; false }; do
    buf+=$chunk
    if [[ $fin == wait ]]; then
      [[ $buf == *$'\n'* ]] || continue
      [[ $buf == "$__pg_short_ok"* ]] && fin=ok || fin=bad
      buf=${buf#*$'\n'}
      [[ -n $buf ]] || continue
    fi
    [[ $buf == *$'\n'* ]] && break
  done
  __pg_reply=$buf
  # The finish, unless acknowledged: spooled (stored once however often it arrives).
  [[ -z $fin || $fin == ok ]] || __pg_fallback "$__pg_dreq"
  if [[ $__pg_reply == "$__pg_ok"* ]]; then
    # One whole reply read: the connection stays, for the line's finish.
    if [[ $buf == *$'\n' && ${buf%$'\n'} != *$'\n'* ]]; then __pg_dfd=$fd; else exec {fd}>&-; fi
    # The daemon could not store the record (disk full): a copy in the spool as well.
    [[ $__pg_reply == *"$__pg_unrecorded"* ]] && __pg_spool_copy "$1"
    __pg_degraded=
    return 0
  fi
  exec {fd}>&-
  # The kept connection was closed by the daemon (not a timeout: st 4): once more on a new one.
  [[ -n $kept && $st != 4 && -z $__pg_reply ]] && { __pg_send "$@"; return }
  (( st == 4 )) && __pg_why="the daemon did not answer within $__pg_timeout s"
  __pg_send_failed "$@"
}

# The unix socket is the daemon's when it sits in our run dir and is ours: only this uid (or
# root) can create a file in a 0700 directory of ours (its mode was checked at load:
# __pg_dirs_check). A stat each, no fork; a socket of someone else is never connected to.
__pg_sock_ok() {
  [[ -z $__pg_untrusted && -O $__pg_rundir && -S $__pg_sock && -O $__pg_sock ]] && return 0
  [[ -S $__pg_sock && -z $__pg_untrusted ]] && __pg_why="$__pg_sock is not owned by you (nothing was sent to it)"
  return 1
}

# A check the daemon did not take is decided by the full engine locally (common.sh); anything
# else fails (and is spooled by the caller).
__pg_send_failed() {
  [[ ${2-} == check ]] && __pg_guard_local "$1"
}

# Sends request __pg_later (a finish) on the kept connection and leaves its reply unread: the
# next request reads it (__pg_send), else __pg_collect (see the bash hook). A kept connection
# readable with nothing pending was closed by the daemon (idle timeout: the line ran long): a
# new one. Also checks, once a line, that nobody swapped the spool (__pg_paths_ok).
__pg_send_later() {
  emulate -L zsh
  __pg_paths_ok
  [[ -n $__pg_dpend ]] && __pg_collect
  [[ -n $__pg_dfd ]] && zselect -t 0 -r $__pg_dfd 2>/dev/null && __pg_drop
  [[ -z $__pg_dfd ]] && __pg_sock_ok && zsocket "$__pg_sock" 2>/dev/null && __pg_dfd=$REPLY
  # (No return: inlined into __pg_finish; the status is the if's.)
  if [[ -n $__pg_dfd ]]; then
    trap '' PIPE
    syswrite -o $__pg_dfd -- "$__pg_later"$'\n'
    __pg_dpend=1 __pg_dreq=$__pg_later
  else
    false
  fi
}

# 0 when the reply on fd $1 is exactly __pg_short_ok (read to its newline).
__pg_read_ok() {
  emulate -L zsh
  local r= chunk
  while [[ $r != *$'\n'* ]] && sysread -t $__pg_timeout -s 8192 -i $1 chunk 2>/dev/null; do
    r+=$chunk
  done
  [[ $r == "$__pg_short_ok" ]]
}

# The JSON of the forwarded variables, rebuilt only when their values changed (__pg_envsig_code
# joins them). zsh blocks SIGCHLD around every statement it runs (three sigprocmask calls, ~5 us
# here), and the loop is ~40 statements. Inlined into its callers (see the end of this file).
__pg_define_envjson() {
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
  __pg_envsig=$'\x01'
}
__pg_define_envjson
typeset -g __pg_envsig=$'\x01'

# (No return: inlined into __pg_decide, see the end of this file.)
__pg_parse_reply() {
  emulate -L zsh
  # The common plain allow without the regex (zsh compiles it at every match).
  if [[ $__pg_reply == "$__pg_allow_short" || $__pg_reply == "$__pg_allow_head"* ]]; then
    __pg_r_verdict=allow __pg_r_phrase= __pg_r_dry=false __pg_r_msg= __pg_r_gen=
  elif [[ $__pg_reply =~ $__pg_re_check ]]; then
    __pg_r_verdict=$match[1] __pg_r_phrase=$match[2] __pg_r_dry=$match[4] __pg_r_msg=$match[5] __pg_r_gen=$match[8]
  else
    false
  fi
}

__pg_local_match() {
  emulate -L zsh
  local lower=${(L)1}
  if [[ $lower =~ $__pg_local_re ]]; then __pg_word=$match[2]; return 0; fi
  [[ $lower =~ $__pg_local_re2 ]] || return 1
  __pg_word=$MATCH
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
    # The minibuffer is erased when it closes: the question and the answer stay in scrollback.
    [[ $REPLY == $'\x01' ]] || __pg_say "Type \"$1\" to run it (anything else cancels): $REPLY"
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
  # Lines typed ahead (already on the terminal, unread): one input with this one, judged whole
  # (nothing of it runs before), as a bracketed paste is.
  (( PENDING )) && __pg_take_typeahead
  # The line that is checked is the line that runs: zsh expands history (`!!`, `!rm`, `!3`,
  # `^old^new`) only after this widget, and `r` / `fc -e -` run a history entry, so both are
  # resolved into the buffer first (the user sees, and zsh runs, the text that was judged).
  # (Tested under the user's options: ${x:0:1} is the first character with KSH_ARRAYS too.)
  # (A re-run: the word r or fc, quoted too (zsh runs `\r`), or an alias word, which
  # __pg_rerun_scan follows. Plain patterns, no grouping: the user's SH_GLOB is in effect here.)
  local w rerun=
  __pg_rerun_extra=
  if [[ " $BUFFER " == *[^[:alnum:]_./-]r[^[:alnum:]_./-]* || " $BUFFER " == *[^[:alnum:]_./-]fc[^[:alnum:]_./-]* ]]; then
    rerun=1
  elif (( ${#aliases} )); then
    for w in ${(z)BUFFER}; do (( ${+aliases[$w]} )) && { rerun=1; break; }; done
  fi
  if [[ -o banghist && ( $BUFFER == *"${histchars:0:1}"* || $BUFFER == "${histchars:1:1}"* ) ]] || [[ -n $rerun ]]; then
    __pg_resolve_buffer
  fi
  local line=$PREBUFFER$BUFFER
  # A blank line, or an incomplete command (zsh cannot parse it as a function body yet), goes on
  # as is: the whole input is checked at its last line.
  [[ -n ${line//[[:space:]]/} ]] && functions[__pg_parse_probe]=$line 2>/dev/null
  if (( ! ${+functions[__pg_parse_probe]} )); then
    zle $orig -- "$@"
    return
  fi
  unfunction __pg_parse_probe
  # (a re-run inside a list: what it runs is judged with the line, __pg_rerun_scan)
  local judged=$line
  [[ -n $__pg_rerun_extra ]] && judged+=$'\n'$__pg_rerun_extra
  if __pg_decide "$judged"; then
    __pg_passed=1
    zle $orig -- "$@"
  else
    # Refused: into history, out of the buffer. An empty line is accepted (a clean new prompt,
    # typeahead kept); with continuation lines pending, send-break drops them too.
    print -rs -- "$line"
    [[ $line == *$'\n'* ]] && __pg_block_dropped "$line"
    BUFFER=
    if [[ -z $PREBUFFER ]]; then
      zle .accept-line
    else
      zle .send-break
    fi
  fi
}

__pg_take_typeahead() {
  emulate -L zsh
  local keys
  read -rk $PENDING keys || return 0
  keys=${keys//$'\r'/$'\n'}
  BUFFER+=$'\n'${keys%%$'\n'#}
}

# What a refused multi-line input did: nothing ran, each of its lines was dropped.
__pg_block_dropped() {
  emulate -L zsh
  local l list= n=0
  for l in "${(@f)1}"; do [[ -n ${l//[[:space:]]/} ]] || continue; (( ++n )); list+=$'\n'"  $l"; done
  (( n > 1 )) && __pg_say "prodguard: none of the $n lines of that input ran; dropped:$list"
}

__pg_resolve_buffer() {
  emulate -L zsh
  if [[ -o banghist && ( $BUFFER == *"${histchars:0:1}"* || $BUFFER == "${histchars:1:1}"* ) ]]; then
    zle .expand-history
  fi
  __pg_rerun_scan
}

typeset -g __pg_rerun_extra= __pg_rerun_unresolved=

# The re-runs in the buffer, each command in turn: `r`, `fc -e -`, `fc -s`, or an alias of one
# (`alias again='fc -e -'`, also through another alias). A buffer that is one re-run is replaced
# by what it runs (the text judged is the text zsh runs); a re-run in a list (`make && r`) has
# the entries it runs judged with the line (__pg_rerun_extra).
__pg_rerun_scan() {
  emulate -L zsh
  local -a t seg
  local w n=0 lead= found=
  __pg_rerun_unresolved=
  t=(${(z)BUFFER} ';')
  for w in $t; do
    if [[ $w == (';'|';;'|'&'|'&&'|'||'|'|'|'|&'|'&|'|'&!'|$'\n') ]]; then
      if (( $#seg )); then
        (( ++n ))
        if __pg_rerun_of_cmd; then
          [[ -n $found ]] && found+=$'\n'
          found+=$__pg_rerun
        fi
      fi
      seg=()
      continue
    fi
    # reserved words and openers before a command word
    if (( ! $#seg )) && [[ $w == ('('|'{'|'!'|if|then|else|elif|do|while|until|time|noglob|nocorrect|builtin) ]]; then
      lead=1
      continue
    fi
    seg+=($w)
  done
  [[ -n $found$__pg_rerun_unresolved ]] || return 0
  # A re-run of a re-run, or one whose entry is not worked out: the recent entries are judged
  # with it (asking once too often rather than missing the one that runs).
  if [[ -n $__pg_rerun_unresolved || " $found " == *[^[:alnum:]_./-]r[^[:alnum:]_./-]* || " $found " == *[^[:alnum:]_./-]fc[^[:alnum:]_./-]* ]]; then
    local k m=0
    for k in ${(Onk)history}; do
      [[ " ${history[$k]} " == *[^[:alnum:]_./-](r|fc)[^[:alnum:]_./-]* ]] && continue
      [[ -n $found ]] && found+=$'\n'
      found+=${history[$k]}
      (( ++m >= 8 )) && break
    done
    lead=1
  fi
  if (( n == 1 )) && [[ -z $lead ]]; then BUFFER=$found; else __pg_rerun_extra=$found; fi
}

# The command in `seg` (words as typed), its aliases expanded: the text it re-runs into
# __pg_rerun; 1 when it is no re-run.
__pg_rerun_of_cmd() {
  local -a c
  local k
  c=($seg)
  for k in 1 2 3 4 5 6 7 8; do
    [[ -n ${aliases[$c[1]]-} ]] || break
    # `alias ls='ls -G'`: expanded once, as zsh does
    [[ ${${(z)aliases[$c[1]]}[1]} == "$c[1]" ]] && k=8
    c=(${(z)aliases[$c[1]]} ${c[2,-1]})
    (( k == 8 )) && break
  done
  [[ ${(Q)c[1]} == (r|fc) ]] || return 1
  # Redirections are not re-run arguments: `r >/dev/null` re-runs the last entry too. (z) gives an
  # operator (`>`, `2>&`, `&>`, `>|`) and then its target as two words.
  local -a words
  local op=
  for k in $c; do
    if [[ -n $op ]]; then op=; continue; fi
    [[ $k == (|[0-9]|[0-9][0-9]|'&')[\<\>]* ]] && { op=1; continue; }
    words+=($k)
  done
  # (redirected: the entry runs with the redirections, so the buffer is not replaced: lead is
  # __pg_rerun_scan's)
  (( $#words == $#c )) || lead=1
  __pg_rerun_resolve "${(Q)words[1]} ${words[2,-1]}" && return 0
  # A re-run that names no entry we can work out (`r` always runs one): judged with the recent ones.
  [[ ${(Q)words[1]} == r || "${words[1,3]}" == 'fc -e -' || "${words[1,2]}" == 'fc -s' ]] || return 1
  __pg_rerun_unresolved=1
  return 1
}

# `r [old=new ...] [first [last]]` and `fc -e - ...` (zsh: the same builtin) as the text they
# run into __pg_rerun; 1 when the line is no such re-run (or names no entry: zsh then says so).
# first/last: an event number, -N (N back), or the newest entry starting with a string; every
# old=new replaces all occurrences, as zsh does.
__pg_rerun_resolve() {
  emulate -L zsh
  local -a w subs nums keys
  local a n k from to text= s
  w=(${(z)1})
  if [[ $w[1] == r ]]; then
    shift w
  elif [[ $w[1] == fc && $w[2] == -e && $w[3] == - ]]; then
    w=(${w[4,-1]})
  elif [[ $w[1] == fc && $w[2] == -s ]]; then
    w=(${w[3,-1]})
  else
    return 1
  fi
  # Anything after the arguments (a separator, a second command) is not the simple re-run form.
  for a in $w; do [[ $a == (\;|\&|\&\&|\|\||\||$'\n') ]] && return 1; done
  while [[ ${w[1]-} == *=* ]]; do subs+=($w[1]); shift w; done
  keys=(${(Onk)history})
  (( $#keys )) || return 1
  for a in "${w[1]--1}" "${w[2]-${w[1]--1}}"; do
    a=${(Q)a}
    n=
    if [[ $a == -<-> ]]; then
      n=${keys[${a#-}]-}
    elif [[ $a == <-> ]]; then
      n=$a
    else
      for k in $keys; do [[ ${history[$k]} == "$a"* ]] && { n=$k; break; }; done
    fi
    [[ -n $n && -n ${history[$n]-} ]] || return 1
    nums+=($n)
  done
  from=$nums[1] to=$nums[2]
  (( from > to )) && { k=$from from=$to to=$k; }
  for k in {$from..$to}; do [[ -n ${history[$k]-} ]] && text+=${text:+$'\n'}${history[$k]}; done
  for s in $subs; do
    s=${(Q)s}
    text=${text//${s%%=*}/${s#*=}}
  done
  __pg_rerun=$text
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

# --- self re-assertion (before every production line): the accept widgets, the keys Enter and
# Ctrl-J bound to accept-line (`bindkey '^M' .accept-line` skips any wrapper), the hook's own
# functions compared with their text at load, and after the fact any line that ran without
# passing __pg_accept (a custom widget calling .accept-line). What changed is restored,
# recorded as a `tampered` event (alerted at critical severity) and said on the terminal.
typeset -g __pg_tamper= __pg_passed= __pg_keyfile=$__pg_spooldir/.keys.$$
typeset -gA __pg_fn_saved=()
typeset -ga __pg_guard_fns=()

__pg_keys_on() {
  local m
  for m in main emacs viins; do bindkey -M $m '^M' accept-line '^J' accept-line 2>/dev/null; done
}

# The key bindings of Enter and Ctrl-J in the main keymap into __pg_out, without a fork: the
# text through our key file, written in place with a NUL after it (as the bash hook's capture).
__pg_keys_read() {
  __pg_out=
  # (One key per call: `bindkey KEY1 KEY2` would bind KEY1 to a widget named KEY2.)
  { bindkey -M main '^M'; bindkey -M main '^J'; print -n '\0' } 1<>$__pg_keyfile 2>/dev/null || return 1
  __pg_slurp $__pg_keyfile
  __pg_out=${__pg_out%%$'\0'*}
}

# A line ran without our widget deciding it: found after the fact, and said so.
__pg_preexec() {
  [[ -n $__pg_passed ]] || __pg_tamper+=,unguarded-line
  __pg_passed=
}

__pg_selfcheck() {
  emulate -L zsh
  local f w
  # The widgets every prompt (four lookups); the functions' text and the key bindings after a
  # line that could have changed them (__pg_suspect, set in __pg_decide) and at every 64th prompt: producing
  # the text of ~90 functions costs milliseconds.
  for w in $__pg_accept_widgets; do
    [[ ${widgets[$w]-} == user:__pg_accept ]] || { __pg_tamper+=,widget:$w; __pg_widgets_on; }
  done
  (( ++__pg_checks % 64 )) && [[ -z $__pg_suspect$__pg_tamper ]] && return
  __pg_suspect=
  for f in $__pg_guard_fns; do
    [[ ${functions[$f]-} == "${__pg_fn_saved[$f]-}" || -z ${__pg_fn_saved[$f]-} ]] && continue
    functions[$f]=${__pg_fn_saved[$f]}
    __pg_tamper+=,function:$f
  done
  if __pg_keys_read && [[ $__pg_out != $'"^M" accept-line\n"^J" accept-line\n' ]]; then
    __pg_tamper+=,key-binding
    __pg_keys_on
  fi
  [[ ${preexec_functions[(I)__pg_preexec]} != 0 ]] || { __pg_tamper+=,preexec; preexec_functions+=(__pg_preexec); }
  [[ -z $__pg_tamper ]] && return
  local what=${__pg_tamper#,}
  __pg_tamper=
  __pg_say "prodguard: the guard was changed in this shell ($what): restored; this is recorded and alerted."
  __pg_session_event tampered $what
}

# --- entering and leaving production
__pg_enter() {
  __pg_prod=1
  __pg_widgets_on
  __pg_keys_on
  preexec_functions=(${preexec_functions:#__pg_preexec} __pg_preexec)
  precmd_functions=(${precmd_functions:#__pg_marker_apply} __pg_marker_apply)
  # This prompt's precmd list was taken before the line above: the marker of the very first
  # production prompt is put on here.
  __pg_marker_apply
  [[ -d $__pg_spooldir || -n $__pg_untrusted ]] || (umask 077 && command mkdir -p -- "$__pg_spooldir") 2>/dev/null
  __pg_wrap_define
  __pg_session_event start ${__pg_cause:-signals}
  # For status lines and `prodguard prompt` (docs/deployment.md): this shell is guarded production.
  export PRODGUARD_PRODUCTION=1
}

__pg_leave() {
  __pg_prod=0
  __pg_widgets_off
  preexec_functions=(${preexec_functions:#__pg_preexec})
  precmd_functions=(${precmd_functions:#__pg_marker_apply})
  __pg_marker_apply
  __pg_wrap_undefine
  __pg_session_event end ${__pg_cause:-signals}
  unset PRODGUARD_PRODUCTION
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
  __pg_prod_test
  if (( ! __pg_prod && ! __pg_p )) && [[ -z $__pg_pending$__pg_ran$__pg_disabled_sent ]]; then
    __pg_cause=
    return $__pg_ex
  fi
  emulate -L zsh
  (( __pg_prod )) && __pg_selfcheck
  [[ -z $__pg_reload_due || $__pg_reload_due == "$__pg_reload_tried" ]] || __pg_reload zsh
  [[ -n $__pg_pending ]] && __pg_close_pending
  [[ -n $__pg_ran ]] && __pg_finish
  (( __pg_off )) || [[ -n $__pg_disabled_sent ]] && __pg_switches
  if (( __pg_p && ! __pg_off )); then
    if (( __pg_prod )); then
      # The marker goes on last, after prompt themes that set PROMPT in their own precmd.
      [[ ${precmd_functions[-1]} == __pg_marker_apply ]] || precmd_functions=(${precmd_functions:#__pg_marker_apply} __pg_marker_apply)
    else
      __pg_enter
    fi
  elif (( __pg_prod )); then
    __pg_leave
  fi
  __pg_cause=
  return $__pg_ex
}
__pg_zshexit() {
  __pg_collect
  (( __pg_prod )) && __pg_session_event end exit
}

# A zsh function call is dear (~25 us here: zsh maps and unmaps memory for every call) and a line
# made ~25 of them: the small helpers of the decision path are inlined into their callers (pairs
# of helper and caller, in order; none of these helpers reads positional parameters or returns),
# the production test into __pg_precmd. Built at load and again when the config changed
# (__pg_rebuild, after `prodguard init zsh --reload`), from the callers' text before inlining.
typeset -gA __pg_pristine=()
__pg_build() {
  emulate -L zsh
  local g f
  if (( ! $#__pg_pristine )); then
    for f in __pg_linereq __pg_mark_ran __pg_finish __pg_session_event __pg_decide __pg_precmd; do __pg_pristine[$f]=${functions[$f]}; done
  else
    for f in ${(k)__pg_pristine}; do functions[$f]=${__pg_pristine[$f]}; done
  fi
  functions[__pg_precmd]=${functions[__pg_precmd]//__pg_prod_test/"{ $__pg_prod_code
(( __pg_p )); }"}
  for g f in __pg_now __pg_linereq __pg_now __pg_mark_ran __pg_now __pg_finish __pg_now __pg_session_event \
      __pg_envjson __pg_linereq __pg_envjson __pg_session_event __pg_json_line __pg_linereq __pg_linereq __pg_decide \
      __pg_mark_ran __pg_decide __pg_parse_reply __pg_decide __pg_send_later __pg_finish __pg_finish __pg_precmd; do
    # (without its `emulate -L zsh`: the caller has one)
    functions[$f]=${functions[$f]//$g/"{
${functions[$g]#$'\t'emulate -L zsh$'\n'}
}"}
  done
  # The text of the guard functions as built (the reference of __pg_selfcheck): every __pg_
  # function but the parse probe.
  __pg_guard_fns=(${(k)functions[(I)__pg_*]:#__pg_parse_probe})
  __pg_fn_saved=()
  for f in $__pg_guard_fns; do __pg_fn_saved[$f]=${functions[$f]}; done
}

# After `prodguard init zsh --reload` set the new settings and production test.
__pg_rebuild() {
  __pg_define_envjson
  __pg_build
}

add-zsh-hook zshexit __pg_zshexit
__pg_dirs_check
[[ -d $__pg_spooldir || -n $__pg_untrusted ]] || (umask 077 && command mkdir -p -- "$__pg_spooldir") 2>/dev/null
# First, so that $? is the line's status. (Declared first: under the user's `setopt nounset` an
# rc file that never set it would make the expansion an error and leave the hook half loaded.)
typeset -ga precmd_functions
precmd_functions=(__pg_precmd ${precmd_functions[@]:#__pg_precmd})  # [@]: under KSH_ARRAYS a bare name is element 0 (unset: a nounset error)

__pg_build
