#!/usr/bin/env bash
# Differential test of the numeric aggregates: `gpipe 'read F | count|sum|avg|min|max|stats N by
# G'` against awk (count, sum, min, max: exact) and Python's statistics module (mean and stdev,
# computed exactly with fractions: to 1e-12 relative), over generated access logs and the loghub
# logs that have numeric fields.
# Usage: differential_aggregates.sh GPIPE_BINARY CORPORA_DIR
set -u
GPIPE=$(realpath "$1")
corpora=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C.UTF-8
passed=0
failed=0

python3 "$here/../../bench/gen_data.py" access --lines 30000 --seed 21 >"$work/access.log"
# input | value field (0-based) | group field
cases=("$work/access.log|9|8" "$work/access.log|9|5" "$work/access.log|8|6")
if [[ -f $corpora/loghub/HDFS_2k.log ]]; then
  cases+=("$corpora/loghub/HDFS_2k.log|2|3" "$corpora/loghub/HDFS_2k.log|0|4")
else
  echo "differential_aggregates: no loghub corpus under '$corpora': generated logs only"
fi

# The reference: one line per group, in first-appearance order, tab-separated, as gpipe prints.
reference() {  # file value group stage
  python3 - "$@" <<'PY'
import sys, statistics
from fractions import Fraction
path, value, group, stage = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
groups = {}
for line in open(path, encoding="utf-8", errors="surrogateescape"):
    f = line.split()
    key = f[group] if group < len(f) else ""
    v = f[value] if value < len(f) else None
    vals = groups.setdefault(key, [])
    if v is not None:
        vals.append(Fraction(v))
def num(x):
    if x.denominator == 1: return str(x.numerator)
    return repr(float(x))
for key, vals in groups.items():
    if stage == "sum": out = [num(sum(vals, Fraction(0)))]
    elif stage == "min": out = [num(min(vals))] if vals else [""]
    elif stage == "max": out = [num(max(vals))] if vals else [""]
    elif stage == "avg": out = [repr(float(sum(vals, Fraction(0)) / len(vals)))] if vals else [""]
    else:
        n = len(vals)
        mean = sum(vals, Fraction(0)) / n
        sd = statistics.stdev([float(v) for v in vals]) if n > 1 else None
        if n > 1:
            var = sum((v - mean) ** 2 for v in vals) / (n - 1)
            sd = float(var) ** 0.5
        out = [str(n), repr(float(mean)), num(min(vals)), num(max(vals)), "" if sd is None else repr(sd)]
    print("\t".join([key] + out))
PY
}

# Numbers equal as text, or (mean, stddev) within 1e-12 relative.
same() {
  python3 - "$1" "$2" <<'PY'
import sys
a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
if len(a) != len(b): sys.exit(f"{len(a)} lines against {len(b)}")
for x, y in zip(a, b):
    for u, v in zip(x.split("\t"), y.split("\t")):
        if u == v: continue
        try:
            if abs(float(u) - float(v)) <= 1e-12 * max(abs(float(u)), abs(float(v))): continue
        except ValueError: pass
        sys.exit(f"differs: {x!r} against {y!r}")
PY
}

for c in "${cases[@]}"; do
  IFS='|' read -r file value group <<<"$c"
  for stage in sum avg min max stats; do
    "$GPIPE" --on-error=skip -q "read $file | $stage $value by $group" | tail -n +2 >"$work/got"
    reference "$file" "$value" "$group" "$stage" >"$work/want"
    if why=$(same "$work/got" "$work/want" 2>&1); then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL: $stage $value by $group on $(basename "$file"): $why"
    fi
  done
  # count, sum, min and max are exact: awk must agree byte for byte (integers only here).
  "$GPIPE" "read $file | count by $group" | tail -n +2 >"$work/got"
  awk -v g=$((group + 1)) '{k=$g; if (!(k in n)) o[++m]=k; n[k]++} END {for (i=1;i<=m;i++) print o[i] "\t" n[o[i]]}' "$file" >"$work/want"
  if cmp -s "$work/got" "$work/want"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: count by $group on $(basename "$file") differs from awk"; fi
done

echo "differential_aggregates: $passed passed, $failed failed"
((failed == 0))
