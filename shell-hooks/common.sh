# prodguard: helpers shared by the bash and zsh hooks (the subset both shells run the same way).
# Everything here is builtins and parameter expansion: the hook path never forks.
# Naming: __pg_* functions and variables; results come back in globals (no $(...) capture).

# JSON-escape $1 into __pg_js.
__pg_json() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  # Any other control character (rare): \u00XX, one code at a time.
  if [[ $s == *[$'\x01'-$'\x1f']* ]]; then
    local i c
    for i in 01 02 03 04 05 06 07 08 0b 0c 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f; do
      printf -v c "\\x$i"
      s=${s//"$c"/\\u00$i}
    done
  fi
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
__pg_local_re='(^|[^[:alnum:]_.])(rm|rmdir|unlink|dd|mkfs|mkfs\.[[:alnum:]]+|shred|truncate|wipefs|fdisk|parted|drop|dropdb|delete|flushall|flushdb|push|destroy|reset[[:space:]]+--hard|clean[[:space:]]+-[[:alnum:]]*f|prune|terminate|shutdown|reboot|halt|poweroff|kill|pkill|killall|uninstall|purge|wipe|erase|remove|drain|scale|rollback|chmod|chown|mv|crontab|iptables|dropdatabase|deletemany|truncate)([^[:alnum:]_]|$)'

# Milliseconds since the epoch into __pg_ms, microseconds into __pg_us (EPOCHREALTIME, no fork).
# (zsh gives nanoseconds, bash microseconds: keep six digits.)
__pg_now() {
  local t=$EPOCHREALTIME f
  f=${t#*[.,]}
  f=${f:0:6}
  __pg_us=${t%%[.,]*}$f
  __pg_ms=$((__pg_us / 1000))
}
