#!/usr/bin/env bash
# Differential test: `gpipe 'read F | grep FLAGS P | field N…'` must equal
# `grep FLAGS P F | awk '{print $N+1 …}'` byte for byte, over the loghub corpus and generated logs,
# read plain, gzip- and zstd-compressed, and from standard input; and `gpipe 'read F | sort'`
# must equal `LC_ALL=C sort -s F`. gpipe treats "\r\n" as a line
# ending (docs/spec.md §6: CRLF handled), so the reference reads the input with the "\r" of CRLF removed.
# Usage: differential.sh GPIPE_BINARY CORPORA_DIR
set -u
GPIPE=$(realpath "$1")
corpora=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C.UTF-8

passed=0
failed=0
lf="sed 's/\\r\$//'"  # CRLF -> LF

# Inputs: every loghub log, a generated app log with long lines, and a generated access log.
# A checkout without the shared corpora next to it still runs the generated inputs, and says so.
shopt -s nullglob
inputs=("$corpora"/loghub/*.log)
shopt -u nullglob
if ((${#inputs[@]} == 0)); then
  echo "differential: no loghub corpus under '$corpora': running the generated logs only"
fi
python3 "$here/../../bench/gen_data.py" applog --lines 20000 --seed 11 >"$work/gen-app.log"
python3 "$here/../../bench/gen_data.py" access --lines 5000 --seed 12 >"$work/gen-access.log"
inputs+=("$work/gen-app.log" "$work/gen-access.log")

# pattern flags | fields (0-based, space separated)
cases=(
  "ERROR|0"
  "error -i|0 2"
  "-v INFO|1"
  "fail -w|0 1 4"
  "-F [main]|2"
  "-F 10.251|3"
  "[0-9]{4,}|0"
  "^[A-Z][a-z]{2} [0-9]+|1 0"
  "-i -w DEBUG|0"
  "-v -i info|5"
  "block|0 30"
  "-F .|4"
  "user=u[0-9]+$|0"
)

check() {  # description, gpipe command, reference command
  local what=$1 ours=$2 ref=$3
  bash -c "$ours" >"$work/ours" 2>"$work/ours.err"
  local ours_status=$?
  bash -c "$ref" >"$work/ref" 2>/dev/null
  if [[ $ours_status -ne 0 ]] || ! cmp -s "$work/ours" "$work/ref"; then
    failed=$((failed + 1))
    echo "FAIL $what (status $ours_status)"
    echo "  gpipe: $ours"
    echo "  ref:   $ref"
    head -3 "$work/ours.err" | sed 's/^/  stderr: /'
    diff "$work/ref" "$work/ours" | head -6 | sed 's/^/  /'
  else
    passed=$((passed + 1))
  fi
}

awk_fields() {  # "0 2" -> awk program printing $1 "\t" $3
  local prog="" f
  for f in $1; do prog+="${prog:+, }\$$((f + 1))"; done
  echo "BEGIN { OFS = \"\\t\" } { print $prog }"
}

for input in "${inputs[@]}"; do
  base=$(basename "$input")
  gzip -c "$input" >"$work/$base.gz"
  zstd -q -c --long=27 "$input" -o "$work/$base.zst"
  for case in "${cases[@]}"; do
    grep_args=${case%%|*}
    fields=${case##*|}
    # Quote the pattern (the last word) for both tools; flags stay separate words.
    read -r -a words <<<"$grep_args"
    flags=()
    pattern=""
    for w in "${words[@]}"; do
      if [[ -z "$pattern" && "$w" == -* ]]; then flags+=("$w"); else pattern=$w; fi
    done
    gflags="${flags[*]+"${flags[*]}"}"
    # GNU grep: -E for the regex syntax RE2 shares with ERE (not for -F).
    eflag="-E"
    [[ " $gflags " == *" -F "* ]] && eflag=""
    ref_tail="| awk '$(awk_fields "$fields")'"
    pq=$(printf '%q' "$pattern")
    check "$base [$grep_args] field $fields" \
      "$GPIPE \"read $input | grep $gflags '$pattern' | field $fields\"" \
      "$lf $input | grep $eflag $gflags -- $pq $ref_tail"
  done
  # Compressed and standard input variants of one case each.
  check "$base.gz" "$GPIPE \"read $work/$base.gz | grep -i error | field 0\"" \
    "$lf $input | grep -i error | awk '{print \$1}'"
  check "$base.zst" "$GPIPE \"read $work/$base.zst | grep -i error | field 0\"" \
    "$lf $input | grep -i error | awk '{print \$1}'"
  check "$base stdin" "cat $work/$base.zst | $GPIPE \"grep -v -i info | field 1\"" \
    "$lf $input | grep -v -i info | awk '{print \$2}'"
  # sort: whole lines as LC_ALL=C sort -s, in memory and spilled to temporary files.
  for mem in 256MiB 64KiB; do
    check "$base sort --mem $mem" "$GPIPE \"read $input | sort --mem $mem\"" \
      "$lf $input | LC_ALL=C sort -s"
  done
done

echo "differential: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
