#!/usr/bin/env bash
# Exactly once across kill -9 (docs/spec.md §7): a `--state … | write --append` job over a few
# hundred MB of log, killed with SIGKILL at random moments while the log grows between runs,
# then let finish: the output holds every selected line exactly once, in order (compared byte
# for byte with grep over the whole log), for a plain and a zstd output. The size is smaller
# under the sanitizers (GPIPE_SANITIZED).
# Usage: state_kill.sh GPIPE_BINARY [MEGABYTES]
set -u
GPIPE=$(realpath "$1")
megabytes=${2:-${GPIPE_SANITIZED:+24}}
megabytes=${megabytes:-160}
kills=${KILLS:-12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failed=0
RANDOM=28

# Log lines with a serial, so that a line lost or doubled shows; the log grows in parts.
lines_per_part=$((megabytes * 1024 * 1024 / 4 / 80))
make_part() {
  awk -v from="$1" -v n="$lines_per_part" 'BEGIN {
    for (i = from; i < from + n; i++)
      printf "2026-12-07T10:%02d:%02d %s request %09d took %d ms from 10.0.%d.%d\n",
        (i / 60) % 60, i % 60, (i % 7 == 0 ? "ERROR" : "INFO"), i, i % 997, i % 256, i % 250
  }' >>app.log
}

# A filter that drops most lines (the committed offsets run ahead of the last record out) and
# costs a regex per line; commits every 50 ms, so that kills fall between many of them.
filter="grep ' (ERROR|WARN) request [0-9]+ took [0-9]+ ms'"
export GPIPE_STATE_COMMIT_MS=50
make_part 0
start=$(date +%s%N)
"$GPIPE" "read app.log | $filter | write whole.log"
duration=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.3f", ns / 1e9 * 2 }')
echo "a run over the first part takes about half of ${duration} s"
for output in out.log out.log.zst; do
  rm -f app.log app.log.* st st.lock "$output"
  part=0
  make_part 0
  for k in $(seq 1 "$kills"); do
    # Now and then the log grows or rotates between runs, as under cron.
    if ((k % 4 == 0 && part < 3)); then
      part=$((part + 1))
      make_part $((part * lines_per_part))
    fi
    if ((k == 6)); then mv app.log app.log.1; make_part $(((part + 1) * lines_per_part)); part=$((part + 1)); fi
    "$GPIPE" --state st "read app.log* | $filter | write --append $output" 2>/dev/null &
    pid=$!
    # A moment within the time a whole run takes.
    sleep "$(awk -v r=$RANDOM -v d="$duration" 'BEGIN { printf "%.3f", r / 32768 * d }')"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
  done
  "$GPIPE" --state st "read app.log* | $filter | write --append $output" || {
    echo "FAIL $output: the last run failed"
    failed=$((failed + 1))
  }
  cat app.log.1 app.log | grep -E ' (ERROR|WARN) request [0-9]+ took [0-9]+ ms' >expected
  if zstdcat -qcf "$output" | cmp -s - expected; then
    echo "ok $output: $(wc -l <expected) lines exactly once over $kills kills"
  else
    echo "FAIL $output: $(zstdcat -qcf "$output" | wc -l) lines out, $(wc -l <expected) expected;" \
      "doubled: $(zstdcat -qcf "$output" | sort | uniq -d | wc -l)"
    failed=$((failed + 1))
  fi
done
((failed == 0))
