#!/usr/bin/env bash
# Sinks under time and trouble (issue 27):
#   1. ticks: `batch --every` closes a batch while a pipe is silent, also through filters that
#      drop records (an emptied batch or a tick must pass them);
#   2. tee: a slow branch over a large input keeps peak RSS bounded (never buffers the stream),
#      and sees every record;
#   3. write: SIGKILL at random moments never leaves a file under its real name, only the
#      documented temporary names, and a rerun still works;
#   4. write to a full disk (a 1 MiB tmpfs, when mount is permitted) and past a file size limit
#      (prlimit --fsize, always): exit 3 naming the file, nothing under the real name, no
#      temporary file left; with --split-lines the parts already renamed are whole.
# Usage: sinks.sh GPIPE_BINARY
set -u
GPIPE=$(realpath "$1")
work=$(mktemp -d)
mounted=""
cleanup() {
  [[ -n "$mounted" ]] && umount "$mounted" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export LC_ALL=C
source "$(dirname "$0")/checks.sh"
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then pass; else fail "$what"; fi
}
now_ms() { date +%s%3N; }

# --- 1. ticks ---------------------------------------------------------------------------------
# Prints "MS LINE" for each output line: milliseconds since `start`.
stamp_lines() {
  local start=$1 line
  while IFS= read -r line; do printf '%s %s\n' "$(($(now_ms) - start))" "$line"; done
}
tick_case() {  # tick_case NAME PIPELINE FIRST SECOND [INPUT_BEFORE INPUT_AFTER]
  local name=$1 pipeline=$2 first=$3 second=$4 start out
  local before=${5:-$'keep a\ndrop b\nkeep c\n'} after=${6:-$'drop d\nkeep e\n'}
  start=$(now_ms)
  out=$( (printf '%s' "$before"; sleep 3; printf '%s' "$after") |
    "$GPIPE" "$pipeline" | stamp_lines "$start")
  local t1 l1 t2 l2
  read -r t1 l1 <<<"$(sed -n 1p <<<"$out")"
  read -r t2 l2 <<<"$(sed -n 2p <<<"$out")"
  check "$name: first array $l1, want $first" test "$l1" = "$first"
  check "$name: second array $l2, want $second" test "$l2" = "$second"
  # --every 1s: the first batch closes about 1 s after its records came, long before the pipe's
  # next line (3 s); the second only after that line.
  check "$name: first array after ${t1} ms, want 500..2200" test "$t1" -ge 500 -a "$t1" -le 2200
  check "$name: second array after ${t2} ms, want >= 2800" test "$t2" -ge 2800
}
tick_case plain 'batch 500 --every 1s | to json-array' \
  '["keep a","drop b","keep c"]' '["drop d","keep e"]'
tick_case grep 'grep keep | batch 500 --every 1s | to json-array' '["keep a","keep c"]' '["keep e"]'
tick_case field 'grep -v zzz | field 1 | batch 500 --every 1s | to json-array' \
  '[{"1":"a"},{"1":"b"},{"1":"c"}]' '[{"1":"d"},{"1":"e"}]'
tick_case head-uniq-skip 'head 100 | uniq | skip 1 | batch 500 --every 1s | to json-array' \
  '["drop b","keep c"]' '["drop d","keep e"]'
# items passes ticks on without ending the document it is in the middle of.
tick_case items 'grep . | items | batch 500 --every 1s | to json-array' '[1,2]' '[3]' \
  $'[1,\n2,\n' $'3]\n'

# --- 2. tee: a slow branch, bounded memory -----------------------------------------------------
big=$work/big.log
line='2026-11-21T08:09:10.685Z ERROR [worker-7] inventory.sync: failed to parse payload order=45311 latency_ms=31'
lines=2800000  # about 300 MB
yes "$line" | head -n "$lines" >"$big"
# Incompressible lines, so that zstd output fills a small disk too.
random=$work/random.log
head -c 3M /dev/urandom | base64 >"$random"
peak_kib() { /usr/bin/time -f '%M' -o "$work/time" "$@" >/dev/null && cat "$work/time"; }
base=$(peak_kib "$GPIPE" "read $big | count")
teed=$(peak_kib "$GPIPE" "read $big | tee 'grep -i \"e.*r.*r.*o.*r.*w.*o.*r.*k.*e.*r\" | field 0 2 4 | to csv | write /dev/null' | count")
check "tee peak RSS ${teed} KiB, want under ${base} + 96 MiB" test "$teed" -le $((base + 96 * 1024))
branch_count=$("$GPIPE" "read $big | tee 'count | write $work/n.tsv' | count" | tail -1)
check "tee branch counted $(tail -1 "$work/n.tsv"), main $branch_count, want $lines" \
  test "$(tail -1 "$work/n.tsv")" = "$lines" -a "$branch_count" = "$lines"

