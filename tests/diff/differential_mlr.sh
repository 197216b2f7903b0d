#!/usr/bin/env bash
# Differential tests of the csv stage against Miller 6: the same CSV read by
# `gpipe 'read F | csv | select … | to tsv'` and `mlr --icsv --otsv cut -o -f …` must give the
# same rows, byte for byte. Both escape TSV values the same way (\t \n \r \\), so Miller's output
# is compared as is (less its header line if gpipe's `to tsv` prints none).
# Inputs: the users table of bench/gen_data.py (quoted commas, doubled quotes, newlines inside
# quotes), a randomised CSV whose every column mixes quotes, separators, doubled quotes, line
# breaks, tabs, backslashes and UTF-8 (with ',' and ';' separators), and csv-spectrum.
# Usage: differential_mlr.sh GPIPE_BINARY CORPORA_DIR
set -u
GPIPE=$(realpath "$1")
corpora=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

if ! command -v mlr >/dev/null; then
  echo "differential_mlr: Miller (mlr) is not installed" >&2
  exit 1
fi

# compare NAME GPIPE_PIPELINE MLR_ARGS…
compare() {
  local name=$1 pipeline=$2
  shift 2
  local gstatus=0 mstatus=0
  "$GPIPE" "$pipeline" >"$work/gpipe.tsv" 2>"$work/gpipe.err" || gstatus=$?
  mlr "$@" >"$work/mlr.full" 2>"$work/mlr.err" || mstatus=$?
  if [[ "$(head -1 "$work/gpipe.tsv")" == "$(head -1 "$work/mlr.full")" ]]; then
    cp "$work/mlr.full" "$work/mlr.tsv"
  else
    tail -n +2 "$work/mlr.full" >"$work/mlr.tsv"
  fi
  if [[ $gstatus -ne 0 || $mstatus -ne 0 ]]; then
    failed=$((failed + 1))
    echo "FAIL $name: gpipe status $gstatus, mlr status $mstatus"
    head -3 "$work/gpipe.err" "$work/mlr.err"
  elif [[ $(wc -l <"$work/mlr.full") -lt 2 ]]; then
    failed=$((failed + 1))
    echo "FAIL $name: Miller produced no rows (the comparison would prove nothing)"
  elif ! cmp -s "$work/gpipe.tsv" "$work/mlr.tsv"; then
    failed=$((failed + 1))
    echo "FAIL $name:"
    diff "$work/mlr.tsv" "$work/gpipe.tsv" | head -10
  else
    passed=$((passed + 1))
  fi
}

# 1. The generated users table.
users="$work/users.csv"
python3 "$repo/bench/gen_data.py" users --lines 3000 --seed 5 >"$users"
compare users "read $users | csv | select name email country | to tsv" \
  --icsv --otsv cut -o -f name,email,country "$users"
compare users-all-columns "read $users | csv | select id name email country signup_date notes | to tsv" \
  --icsv --otsv cut -o -f id,name,email,country,signup_date,notes "$users"

# 2. Randomised nasty values in every column, written by Python's csv module (RFC 4180 quoting).
python3 - "$work" <<'PY'
import csv, random, sys
work = sys.argv[1]
rng = random.Random(11)
pieces = ['a', 'b', 'xyz', ' ', ',', ';', '"', '""', '\n', '\t', '\\', 'é', '€', '1.5', '-', '|']
def value():
    return ''.join(rng.choice(pieces) for _ in range(rng.randrange(0, 7)))
for sep, end, name in ((',', '\n', 'random-comma.csv'), (';', '\n', 'random-semicolon.csv'),
                       (',', '\r\n', 'random-crlf.csv')):
    with open(f'{work}/{name}', 'w', newline='') as f:
        w = csv.writer(f, delimiter=sep, lineterminator=end, quoting=csv.QUOTE_MINIMAL)
        w.writerow(['c1', 'c2 x', 'c3', 'c4'])
        for _ in range(2000):
            row = [value() for _ in range(4)]
            if row == ['', '', '', ''] or (row[0] == '' and sep == ','):
                row[0] = 'z'  # a row that prints as a blank line would be skipped by both
            w.writerow(row)
PY
compare random-comma "read $work/random-comma.csv | csv | select c1 'c2 x' c3 c4 | to tsv" \
  --icsv --otsv cut -o -f 'c1,c2 x,c3,c4' "$work/random-comma.csv"
compare random-semicolon "read $work/random-semicolon.csv | csv --sep ';' | select c4 c1 c3 | to tsv" \
  --icsv --ifs ';' --otsv cut -o -f c4,c1,c3 "$work/random-semicolon.csv"
compare random-crlf "read $work/random-crlf.csv | csv | select c3 c1 | to tsv" \
  --icsv --otsv cut -o -f c3,c1 "$work/random-crlf.csv"

# 3. Line breaks written as \r\n inside quoted values: Miller 6.6 drops the \r there, RFC 4180,
# Python's csv and csv-spectrum keep it, as gpipe does; so this one is checked against Python.
python3 - "$work" <<'PY'
import csv, random, sys
work = sys.argv[1]
rng = random.Random(12)
pieces = ['a', ',', '"', '\r\n', '\n', '\t', '\\', 'é']
def value():
    return ''.join(rng.choice(pieces) for _ in range(rng.randrange(1, 6)))
esc = lambda v: v.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')
with open(f'{work}/crlf-values.csv', 'w', newline='') as f, open(f'{work}/crlf-values.want', 'w') as want:
    w = csv.writer(f, lineterminator='\r\n')
    w.writerow(['k', 'v'])
    want.write('k\tv\n')
    for _ in range(1000):
        row = [value(), value()]
        w.writerow(row)
        want.write('\t'.join(esc(v) for v in row) + '\n')
PY
"$GPIPE" "read $work/crlf-values.csv | csv | select k v | to tsv" >"$work/crlf-values.got"
if [[ "$(head -1 "$work/crlf-values.got")" != "k	v" ]]; then  # a `to tsv` without a header
  tail -n +2 "$work/crlf-values.want" >"$work/crlf-values.rows" &&
    mv "$work/crlf-values.rows" "$work/crlf-values.want"
fi
if cmp -s "$work/crlf-values.got" "$work/crlf-values.want"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL crlf-inside-values (against Python's csv):"
  diff "$work/crlf-values.want" "$work/crlf-values.got" | head -10
fi

# 4. csv-spectrum, every column in header order.
for file in "$corpora"/csv-spectrum/csvs/*.csv; do
  columns=$(head -1 "$file" | tr -d '\r')
  compare "spectrum-$(basename "$file" .csv)" "read $file | csv | select ${columns//,/ } | to tsv" \
    --icsv --otsv cut -o -f "$columns" "$file"
done

echo "differential_mlr: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
