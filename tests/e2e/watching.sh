#!/usr/bin/env bash
# Watching a run (docs/spec.md §5): --explain prints the plan and reads no input; --stats=json
# counts add up (per stage in = out + dropped + bad, each stage's out is the next one's in, the
# source's out is the input's records), with -j too; --progress draws a percentage in a
# pseudo-terminal and clears it, and draws nothing when stderr is a pipe.
# Usage: watching.sh GPIPE_BINARY   (run from the repository root: it reads sample-data/)
set -u
GPIPE=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/checks.sh"
expect_in() {  # NAME TEXT NEEDLE
  if [[ "$2" == *"$3"* ]]; then pass; else fail "$1: no '$3' in: $2"; fi
}

# --- --explain: each stage kind, the implicit read, chunks for items, -j, inputs -------------
out=$(printf 'data\n' | { "$GPIPE" --explain 'grep x | field 0'; cat; })
expect_in "explain implicit read" "$out" "read -   implicit: the pipeline starts with a filter"
expect_in "explain leaves stdin unread" "$out" $'\ndata'
out=$("$GPIPE" --explain 'items /a' </dev/null)
expect_in "explain chunks for items" "$out" "chunks 1MiB -"
out=$("$GPIPE" --explain -j 2 'read sample-data/tweets.jsonl | json | where .lang == "en" | count by .user.screen_name')
expect_in "explain json paths" "$out" "extracts only the paths later stages read: lang, user.screen_name"
expect_in "explain threads" "$out" "threads: 2 run json, where, count (stages 2-4)"
expect_in "explain -j reason" "$out" "-j 2 as given"
expect_in "explain aggregate on threads" "$out" "a partial state on each thread"
expect_in "explain grows" "$out" "grows with the number of groups"
out=$("$GPIPE" --explain 'read sample-data/app-2026-11-19.log.zst sample-data/app-2026-11-20.log.gz | sort | head 3 | to csv | write '"$work"'/o.csv')
expect_in "explain zstd" "$out" "app-2026-11-19.log.zst"
expect_in "explain zstd" "$out" ", zstd"
expect_in "explain gzip" "$out" ", gzip"
expect_in "explain bounded" "$out" "bounded by --mem"
expect_in "explain head into sort" "$out" "keeps only its first 3"
expect_in "explain write" "$out" "written to $work/o.csv"
[[ ! -e "$work/o.csv" ]] && pass || fail "explain wrote its output file"
out=$("$GPIPE" --explain 'read sample-data/app-api.log | tail 5')
expect_in "explain no threads" "$out" "'tail' keeps state between records"
out=$("$GPIPE" --explain=json -j 2 'read sample-data/users.csv | csv | select name')
if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["threads"]["count"]==2; assert d["stages"][1]["threads"]==2; assert d["inputs"][0]["compression"]=="none"' "$out"; then pass; else fail "explain=json: $out"; fi

# --- --stats=json: the counts add up --------------------------------------------------------
check_stats() {  # NAME RECORDS_IN_INPUT GPIPE_ARGS…
  local name=$1 want=$2
  shift 2
  "$GPIPE" --stats=json "$@" >/dev/null 2>"$work/stats" </dev/null
  if python3 - "$work/stats" "$want" <<'PY'; then pass; else fail "stats $name: $(cat "$work/stats")"; fi
import json, sys
text = open(sys.argv[1]).read()
stats = json.loads(text[text.index('{"wall_seconds"'):].splitlines()[0])
want = int(sys.argv[2])
stages = stats["stages"]
assert sum(i["records"] for i in stats["inputs"]) == want, "input records"
assert stages[0]["out"] + stages[0]["bad"] == want, "source"
for s in stages:
    assert s["in"] + s["added"] == s["out"] + s["dropped"] + s["bad"], s
for up, down in zip(stages, stages[1:]):
    assert up["out"] == down["in"], (up, down)
assert stages[-1]["out"] == stats["output"]["records"], "output"
PY
}
printf '{"a":1}\nnot json\n{"a":2}\n{"a":1}\n[1\n' >"$work/bad.jsonl"
check_stats "filters" 400 -j 1 'read sample-data/app-api.log | grep ERROR | field 1'
check_stats "filters -j 2" 400 -j 2 'read sample-data/app-api.log | grep ERROR | field 1'
check_stats "json skip" 5 -j 1 --on-error skip "read $work/bad.jsonl | json | where .a == 1"
check_stats "json skip -j 2" 5 -j 2 --on-error skip "read $work/bad.jsonl | json | where .a == 1"
check_stats "head" 400 -j 1 'read sample-data/app-api.log | head 7'
check_stats "aggregate" 400 -j 1 'read sample-data/app-api.log | grep -v zzz | count'
check_stats "aggregate -j 2" 400 -j 2 'read sample-data/app-api.log | grep -v zzz | count'
check_stats "aggregate alone -j 2" 400 -j 2 'read sample-data/app-api.log | count'
check_stats "compressed" 300 -j 2 'read sample-data/app-2026-11-19.log.zst | grep -v zzz | head 5'
"$GPIPE" --stats=json --on-error skip -j 2 "read $work/bad.jsonl | json" >/dev/null 2>"$work/stats"
expect_in "stats bad by reason" "$(cat "$work/stats")" '"bad":2,"bad_by_reason":{"invalid JSON'
"$GPIPE" --stats 'read sample-data/app-api.log | head 2' >/dev/null 2>"$work/stats"
expect_in "stats text" "$(cat "$work/stats")" "head 2"
expect_in "stats text input" "$(cat "$work/stats")" "input sample-data/app-api.log: 42 KiB read"

# --- --progress ----------------------------------------------------------------------------
for i in $(seq 400); do cat sample-data/app-api.log; done >"$work/big.log"  # about 17 MB
# A slow reader of stdout holds gpipe back long enough to draw; its stderr is the terminal.
script -qfec "$GPIPE --progress 'read $work/big.log' | (sleep 1.5; cat >/dev/null)" /dev/null \
  >"$work/pty" 2>&1
pty=$(cat "$work/pty")
if [[ "$pty" =~ [0-9]+%\ [0-9.]+\ [KM]iB\ of\ 1[67]\ MiB ]]; then pass; else fail "progress: no percentage in: $(head -c 300 "$work/pty" | od -c | head -5)"; fi
expect_in "progress cleared" "$pty" $'\r\033[K'
if [[ "${pty: -4}" == $'\033[K' || "$pty" == *$'\r\033[K' ]]; then pass; else fail "progress: not cleared at the end"; fi
"$GPIPE" 'read '"$work"'/big.log' 2>"$work/err" | (sleep 1; cat >/dev/null)
[[ ! -s "$work/err" ]] && pass || fail "progress drawn with stderr a pipe: $(head -c 200 "$work/err")"
script -qfec "$GPIPE --no-progress 'read $work/big.log' | (sleep 1; cat >/dev/null)" /dev/null >"$work/pty" 2>&1
[[ ! -s "$work/pty" ]] && pass || fail "--no-progress drew: $(head -c 200 "$work/pty" | od -c | head -3)"

echo "watching: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