# --- 3. write killed with SIGKILL ---------------------------------------------------------------
out=$work/kill/out.jsonl.zst
mkdir -p "$work/kill"
for i in $(seq 1 20); do
  "$GPIPE" "read $big | to jsonl | write $out" &
  pid=$!
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [[ -e "$out" ]]; then
    # It finished before the kill: a whole file, then. Remove it for the next round.
    zstd -tq "$out" || fail "kill $i: a broken file under the real name"
    rm -f "$out"
  fi
done
check "SIGKILL never left the real name" test ! -e "$out"
strays=$(find "$work/kill" -mindepth 1 ! -name '.out.jsonl.zst.gpipe-??????' | wc -l)
check "SIGKILL left only .out.jsonl.zst.gpipe-XXXXXX temporaries ($strays others)" test "$strays" -eq 0
"$GPIPE" "read $big | head 1000 | to jsonl | write $out"
check "a rerun after SIGKILLs writes the file" test "$(zstdcat "$out" | wc -l)" -eq 1000

# --- 4. full disk, file size limit --------------------------------------------------------------
no_leftovers() {  # no_leftovers DIR NAME: nothing named NAME or .NAME.gpipe-* in DIR
  [[ ! -e "$1/$2" ]] && [[ -z "$(find "$1" -name ".$2.gpipe-*")" ]]
}
full_disk_case() {  # full_disk_case NAME DIR [PREFIX...]: runs gpipe in DIR that fills up
  local name=$1 dir=$2
  shift 2
  "$@" "$GPIPE" "read $big | head 200000 | write $dir/out.log" 2>"$work/err"
  local status=$?
  check "$name: exit $status, want 3" test "$status" -eq 3
  check "$name: message names the file: $(cat "$work/err")" grep -q "$dir/out.log" "$work/err"
  check "$name: nothing under the real name, no temporary left" no_leftovers "$dir" out.log
}
mkdir -p "$work/limited"
full_disk_case "fsize limit" "$work/limited" prlimit --fsize=1000000
prlimit --fsize=1000000 "$GPIPE" "read $big | head 200000 | write --split-lines 20000 $work/limited/part.log" 2>/dev/null
check "split past the size limit: exit 3" test $? -eq 3
check "split past the size limit: no part under its name" test -z "$(ls "$work/limited")"
mkdir -p "$work/tmpfs"
if mount -t tmpfs -o size=1m tmpfs "$work/tmpfs" 2>/dev/null; then
  mounted=$work/tmpfs
  full_disk_case "full tmpfs" "$work/tmpfs"
  "$GPIPE" "read $random | write $work/tmpfs/out.log.zst" 2>/dev/null
  check "full tmpfs, zstd: exit 3" test $? -eq 3
  check "full tmpfs, zstd: no leftovers" no_leftovers "$work/tmpfs" out.log.zst
  # Parts of 5000 lines (about 560 KB): the first fits, the second fills the disk.
  "$GPIPE" "read $big | head 20000 | write --split-lines 5000 $work/tmpfs/part.log" 2>/dev/null
  check "full tmpfs, split: exit 3" test $? -eq 3
  check "full tmpfs, split: part 1 whole, part 2 not under its name" \
    test "$(wc -l <"$work/tmpfs/part-0001.log")" -eq 5000 -a ! -e "$work/tmpfs/part-0002.log"
  check "full tmpfs, split: no temporary left" test -z "$(find "$work/tmpfs" -name '.*gpipe-*')"
  umount "$work/tmpfs" && mounted=""
else
  echo "SKIP full tmpfs: mount -t tmpfs is not permitted here (the fsize limit case covers it)"
fi

echo "sinks: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
