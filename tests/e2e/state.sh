#!/usr/bin/env bash
# --state (docs/spec.md §7, docs/scheduled-jobs.md): one scenario per failure the trackers of
# log shippers hold, each a few runs of a job over files changed between runs, checked against
# the lines that must come out exactly once:
#   appended lines; partial last lines; rename + create rotation (the rest of the old file
#   first); copytruncate; two files with the same first line; inode reuse; a file shorter than
#   the hash window; a truncated-and-rewritten file; an empty, cut or corrupt state file; the
#   lock refusing an overlapping run; a compressed rotated file read once; write --append cut
#   back after a stopped run (plain and .zst); csv resumed with its header; refused stages.
# Usage: state.sh GPIPE_BINARY
set -u
GPIPE=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$root/tests/e2e/checks.sh"
# expect NAME EXPECTED ACTUAL
expect() {
  if [[ "$2" == "$3" ]]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}
fresh() { rm -rf "$work/s" && mkdir "$work/s" && cd "$work/s" || exit 1; }
run() { "$GPIPE" --state st "$@"; }

# Appended lines come out on the next run, and nothing twice.
fresh
printf 'a1\na2\n' >a.log
expect "first run" "$(printf 'a1\na2')" "$(run 'read a.log')"
expect "nothing new" "" "$(run 'read a.log')"
printf 'a3\n' >>a.log
expect "appended" "a3" "$(run 'read a.log')"

# A last line without its newline waits for it (a writer may be in the middle of it).
fresh
printf 'x1\nx2' >p.log
expect "partial held" "x1" "$(run 'read p.log')"
printf 'tail\nx3\n' >>p.log
expect "partial completed" "$(printf 'x2tail\nx3')" "$(run 'read p.log')"

# Rotation by rename + create: the rest of the old file first, then the new one from its start.
fresh
printf 'old1\nold2\n' >app.log
run 'read app.log*' >/dev/null
printf 'old3\n' >>app.log
mv app.log app.log.1
printf 'new1\n' >app.log
expect "rename+create" "$(printf 'old3\nnew1')" "$(run 'read app.log*')"
expect "rename+create again" "" "$(run 'read app.log*')"

# The same content under a new inode (an atomic rewrite: copy, then rename over): a rename of
# the old file, read on where it was.
fresh
printf 'r1\nr2\n' >r.log
run 'read r.log' >/dev/null
cp r.log r.tmp && printf 'r3\n' >>r.tmp && mv r.tmp r.log
expect "new inode, old head" "r3" "$(run 'read r.log')"

# copytruncate: the copy continues where the file was; the truncated file is new from its start.
fresh
printf 'c1\nc2\n' >ct.log
run 'read ct.log*' >/dev/null
printf 'c3\n' >>ct.log
cp ct.log ct.log.1 && : >ct.log && printf 'c4\n' >>ct.log
expect "copytruncate" "$(printf 'c3\nc4')" "$(run 'read ct.log*')"
expect "copytruncate again" "" "$(run 'read ct.log*')"

# Two files with the same first line (and the same first bytes) are two files.
fresh
printf 'same banner line\nA1\n' >a.log
printf 'same banner line\nB1\n' >b.log
expect "same first line" "$(printf 'same banner line\nA1\nsame banner line\nB1')" \
  "$(run 'read a.log b.log')"
printf 'B2\n' >>b.log
expect "same first line, appended" "B2" "$(run 'read a.log b.log')"
cp a.log c.log  # a third file with the same bytes while a.log is there: a file of its own
expect "same bytes, both present" "$(printf 'same banner line\nA1')" "$(run 'read a.log b.log c.log')"

# Inode reuse: a file removed and another created on its inode is read from its start.
fresh
printf 'first file line\n' >i.log
run 'read i.log' >/dev/null
inode=$(stat -c %i i.log)
rm i.log
reused=no
for n in $(seq 1 50); do
  printf 'other file %s\nmore\n' "$n" >"j$n.log"
  if [[ $(stat -c %i "j$n.log") == "$inode" ]]; then reused=$n; break; fi
done
if [[ $reused == no ]]; then
  # The file system gave no inode back: make one take the old path and check by name instead.
  printf 'other file\nmore\n' >i.log
  expect "inode reuse (new inode)" "$(printf 'other file\nmore')" "$(run 'read i.log')"
else
  mv "j$reused.log" i.log
  expect "inode reuse" "$(printf 'other file %s\nmore' "$reused")" "$(run 'read i.log')"
