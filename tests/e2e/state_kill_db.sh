#!/usr/bin/env bash
# Exactly once across kill -9 into databases (docs/spec.md §7, docs/scheduled-jobs.md): a
# `--state … | sqlite` job and a `--state … | batch … | postgres` job over a few hundred MB of
# CSV that grows and rotates between runs, killed with SIGKILL at random moments, then let
# finish: the table holds every selected row exactly once (count = distinct ids = expected, and
# the ids are those of the selected rows). The sqlite job commits every 1500 rows, which falls
# inside gpipe's batches; the postgres job commits the load batches of a `batch` stage. The
# size is smaller under the sanitizers (GPIPE_SANITIZED). PostgreSQL runs in a temporary
# cluster (postgres_cluster.sh).
# Usage: state_kill_db.sh GPIPE_BINARY sqlite|postgres [MEGABYTES]
set -u
GPIPE=$(realpath "$1")
sink=$2
megabytes=${3:-${GPIPE_SANITIZED:+16}}
megabytes=${megabytes:-240}
kills=${KILLS:-12}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
RANDOM=28

# CSV rows with a unique id, so that a row lost or doubled shows; the file grows by a part
# before each run (as under cron) and is rotated once (app.csv → app.csv.1, then a new app.csv
# with its own header).
rows_per_part=$((megabytes * 1024 * 1024 / (kills + 1) / 72))
make_part() {
  awk -v from="$1" -v n="$rows_per_part" -v header="$2" 'BEGIN {
    if (header) print "id,time,level,msg,ms,ip"
    for (i = from; i < from + n; i++)
      printf "%d,2026-12-07T10:%02d:%02d,%s,request %09d done,%d,10.0.%d.%d\n",
        i, (i / 60) % 60, i % 60, (i % 7 == 0 ? "ERROR" : "INFO"), i, i % 997, i % 256, i % 250
  }' >>app.csv
}
selected() { awk -F, '$3 == "ERROR" { print $1 }' app.csv.1 app.csv | sort; }

# kill_sweep NAME PIPELINE COUNT_COMMAND IDS_COMMAND
kill_sweep() {
  local name=$1 pipeline=$2 count=$3 ids=$4
  rm -f app.csv app.csv.1 st st.lock
  make_part 0 1
  local part=0 start duration pid k killed=0
  start=$(date +%s%N)
  "$GPIPE" --state st "$pipeline" 2>"$work/err" || {
    echo "FAIL $name: the first run failed: $(head -3 "$work/err")"
    failed=$((failed + 1))
    return
  }
  # A kill comes at a random moment within most of the time a run over one part takes.
  duration=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.3f", ns / 1e9 * 0.9 }')
  echo "$name: a run over one part takes about ${duration} s"
  eval "$RESET"
  rm -f st st.lock
  for k in $(seq 1 "$kills"); do
    if ((k == kills / 2)); then
      mv app.csv app.csv.1
      part=$((part + 1))
      make_part $((part * rows_per_part)) 1
    elif ((k > 1)); then
      part=$((part + 1))
      make_part $((part * rows_per_part)) 0
    fi
    "$GPIPE" --state st "$pipeline" 2>/dev/null &
    pid=$!
    sleep "$(awk -v r=$RANDOM -v d="$duration" 'BEGIN { printf "%.3f", r / 32768 * d }')"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    (($? == 137)) && killed=$((killed + 1))
  done
  part=$((part + 1))
  make_part $((part * rows_per_part)) 0
  "$GPIPE" --state st "$pipeline" 2>"$work/err" || {
    echo "FAIL $name: the last run failed: $(head -3 "$work/err")"
    failed=$((failed + 1))
  }
  selected >expected
  eval "$ids" >got
  local counts
  counts=$(eval "$count")
  if [[ "$counts" == "$(wc -l <expected)|$(wc -l <expected)" ]] && cmp -s got expected; then
    echo "ok $name: $(wc -l <expected) rows exactly once over $kills runs ($killed killed)"
  else
    echo "FAIL $name: rows|distinct ids $counts, $(wc -l <expected) expected;" \
      "missing $(comm -23 expected got | wc -l)"
    failed=$((failed + 1))
  fi
}

if [[ "$sink" == postgres ]]; then
  # shellcheck source=postgres_cluster.sh
  source "$here/postgres_cluster.sh"
  pg_cluster_start || exit 1
  q() { psql -X -Atq -v ON_ERROR_STOP=1 -c "$1"; }
fi
# The state file follows the database's row at a short interval (not once a second), so that kills
# also fall between a COMMIT and the file's rename.
export GPIPE_STATE_COMMIT_MS=100
cd "$work" || exit 1
if [[ "$sink" == sqlite ]]; then
  RESET='rm -f db.sqlite db.sqlite-wal db.sqlite-shm'
  kill_sweep sqlite \
    "read app.csv* | csv | where level == 'ERROR' | sqlite db.sqlite t --batch 1500" \
    "sqlite3 db.sqlite 'SELECT count(*), count(DISTINCT id) FROM t'" \
    "sqlite3 db.sqlite 'SELECT id FROM t' | sort"
else
  RESET="q 'DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS gpipe_state'"
  kill_sweep postgres \
    "read app.csv* | csv | where level == 'ERROR' | batch 2500 | postgres '' t" \
    "q 'SELECT count(*) || chr(124) || count(DISTINCT id) FROM t'" \
    "q 'SELECT id FROM t' | sort"
fi
cd / || exit 1
((failed == 0))
