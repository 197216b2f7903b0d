#!/usr/bin/env bash
# sort beyond memory (docs/spec.md §4: "spills sorted runs to temporary files beyond --mem"):
#   1. about ten times --mem of lines, sorted whole and by keys (-n, -r, mixed, cut by head),
#      equals LC_ALL=C sort -s (with -t' ' -k for the keys), byte for byte;
#   2. its peak RSS (/usr/bin/time) stays near --mem: within a base of a pass over the same
#      input without sort, plus --mem, plus a margin;
#   3. no temporary file is left in its private TMPDIR: after success, after a bad record stops
#      the run, and after SIGINT and SIGTERM sent while it holds spilled runs open.
# Usage: sort_external.sh GPIPE_BINARY
set -u
GPIPE=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
mem_kib=4096
mem=${mem_kib}KiB
source "$(dirname "$0")/checks.sh"
# Nothing left in TMPDIR, after `what`.
check_tmp_empty() {
  if [[ -z "$(ls -A "$TMPDIR")" ]]; then pass; else fail "$1: left in TMPDIR: $(ls -A "$TMPDIR" | head -3)"; fi
}

# Lines of fields split by single spaces (as awk splits them, so -t' ' -k agrees): a word from a
# few (many equal keys: stability shows), an integer, a decimal, a serial, and letters that make
# the lines about as long as log lines.
python3 - "$work/data" $((mem_kib * 1024 * 10)) <<'EOF'
import random, string, sys
random.seed(26)
words = ["alpha", "beta", "gamma", "Delta", "epsilon", "zeta", "eta", "theta", "a", "ab", "é"]
letters = "".join(random.choices(string.ascii_letters, k=10000))
size, written, i, out = int(sys.argv[2]), 0, 0, []
while written < size:
    at = random.randrange(len(letters) - 70)
    line = "%s %d %d.%02d %d %s\n" % (
        random.choice(words), random.randint(-50000, 50000), random.randint(-999, 999),
        random.randint(0, 99), i, letters[at:at + 70])
    out.append(line)
    written += len(line)
    i += 1
open(sys.argv[1], "w").write("".join(out))
EOF

# 1. Orders, against sort(1): check_order STAGES [SORT_ARGUMENT...]; STAGES end with `| head N`
# to check the first N.
check_order() {
  local stages=$1 head_n=
  shift
  if [[ "$stages" == *"| head "* ]]; then
    head_n=${stages##*| head }
    stages=${stages%% | head*}
  fi
  local pipeline="read $work/data | $stages --mem $mem${head_n:+ | head $head_n}"
  if [[ -n "$head_n" ]]; then
    sort -s "$@" "$work/data" | head -n "$head_n" >"$work/want"
  else
    sort -s "$@" "$work/data" >"$work/want"
  fi
  if ! "$GPIPE" "$pipeline" >"$work/got" 2>"$work/err"; then
    fail "'$pipeline' failed: $(head -c 300 "$work/err")"
  elif cmp -s "$work/got" "$work/want"; then
    pass
  else
    fail "'$pipeline' differs from 'sort -s $*'"
    diff "$work/want" "$work/got" | head -6 | sed 's/^/    /'
  fi
  check_tmp_empty "'$pipeline'"
}
check_order "sort"
check_order "sort -r" -r
check_order "sort -n 1" -t ' ' -k2,2n
check_order "sort -r 0 -n 2" -t ' ' -k1,1r -k3,3n
check_order "sort -r -n 1 | head 1000" -t ' ' -k2,2nr
# The runs' blocks compressed, and stored as they are (auto, the default, stores them here).
check_order "sort --compress-temp always"
check_order "sort -r 0 -n 2 --compress-temp never" -t ' ' -k1,1r -k3,3n

# --compress-temp decides: the runs written compressed take fewer bytes than those stored.
run_bytes() {
  "$GPIPE" -v "read $work/data | sort --mem $mem --compress-temp $1" 2>&1 >/dev/null |
    sed -n 's/.*run of .*(\([0-9]*\) bytes).*/\1/p' | awk '{ total += $1 } END { print total + 0 }'
}
compressed=$(run_bytes always)
stored=$(run_bytes never)
if ((compressed > 0 && compressed * 10 < stored * 9)); then
  pass
else
  fail "runs written with --compress-temp always: $compressed bytes, never: $stored bytes"
fi

# It did spill: more runs than one were written and merged.
runs=$("$GPIPE" -v "read $work/data | sort --mem $mem" 2>&1 >/dev/null | grep -c 'run of')
if ((runs >= 10)); then pass; else fail "sort --mem $mem of 10 x --mem wrote $runs runs"; fi

# 2. Peak RSS: near --mem above what reading the same input takes. Not under AddressSanitizer
#    (GPIPE_SANITIZED, set by tests/CMakeLists.txt), whose quarantine keeps freed memory resident.
peak() { /usr/bin/time -f %M "$GPIPE" "$1" 2>&1 >/dev/null | tail -1; }
if [[ -n ${GPIPE_SANITIZED:-} ]]; then
  echo "sort_external: peak RSS not checked under a sanitizer"
else
  base=$(peak "read $work/data | count")
  sorted=$(peak "read $work/data | sort --mem $mem")
  margin=16384  # KiB: the merge's readers and the output batch beside the records
  if ((sorted <= base + mem_kib + margin)); then
    pass
  else
    fail "peak RSS ${sorted} KiB with --mem $mem (reading alone: ${base} KiB)"
  fi
  echo "sort_external: peak RSS ${sorted} KiB for --mem $mem over $((mem_kib * 10)) KiB (reading alone ${base} KiB)"
fi

# 3. No temporary file after an error: a bad JSON line at the end, after runs were spilled.
{
  python3 -c 'import json; [print(json.dumps({"k": i % 977, "pad": "x" * 60})) for i in range(100000)]'
  echo '{"k": oops'
} >"$work/data.jsonl"
"$GPIPE" "read $work/data.jsonl | json | sort -n k --mem $mem" >/dev/null 2>"$work/err"
status=$?
if [[ $status -eq 4 ]] && grep -q 'invalid JSON' "$work/err"; then pass; else fail "bad record: status $status: $(head -c 300 "$work/err")"; fi
check_tmp_empty "a bad record"

# ...and after a signal while it holds runs: the input comes through a FIFO kept open after the
# data, so the signal lands after runs were spilled (their descriptors show in /proc) and before
# the input ends.
spilled_runs() { find "/proc/$1/fd" -lname "$TMPDIR/*" 2>/dev/null | wc -l; }
mkfifo "$work/input"
for signal in INT TERM; do
  "$GPIPE" "read $work/input | sort --mem $mem" >/dev/null 2>"$work/err" &
  pid=$!
  # Opened for reading too, so that neither the open nor (with `timeout`) the write waits for
  # ever when gpipe is gone: the checks below then fail instead of the test hanging.
  exec 3<>"$work/input"
  timeout 120 head -c $((mem_kib * 1024 * 3)) "$work/data" >&3
  for _ in $(seq 600); do  # a minute at most: a sanitizer build on a busy machine is slow
    (($(spilled_runs "$pid") > 0)) && break
    sleep 0.1
  done
  open_runs=$(spilled_runs "$pid")
  kill -s "$signal" "$pid"
  wait "$pid"
  status=$?
  exec 3>&-
  want=$((128 + $(kill -l "$signal")))
  if ((open_runs > 0)) && [[ $status -eq $want ]]; then
    pass
  else
    fail "SIG$signal: status $status (want $want) with $open_runs runs open"
  fi
  check_tmp_empty "SIG$signal"
done

echo "sort_external: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