fi

# A file shorter than the hash window keeps its identity as it grows past it.
fresh
printf 's\n' >short.log
run 'read short.log' >/dev/null
printf 't\n' >>short.log
expect "short, grown" "t" "$(run 'read short.log')"
head -c 3000 /dev/zero | tr '\0' 'z' >>short.log && printf '\n' >>short.log
run 'read short.log' >/dev/null
printf 'u\n' >>short.log
expect "short, grown past the window" "u" "$(run 'read short.log')"

# Truncated and rewritten in place (same inode): shorter, then longer with other first bytes.
fresh
printf 'w1\nw2\nw3\n' >w.log
run 'read w.log' >/dev/null
printf 'v1\n' >w.log
expect "rewritten shorter" "v1" "$(run 'read w.log')"
printf 'q1 is a longer line than before\nq2\n' >w.log
expect "rewritten longer" "$(printf 'q1 is a longer line than before\nq2')" "$(run 'read w.log')"

# A state file that is empty, cut or damaged is an error naming it, never a restart from zero.
fresh
printf 'e1\n' >e.log
run 'read e.log' >/dev/null
cp st st.good
: >st
"$GPIPE" --state st 'read e.log' >out 2>err
expect "empty state: exit" 3 $?
grep -q "state file 'st' is empty" err && pass || fail "empty state: message: $(cat err)"
head -c 20 st.good >st
"$GPIPE" --state st 'read e.log' >out 2>err
expect "cut state: exit" 3 $?
grep -q "state file 'st' is damaged" err && pass || fail "cut state: message: $(cat err)"
sed 's/e\.log/f.log/' st.good >st
"$GPIPE" --state st 'read e.log' >out 2>err
expect "corrupt state: exit" 3 $?
grep -q "checksum" err && pass || fail "corrupt state: message: $(cat err)"
expect "corrupt state: no output" "" "$(cat out)"
chmod 000 st 2>/dev/null
if [[ $(id -u) != 0 ]]; then
  "$GPIPE" --state st 'read e.log' >out 2>err
  expect "unreadable state: exit" 3 $?
fi
chmod 644 st

# The lock: a second run while one holds the state fails at once, naming the file and the pid.
fresh
printf 'l1\n' >l.log
"$GPIPE" --state st 'read --follow l.log' >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 50); do [[ -s st.lock ]] && break; sleep 0.1; done
start=$(date +%s%N)
"$GPIPE" --state st 'read l.log' >out 2>err
status=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
expect "lock: exit" 3 $status
grep -q "state file 'st' is in use by another gpipe run (pid $holder" err && pass ||
  fail "lock: message: $(cat err)"
((elapsed < 2000)) && pass || fail "lock: took ${elapsed} ms, not at once"
kill -TERM $holder && wait $holder
expect "lock holder ends on SIGTERM" 0 $?

# A compressed rotated file is read once: the rest of the file it was, then never again.
fresh
printf 'g1\ng2\n' >app.log
run 'read app.log*' >/dev/null
printf 'g3\n' >>app.log
mv app.log app.log.1 && gzip app.log.1 && printf 'g4\n' >app.log
expect "compressed rotation" "$(printf 'g3\ng4')" "$(run 'read app.log*')"
expect "compressed rotation again" "" "$(run 'read app.log*')"
printf 'h1\nh2\n' | zstd -q >other.log.zst
expect "new compressed file" "$(printf 'h1\nh2')" "$(run 'read other.log.zst')"
expect "new compressed file again" "" "$(run 'read other.log.zst')"
grep -q $'\tzd\t' st && pass || fail "compressed file not recorded as done: $(cat st)"

# write --append: bytes a stopped run wrote past its last commit are cut away first.
for out in out.log out.log.zst; do
  fresh
  printf 'o1\no2\n' >in.log
  run "read in.log | write --append $out"
  printf 'half a line written by a killed run' >>"$out"
  printf 'o3\n' >>in.log
  run "read in.log | write --append $out" 2>err
  expect "append cut back ($out)" "$(printf 'o1\no2\no3')" "$(zstdcat -qcf "$out")"
  grep -q "removed 35 bytes" err && pass || fail "append cut back ($out): message: $(cat err)"
