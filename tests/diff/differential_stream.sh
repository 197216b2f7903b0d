#!/usr/bin/env bash
# Differential tests of the stages that keep state between records, over the loghub corpus
# (github.com/logpai/loghub) and the sample data:
#   running sum avg count min max  = awk's running totals
#   window N sum avg min max count = awk's statistics of the last N values, recomputed per record
#   dedup, dedup F…                = awk '!seen[$0]++', '!seen[$2]++'; as a set, sort -u;
#                                    --max 1 remembers one key: uniq
#   bucket                         = GNU date's truncation of the timestamps awk cuts out
#   sample                         = a subsequence of the input, about P of it, the same each run
# Numbers are compared as numbers (awk prints %.17g, gpipe the shortest text): equal for integer
# sums, within 1e-9 of each other for doubles.
# Usage: differential_stream.sh GPIPE_BINARY CORPORA_DIR
set -u
GPIPE=$(realpath "$1")
corpora=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

passed=0
failed=0

shopt -s nullglob
logs=("$corpora"/loghub/*.log)
shopt -u nullglob
if ((${#logs[@]} == 0)); then
  echo "differential_stream: no loghub corpus under '$corpora': running the sample data only"
fi
inputs=("${logs[@]}" "$root/sample-data/access.log" "$root/sample-data/app-api.log")

fail() {  # description, then what to show
  failed=$((failed + 1))
  echo "FAIL $1"
  shift
  for line in "$@"; do echo "  $line"; done
}

# Runs gpipe and the reference; their outputs must be byte for byte the same.
check_same() {  # description, gpipe command, reference command
  bash -c "$2" >"$work/ours" 2>"$work/ours.err"
  local status=$?
  bash -c "$3" >"$work/ref" 2>/dev/null
  if [[ $status -ne 0 ]] || ! cmp -s "$work/ours" "$work/ref"; then
    fail "$1 (status $status)" "gpipe: $2" "ref:   $3" "$(head -2 "$work/ours.err")" \
      "$(diff "$work/ref" "$work/ours" | head -6)"
  else
    passed=$((passed + 1))
  fi
}

# The same for tab-separated numbers: empty cells alike, numbers within 1e-9 (relative).
check_numbers() {  # description, gpipe command, reference command
  bash -c "$2" >"$work/ours" 2>"$work/ours.err"
  local status=$?
  bash -c "$3" >"$work/ref" 2>/dev/null
  local differ
  differ=$(paste "$work/ours" "$work/ref" | awk -F'\t' '
    function abs(x) { return x < 0 ? -x : x }
    {
      k = NF / 2
      for (i = 1; i <= k; i++) {
        a = $i; b = $(i + k)
        if (a == "" || b == "") { if (a != b) { print NR ": " $0; exit } }
        else if (abs(a - b) > 1e-9 * (abs(b) > 1 ? abs(b) : 1)) { print NR ": " $0; exit }
      }
    }
    END { if (NR == 0) print "no output" }')
  if [[ $status -ne 0 || -n "$differ" ]] || [[ $(wc -l <"$work/ours") != $(wc -l <"$work/ref") ]]; then
    fail "$1 (status $status)" "gpipe: $2" "ref:   $3" "$(head -2 "$work/ours.err")" "$differ"
  else
    passed=$((passed + 1))
  fi
}

lf="sed 's/\\r\$//'"  # gpipe reads CRLF as a line end

# ---- running and window, over numbers made from each log's lines: its words, its length over
# 7 (a decimal), and every fifth line a missing third value.
for input in "${inputs[@]}"; do
  base=$(basename "$input")
  numbers="$work/$base.numbers"
  eval "$lf" '"$input"' | awk '{ printf "%d %.3f%s\n", NF, length($0) / 7, (NR % 5 == 0 ? "" : " " (NR * 7919) % 1000 - 500) }' >"$numbers"
  for column in 0 1 2; do
    check_numbers "$base running column $column" \
      "$GPIPE 'read $numbers | running sum avg count min max $column | field running_sum running_avg running_count running_min running_max'" \
      "awk -v c=$((column + 1)) '{ if (NF >= c) { v = \$c + 0; s += v; n++; if (n == 1 || v < mn) mn = v; if (n == 1 || v > mx) mx = v }
         printf \"%.17g\t%s\t%d\t%s\t%s\n\", s, n ? sprintf(\"%.17g\", s / n) : \"\", n, n ? mn : \"\", n ? mx : \"\" }' $numbers"
    for length in 1 7 100; do
      check_numbers "$base window $length column $column" \
        "$GPIPE 'read $numbers | window $length sum avg min max count $column | field window_sum window_avg window_min window_max window_count'" \
        "awk -v c=$((column + 1)) -v w=$length '{
           has[NR] = NF >= c; v[NR] = \$c + 0; s = 0; n = 0
           for (j = NR - w + 1; j <= NR; j++) {
             if (j < 1 || !has[j]) continue
             s += v[j]; if (n == 0 || v[j] < mn) mn = v[j]; if (n == 0 || v[j] > mx) mx = v[j]; n++
           }
           printf \"%.17g\t%s\t%s\t%s\t%d\n\", s, n ? sprintf(\"%.17g\", s / n) : \"\", n ? mn : \"\", n ? mx : \"\", n }' $numbers"
    done
  done
done

# ---- dedup
for input in "${inputs[@]}"; do
  base=$(basename "$input")
  check_same "$base dedup" "$GPIPE 'read $input | dedup'" "$lf $input | awk '!seen[\$0]++'"
  check_same "$base dedup 1" "$GPIPE 'read $input | dedup 1'" "$lf $input | awk '!seen[\$2]++'"
  check_same "$base dedup 0 2" "$GPIPE 'read $input | dedup 0 2'" \
    "$lf $input | awk '!seen[\$1, \$3]++'"
  check_same "$base dedup as a set is sort -u" "$GPIPE 'read $input | dedup' | sort" \
    "$lf $input | sort -u"
  check_same "$base dedup --max 1 is uniq" "$GPIPE -q 'read $input | dedup --max 1'" \
    "$lf $input | uniq"
  check_same "$base dedup --max above the keys" "$GPIPE 'read $input | dedup 1 --max 100000'" \
    "$lf $input | awk '!seen[\$2]++'"
done

# ---- bucket: the timestamp of each line, cut out by awk and truncated by GNU date.
# log | what awk prints for date -d | bucket
bucket_cases=(
  "Apache_2k.log|awk -F'[][]' '{ print \$2 }'|1h|+%Y-%m-%dT%H:00:00Z"
  "BGL_2k.log|awk '{ print \"@\" \$2 }'|1m|+%Y-%m-%dT%H:%M:00Z"
  "HPC_2k.log|awk '{ print \"@\" \$5 }'|1d|+%Y-%m-%dT00:00:00Z"
  "Hadoop_2k.log|awk '{ sub(\",\", \".\", \$2); print \$1, \$2 }'|1s|+%Y-%m-%dT%H:%M:%SZ"
  "Linux_2k.log|awk '{ print \$1, \$2, \$3, 2026 }'|1h|+%Y-%m-%dT%H:00:00Z"
  "Mac_2k.log|awk '{ print \$1, \$2, \$3, 2026 }'|1m|+%Y-%m-%dT%H:%M:00Z"
  "OpenSSH_2k.log|awk '{ print \$1, \$2, \$3, 2026 }'|1d|+%Y-%m-%dT00:00:00Z"
  "access.log|awk -F'[][]' '{ gsub(\"/\", \" \", \$2); sub(\":\", \" \", \$2); print \$2 }'|1m|+%Y-%m-%dT%H:%M:00Z"
  "app-api.log|awk '{ print \$1 }'|1s|+%Y-%m-%dT%H:%M:%SZ"
)
for case in "${bucket_cases[@]}"; do
  IFS='|' read -r base cut width format <<<"$case"
  input="$corpora/loghub/$base"
  [[ -f "$input" ]] || input="$root/sample-data/$base"
  [[ -f "$input" ]] || continue
  check_same "$base bucket $width" \
    "$GPIPE 'read $input | bucket $width --year 2026 | field _bucket'" \
    "$lf $input | $cut | date -u -f - '$format'"
done

# ---- sample: in input order, about P, the same every run, another with another seed.
all=("${inputs[@]}")
# The lines as gpipe reads them (several logs lack a last newline).
awk '{ sub(/\r$/, ""); print }' "${all[@]}" >"$work/all"
total=$(wc -l <"$work/all")
$GPIPE "read ${all[*]} | sample 10%" >"$work/sample1"
$GPIPE "read ${all[*]} | sample 10%" >"$work/sample2"
$GPIPE "read ${all[*]} | sample 10% --seed 5" >"$work/sample3"
kept=$(wc -l <"$work/sample1")
# 5 standard deviations of a binomial draw: a fair draw strays further once in 3.5 million.
bound=$(awk -v n="$total" 'BEGIN { print int(5 * sqrt(n * 0.1 * 0.9)) + 1 }')
if cmp -s "$work/sample1" "$work/sample2" && ! cmp -s "$work/sample1" "$work/sample3" &&
   ((kept > total / 10 - bound && kept < total / 10 + bound)) &&
   ! diff "$work/all" "$work/sample1" | grep -q '^>'; then
  passed=$((passed + 1))
else
  fail "sample 10% of $total lines kept $kept (within $bound of a tenth?), in order, the same twice"
fi

echo "differential_stream: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
