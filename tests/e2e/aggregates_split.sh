#!/usr/bin/env bash
# The aggregates give the one-pass answer however the input is split (docs/spec.md §8):
# - `-j 2` equals `-j 1` byte for byte;
# - the input cut in 4 (and unevenly), each part run with --partial, merged in order, equals one
#   process byte for byte; merged in another order, the same groups and values;
# - a combiner (`merge --partial`) in between changes nothing;
# - Hadoop Streaming's shape (--keyed lines, sorted, `merge --sorted`) gives the same groups;
# - GNU parallel's recipe, on one machine and "across machines" (-S, with an ssh stand-in that
#   runs the command here), equals one process.
# Usage: aggregates_split.sh GPIPE_BINARY
set -u
GPIPE=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
passed=0
failed=0
check() {  # name want got
  if cmp -s "$2" "$3"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1"; diff "$2" "$3" | head -5; fi
}

python3 "$here/../../bench/gen_data.py" access --lines 40000 --seed 31 >"$work/access.log"
# Decimals too: the bytes field as kilobytes with three decimals.
awk '{printf "%s %s %.3f\n", $7, $9, $10 / 1000}' "$work/access.log" >"$work/kb.log"
split -n l/4 -d "$work/kb.log" "$work/part-"
head -c 1000 "$work/kb.log" | head -n -1 >"$work/uneven-0"
tail -n +"$(($(wc -l <"$work/uneven-0") + 1))" "$work/kb.log" >"$work/uneven-1"

aggregates=(
  "count" "count by 1" "count by 0 1"
  "sum 2" "sum 2 by 1" "avg 2 by 0" "min 2 by 1" "max 2 by 0 1" "stats 2 by 1" "stats 2"
  # quantile past its exact limit (40,000 values: a DDSketch), and by group (exact)
  "quantile 2 p50 p90 p99.9" "quantile 2 0.5 0.99 by 1"
  "distinct 2" "distinct 0 by 1" "distinct 2 by 1 --exact"
  # top's sketch is byte-equal across splits only where its counts are exact (skewed values);
  # its bounds are tested in tests/unit/stages/aggregates/sketches_top_test.cpp
  "top 5 0" "top 2 0 by 1" "top 5 2 --exact"
)
# Under the sanitizers (GPIPE_SANITIZED, ten times slower), one of each kind of state: the exact
# ones share their code, so count, sum and stats stand for them.
if [[ -n ${GPIPE_SANITIZED:-} ]]; then
  aggregates=("count by 1" "sum 2 by 1" "stats 2 by 1" "quantile 2 p50 p90 p99.9" "quantile 2 0.5 0.99 by 1"
    "distinct 2" "distinct 2 by 1 --exact" "top 5 0" "top 5 2 --exact")
fi
if [[ -n ${GPIPE_EXTRA_AGGREGATES:-} ]]; then read -ra extra <<<"$GPIPE_EXTRA_AGGREGATES"; aggregates+=("${extra[@]}"); fi

for aggregate in "${aggregates[@]}"; do
  "$GPIPE" -j 1 "read $work/kb.log | $aggregate" >"$work/one"
  "$GPIPE" -j 2 "read $work/kb.log | $aggregate" >"$work/two"
  check "$aggregate: -j 2 against -j 1" "$work/one" "$work/two"

  for part in "$work"/part-0?; do "$GPIPE" --partial "read $part | $aggregate" >"$part.partial"; done
  cat "$work"/part-0?.partial | "$GPIPE" merge >"$work/merged"
  check "$aggregate: 4 parts merged in order" "$work/one" "$work/merged"
  cat "$work"/part-03.partial "$work"/part-01.partial "$work"/part-00.partial \
    "$work"/part-02.partial | "$GPIPE" merge >"$work/shuffled"
  check "$aggregate: 4 parts merged out of order (sorted)" <(sort "$work/one") <(sort "$work/shuffled")
  cat "$work"/part-0[01].partial | "$GPIPE" merge --partial >"$work/combined"
  cat "$work/combined" "$work"/part-0[23].partial | "$GPIPE" merge >"$work/merged"
  check "$aggregate: a combiner in between" "$work/one" "$work/merged"

  # Hadoop Streaming's shape: keyed lines, sorted by key, a sorted combiner, a sorted reducer
  # (one group in memory at a time): the one-process groups, in key order.
  for part in "$work"/part-0?; do "$GPIPE" --partial --keyed "read $part | $aggregate" >"$part.keyed"; done
  cat "$work"/part-0[01].keyed | sort | "$GPIPE" --partial --keyed 'merge --sorted' >"$work/combined"
  cat "$work/combined" "$work"/part-0[23].keyed | sort | "$GPIPE" 'merge --sorted' >"$work/merged"
  check "$aggregate: keyed, sorted, merge --sorted (sorted)" <(sort "$work/one") <(sort "$work/merged")

  for part in "$work"/uneven-?; do "$GPIPE" --partial "read $part | $aggregate" >"$part.partial"; done
  cat "$work"/uneven-?.partial | "$GPIPE" merge >"$work/merged"
  check "$aggregate: an uneven split" "$work/one" "$work/merged"
done

# GNU parallel: blocks of the file to gpipe --partial on 4 job slots, in order, then one merge.
if command -v parallel >/dev/null; then
  "$GPIPE" 'read '"$work/access.log"' | stats 9 by 8' >"$work/one"
  parallel --pipepart -a "$work/access.log" --block -4 -k -q "$GPIPE" --partial 'stats 9 by 8' |
    "$GPIPE" merge >"$work/merged"
  check "parallel --pipepart, one machine" "$work/one" "$work/merged"
  # The stand-in sets SHELL as sshd does for a login: GNU parallel's remote worker runs the job
  # with $SHELL and runs nothing, silently, where it is unset (as on a CI machine).
  printf '#!/bin/sh\n# ssh stand-in: drops the host (and "--") and runs the command here\nshift\n[ "$1" = "--" ] && shift\nSHELL=/bin/sh exec sh -c "$*"\n' >"$work/ssh"
  chmod +x "$work/ssh"
  parallel --ssh "$work/ssh" -S 1/host1,1/host2 --pipepart -a "$work/access.log" --block -4 -k \
    -q "$GPIPE" --partial 'stats 9 by 8' | "$GPIPE" merge >"$work/merged"
  check "parallel -S host1,host2 (ssh stand-in)" "$work/one" "$work/merged"
else
  echo "aggregates_split: GNU parallel is not installed (tests/setup.sh installs it)"
  failed=$((failed + 1))
fi

# merge's own errors: a line that is no partial state is a bad record; another aggregate's too.
printf 'hello\n' | "$GPIPE" merge >/dev/null 2>"$work/err"
status=$?
if [[ $status == 4 ]] && grep -q "not JSON" "$work/err"; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: merge of a non-partial line: exit $status: $(cat "$work/err")"; fi
{ "$GPIPE" --partial "read $work/kb.log | count" && "$GPIPE" --partial "read $work/kb.log | sum 2"; } |
  "$GPIPE" merge >/dev/null 2>"$work/err"
status=$?
if [[ $status == 4 ]] && grep -q "a partial state of 'sum 2' among those of 'count'" "$work/err"; then
  passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: merge of two aggregates: exit $status: $(cat "$work/err")"; fi

echo "aggregates_split: $passed passed, $failed failed"
((failed == 0))
