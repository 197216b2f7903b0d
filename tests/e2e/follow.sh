#!/usr/bin/env bash
# read --follow (docs/spec.md §7): lines appended by another process come out within a second;
# a rotation (rename + create) and a copytruncate during the run are followed; a new file
# matching the glob is picked up; SIGTERM ends the run with exit 0 and the state saved, and the
# next run resumes exactly; --line-buffered writes each record out at once into a pipe.
# Usage: follow.sh GPIPE_BINARY
set -u
GPIPE=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$here/checks.sh"
# Waits up to $2 ms for line $1 in file out; prints how long it took.
wait_for() {
  local start=$(date +%s%N) now
  while :; do
    if grep -qx -- "$1" out; then
      echo $((($(date +%s%N) - start) / 1000000))
      return 0
    fi
    now=$(date +%s%N)
    (((now - start) / 1000000 > $2)) && return 1
    sleep 0.02
  done
}
check_soon() {
  local took
  if took=$(wait_for "$1" "$2"); then pass; else fail "$3: '$1' not out within $2 ms: $(tr '\n' '|' <out)"; fi
}

printf 'f1\n' >app.log
"$GPIPE" --state st 'read --follow app.log* | grep -v skip' >out 2>err &
pid=$!
check_soon f1 2000 "start"
printf 'f2\n' >>app.log
check_soon f2 1000 "appended"
printf 'skip me\nf3\n' >>app.log
check_soon f3 1000 "appended after a filtered line"
mv app.log app.log.1 && printf 'f4\n' >>app.log.1 && printf 'f5\n' >app.log
check_soon f4 1000 "rest of the rotated file"
check_soon f5 1000 "recreated file"
printf 'f6\n' >app.log.new
check_soon f6 1000 "new file matching the glob"
cp app.log app.log.2 && : >app.log && printf 'f7\n' >>app.log
check_soon f7 1000 "copytruncate"
printf 'f8\n' >>app.log.1
check_soon f8 1000 "appended to the rotated file"
kill -TERM $pid
wait $pid
status=$?
[[ $status == 0 ]] && pass || fail "SIGTERM: exit $status: $(cat err)"
expected=$(printf 'f1\nf2\nf3\nf4\nf5\nf6\nf7\nf8')
[[ "$(cat out)" == "$expected" ]] && pass || fail "each once: $(tr '\n' '|' <out)"
# The next run resumes exactly: only what came after.
printf 'f9\n' >>app.log
printf 'partial' >>app.log.new
after=$("$GPIPE" --state st 'read app.log* | grep -v skip')
[[ "$after" == "f9" ]] && pass || fail "resumed after SIGTERM: [$after]"

# Without --state: the files from their start, then what is appended.
rm -f app.log* st st.lock
printf 'n1\n' >plain.log
"$GPIPE" 'read --follow plain.log' >out &
pid=$!
check_soon n1 2000 "no state: start"
printf 'n2\n' >>plain.log
check_soon n2 1000 "no state: appended"
kill -INT $pid
wait $pid
[[ $? == 0 ]] && pass || fail "SIGINT: exit not 0"

# --line-buffered: each record goes out at once into a pipe.
mkfifo feed
"$GPIPE" --line-buffered 'read - | grep -F b' <feed | cat >out &
exec 3>feed
printf 'a\nb1\n' >&3
check_soon b1 1000 "--line-buffered"
exec 3>&-
wait

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