done
fresh
printf 'o1\n' >in.log
printf 'kept\n' >out.log
run 'read in.log | write --append out.log'
expect "append keeps what was there" "$(printf 'kept\no1')" "$(cat out.log)"
: >out.log
"$GPIPE" --state st 'read in.log | write --append out.log' 2>err
expect "output cut by someone else: exit" 3 $?

# csv resumed past its header still has its column names.
fresh
printf 'name,n\nann,1\n' >u.csv
run 'read u.csv | csv | select n name' >/dev/null
printf 'bob,2\n' >>u.csv
expect "csv resumed" "$(printf 'n,name\n2,bob')" "$(run 'read u.csv | csv | select n name')"

# Stages that hold records are refused, standard input too.
fresh
printf 'z\n' >z.log
"$GPIPE" --state st 'read z.log | head 1' >/dev/null 2>err
expect "head refused" 2 $?
grep -q "'head' cannot run under --state" err && pass || fail "head refused: message: $(cat err)"
printf 'y\n' >>z.log
expect "sort allowed, state at the end" "$(printf 'y\nz')" "$(run 'read z.log | sort')"
expect "sort allowed, nothing new" "" "$(run 'read z.log | sort')"
"$GPIPE" --state st 'grep z' </dev/null >/dev/null 2>err
expect "stdin refused" 2 $?
"$GPIPE" -j 2 --state st 'read z.log' >/dev/null 2>err
expect "-j refused" 2 $?

# --log-file: messages appended with a timestamp, the skipped bad records' summary, the start
# and the end of each run; standard error still has the messages.
fresh
printf '{"a":1}\nnot json\n' >j.log
"$GPIPE" --state st --log-file job.log --on-error skip 'read j.log | json' >/dev/null 2>err
"$GPIPE" --state st --log-file job.log 'read j.log | json' >/dev/null 2>>err
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+-][0-9]{2}:[0-9]{2} gpipe\[[0-9]+\] '
expect "log: lines" 6 "$(grep -cE "$stamp" job.log)"
grep -qE "${stamp}info: start: --state st --log-file job.log --on-error skip" job.log && pass || fail "log: start: $(cat job.log)"
grep -qE "${stamp}warning: 1 bad record skipped" job.log && pass || fail "log: summary: $(cat job.log)"
grep -qE "${stamp}info: end: exit 0, 1 records out" job.log && pass || fail "log: end: $(cat job.log)"
grep -q "1 bad record skipped" err && pass || fail "log: stderr still has it"
"$GPIPE" --log-file "$work/no-such-dir/x.log" 'read j.log' >/dev/null 2>err
expect "log: unwritable: exit" 3 $?

# The jobs of pipelines/: a second run adds only what is new, and the totals stay right.
fresh
cp "$root/sample-data/app-api.log" app.log
"$GPIPE" --state st -f "$root/pipelines/rotating-errors.gp" --set logs='app.log*' --set out=errors.log.zst
grep -w -E 'ERROR|FATAL' app.log >expected
printf '2026-12-07T10:00:00Z ERROR fresh line\n' >>app.log && mv app.log app.log.1 && gzip app.log.1
printf '2026-12-07T10:00:01Z FATAL newest line\n' >app.log
"$GPIPE" --state st -f "$root/pipelines/rotating-errors.gp" --set logs='app.log*' --set out=errors.log.zst
printf '2026-12-07T10:00:00Z ERROR fresh line\n2026-12-07T10:00:01Z FATAL newest line\n' >>expected
zstdcat errors.log.zst | cmp -s - expected && pass || fail "rotating-errors.gp: $(zstdcat errors.log.zst | tail -3)"
head -n 40 "$root/sample-data/tweets.jsonl" >dump-1.jsonl
"$GPIPE" --state st2 --partial -f "$root/pipelines/tweet-languages.gp" --set dump='dump-*.jsonl*' --set out=counts.jsonl
tail -n +41 "$root/sample-data/tweets.jsonl" | zstd -q >dump-2.jsonl.zst
"$GPIPE" --state st2 --partial -f "$root/pipelines/tweet-languages.gp" --set dump='dump-*.jsonl*' --set out=counts.jsonl
"$GPIPE" --state st2 --partial -f "$root/pipelines/tweet-languages.gp" --set dump='dump-*.jsonl*' --set out=counts.jsonl
expect "tweet-languages.gp: merged = one pass" \
  "$("$GPIPE" "read $root/sample-data/tweets.jsonl | json | count by lang | sort lang")" \
  "$("$GPIPE" 'read counts.jsonl | merge | sort lang')"

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
