#!/usr/bin/env bash
# The postgres sink (docs/spec.md §4), against a real server (postgres_cluster.sh: a cluster in a
# temporary directory on a Unix socket, stopped on every exit path):
#   1. round trips: generated CSV and JSON lines and the corpora (csv-spectrum, tweets) read back
#      with psql (json_agg) equal what went in (load_check.py);
#   2. types, widening with ALTER COLUMN … TYPE, and columns added by later batches;
#   3. refused rows are found by splitting the COPY, and only they are bad records (also from a
#      COPY that spans many gpipe batches); upsert and replace by --key;
#   4. killed (SIGKILL) mid-run, the table holds only whole batches;
#   5. -j in front of the sink; a password in CONNINFO is refused and never printed;
#   6. the job in pipelines/;
#   7. peak RSS bounded by the load batch on a 200 MB input.
# Usage: postgres_load.sh GPIPE_BINARY [CORPORA_DIR]
set -u
GPIPE=$(realpath "$1")
corpora=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=postgres_cluster.sh
source "$here/postgres_cluster.sh"
pg_cluster_start || exit 1
cd "$work" || exit 1
source "$here/checks.sh"
q() { psql -X -Atq -v ON_ERROR_STOP=1 -c "$1"; }
columns() { q "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '$1'"; }
round_trip() {  # what kind input parser
  local what=$1 kind=$2 input=$3 parser=$4
  q 'DROP TABLE IF EXISTS t'
  if ! "$GPIPE" "read '$input' | $parser | postgres '' t" 2>"$work/err"; then
    fail "$what: load failed: $(head -3 "$work/err")"
    return
  fi
  q "SELECT coalesce(json_agg(t ORDER BY ctid), '[]') FROM t" >"$work/back.json"
  if out=$(python3 "$here/load_check.py" "$kind" "$input" "$work/back.json" 2>&1); then
    pass
  else
    fail "$what: $out"
  fi
}

# 1. Round trips.
python3 "$here/load_check.py" generate "$work"
round_trip "generated csv" csv "$work/gen.csv" csv
expect_eq "csv column types" \
  "id bigint, text text, num bigint, real double precision, maybe text, big text, Name With Space text, select bigint" \
  "$(columns t)"
round_trip "generated jsonl" jsonl "$work/gen.jsonl" json
expect_eq "jsonl column types" \
  "id bigint, n bigint, r double precision, flag boolean, obj jsonb, list jsonb, nothing text, only_some text, huge text, n19 bigint, text text" \
  "$(columns t)"
if [[ -n "$corpora" && -d "$corpora" ]]; then
  for csv in "$corpora"/csv-spectrum/csvs/*.csv; do
    round_trip "corpus $(basename "$csv")" csv "$csv" csv
  done
  for jsonl in "$corpora"/tweets/tweets.jsonl "$corpora"/tweets/amazon_cellphones.ndjson; do
    round_trip "corpus $(basename "$jsonl")" jsonl "$jsonl" json
  done
else
  echo "skipped: corpora not found (${corpora:-none given})"
fi

# 2. Widening and added columns, across batches (a batch never spans two files).
printf 'k,v\n1,10\n2,20\n' >w1.csv
printf 'k,v\n3,2.5\n' >w2.csv
printf 'k,v,extra\n007,abc,new\n' >w3.csv
"$GPIPE" "read w1.csv | csv | postgres '' w" || fail "widen: first load"
"$GPIPE" "read w2.csv | csv | postgres '' w" || fail "widen: second load"
expect_eq "BIGINT widened to DOUBLE PRECISION" "k bigint, v double precision" "$(columns w)"
"$GPIPE" "read w3.csv | csv | postgres '' w" || fail "widen: third load"
expect_eq "widened to TEXT, column added" "k text, v text, extra text" "$(columns w)"
expect_eq "values after widening" "1|10|,2|20|,3|2.5|,007|abc|new" \
  "$(q 'SELECT k, v, extra FROM w ORDER BY ctid' | paste -sd,)"
printf '{"a":1,"j":{"x":1},"b":true}\n' >j1.jsonl
printf '{"a":"x","j":"text","b":"no","late":null}\n' >j2.jsonl
printf '{"late":5}\n' >j3.jsonl
"$GPIPE" "read j1.jsonl j2.jsonl j3.jsonl | json | postgres '' jw" || fail "jsonl widening"
expect_eq "JSONB, BOOLEAN and BIGINT widened to TEXT; an all-null column typed later" \
  "a text, j text, b text, late bigint" "$(columns jw)"
expect_eq "their values" '1|{"x": 1}|true|,x|text|no|,|||5' "$(q 'SELECT * FROM jw ORDER BY ctid' | paste -sd,)"

# 3. Refused rows: several in one COPY, found by splitting it.
q 'CREATE TABLE r (id bigint PRIMARY KEY, n text NOT NULL)'
python3 -c "
print('id,n')
for i in range(1, 1001):
    print(f'{i},x{i}')
print('5,dup'); print('6,dup'); print('1001,'); print('1002,ok'); print('notanumber,bad')
" >refused.csv
"$GPIPE" --on-error=skip "read refused.csv | csv | postgres '' r" 2>err.txt
expect_eq "skip: status" 0 $?
expect_eq "skip: the other rows are in" "1001" "$(q 'SELECT count(*) FROM r')"
expect_eq "a table gpipe did not make keeps its types" "id bigint, n text" "$(columns r)"
expect_eq "skip: the good row after the bad ones" "ok" "$(q 'SELECT n FROM r WHERE id = 1002')"
if grep -q '4 bad records skipped' err.txt && grep -q 'refused.csv:1002: rejected by PostgreSQL: duplicate key value violates unique constraint' err.txt; then
  pass
else
  fail "skip: report: $(cat err.txt)"
fi
q 'TRUNCATE r'
"$GPIPE" "read refused.csv | csv | postgres '' r --batch 500" 2>err.txt
expect_eq "fail: status" 4 $?
expect_eq "fail: whole batches before the bad row stay" "1000" "$(q 'SELECT count(*) FROM r')"
printf 'id,n\n1,a\n2,b\n1,c\n3,d\n' >dup.csv
"$GPIPE" "read dup.csv | csv | postgres '' u --mode upsert --key id" || fail "upsert"
expect_eq "upsert" "1|c,2|b,3|d" "$(q 'SELECT * FROM u ORDER BY id' | paste -sd,)"
printf 'id,m\n2,new\n' >up2.csv
"$GPIPE" "read up2.csv | csv | postgres '' u --mode upsert --key id" || fail "upsert 2"
expect_eq "upsert keeps the other columns" "1|c|,2|b|new,3|d|" "$(q 'SELECT id, n, m FROM u ORDER BY id' | paste -sd,)"
"$GPIPE" "read up2.csv | csv | postgres '' u --mode replace --key id" || fail "replace"
expect_eq "replace sets the whole row" "1|c|,2||new,3|d|" "$(q 'SELECT id, n, m FROM u ORDER BY id' | paste -sd,)"
printf '{"s":"a\\u0000b"}\n{"s":"fine"}\n' >nul.jsonl
"$GPIPE" --on-error=skip "read nul.jsonl | json | postgres '' nul" 2>err.txt
expect_eq "a NUL byte: only that row is refused" "fine" "$(q 'SELECT s FROM nul')"

# 3b. One COPY spans a load transaction of many gpipe batches: a refused row in its middle (a
# NULL into NOT NULL, a duplicate key, text into bigint) still goes alone through --on-error,
# and its neighbours load; with a --batch smaller than a gpipe batch, one much larger, and the
# load batches of a `batch` stage.
q 'CREATE TABLE m (id bigint PRIMARY KEY, n text NOT NULL)'
python3 -c "
print('id,n')
for i in range(1, 60001):
    if i == 20000: print(f'{i},')
    elif i == 33333: print('77,dup')
    elif i == 45000: print('notanumber,bad')
    else: print(f'{i},x{i}')
" >spanning.csv
for load in "postgres '' m --batch 100" "postgres '' m --batch 1000000" "batch 25000 | postgres '' m"; do
  q 'TRUNCATE m'
  rm -f dead.txt
  "$GPIPE" --on-error=dead-letter=dead.txt "read spanning.csv | csv | $load" 2>err.txt
  expect_eq "$load: status" 0 $?
  expect_eq "$load: the refused rows alone, in order" "20001,33334,45001" \
    "$(cut -d: -f2 dead.txt | paste -sd,)"
  expect_eq "$load: every other row, once" "59997|59997|19999|20001|33332|33334|44999|45001" \
    "$(q "SELECT count(*), count(DISTINCT id), string_agg(id::text, '|' ORDER BY id) FILTER (WHERE id IN (19999, 20001, 33332, 33334, 44999, 45001)) FROM m")"
done

# A batch with other columns ends the COPY; when that COPY is refused and re-split, the next
# one still has the new batch's columns.
q "CREATE TABLE jc (a bigint, b text CHECK (b <> 'y'), c text)"
printf '{"a":1,"b":"x"}\n{"b":"y"}\n' >jc1.jsonl
printf '{"a":2,"c":"z"}\n' >jc2.jsonl
"$GPIPE" --on-error=skip "read jc1.jsonl jc2.jsonl | json | postgres '' jc" 2>err.txt
expect_eq "after a re-split, a batch with other columns" "1|x|,2||z" "$(q 'SELECT a, b, c FROM jc ORDER BY a' | paste -sd,)"

# 4. Killed mid-run: whole batches only.
python3 -c "
import sys
w = sys.stdout.write
w('id,name,value\n')
for i in range(1000000):
    w(f'{i},name{i},{i * 7 % 1000}.5\n')
" >big.csv
for run in 1 2 3; do
  q 'DROP TABLE IF EXISTS k'
  "$GPIPE" "read big.csv | csv | postgres '' k --batch 1000" &
  pid=$!
  for _ in $(seq 200); do
    n=$(q 'SELECT count(*) FROM k' 2>/dev/null || echo 0)
    [[ ${n:-0} -ge $((run * 10000)) ]] && break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  sleep 0.2  # the server notices the closed connection and rolls back
  n=$(q 'SELECT count(*) FROM k')
  if [[ $n -gt 0 && $((n % 1000)) -eq 0 && $n -lt 1000000 ]]; then
    pass
  else
    fail "killed run $run: $n rows, not whole batches of 1000 (or not killed mid-run)"
  fi
  expect_eq "killed run $run: the rows are a prefix" "$n" "$(q 'SELECT max(id) + 1 FROM k')"
done

# 5. -j, CONNINFO.
head -200001 big.csv >mid.csv
"$GPIPE" -j 1 "read mid.csv | csv | where value > 500 | postgres '' j1" || fail "-j 1 load"
"$GPIPE" -j 2 "read mid.csv | csv | where value > 500 | postgres '' j2" || fail "-j 2 load"
expect_eq "-j 2 equals -j 1" "$(q "SELECT md5(string_agg(id || name || value, '|' ORDER BY ctid)) FROM j1")" \
  "$(q "SELECT md5(string_agg(id || name || value, '|' ORDER BY ctid)) FROM j2")"
"$GPIPE" "read mid.csv | csv | postgres 'host=$PGHOST password=hunter2' t" 2>err.txt
expect_eq "password in CONNINFO: status" 2 $?
if grep -q 'PGPASSWORD' err.txt && ! grep -q hunter2 err.txt; then pass; else fail "password: $(cat err.txt)"; fi
"$GPIPE" "read mid.csv | csv | postgres postgresql://gpipe:hunter2@localhost/postgres t" 2>err.txt
if grep -q 'PGPASSWORD' err.txt && ! grep -q hunter2 err.txt; then pass; else fail "password in URI: $(cat err.txt)"; fi
"$GPIPE" "read mid.csv | csv | postgres 'host=/nonexistent' t" 2>err.txt
expect_eq "no server: status" 3 $?

# 6. The job in pipelines/, run twice (upserted by id: no duplicates).
root=$(cd "$here/../.." && pwd)
for run in 1 2; do
  (cd "$root" && "$GPIPE" -f pipelines/users-to-postgres.gp --set conninfo="host=$PGHOST dbname=postgres") || fail "pipelines/users-to-postgres.gp run $run"
done
expect_eq "pipelines/users-to-postgres.gp: 40 users, emails cleaned, ids integers" "40|40|40|bigint" \
  "$(q "SELECT count(*), sum((email = lower(trim(email)))::int), sum((email LIKE '%@%')::int), pg_typeof(id) FROM users GROUP BY 4")"

# 7. Peak memory is bounded by the load batch, not by the input: 200 MB through the default
# --batch, and through a `batch` stage of 100000 records (whose records the sink keeps until
# its COPY ends).
# Not under AddressSanitizer (GPIPE_SANITIZED, set by tests/CMakeLists.txt), whose quarantine
# keeps freed memory resident.
if [[ -n ${GPIPE_SANITIZED:-} ]]; then
  echo "postgres_load: peak RSS not checked under a sanitizer"
else
  awk 'BEGIN { print "id,name,email,note"; for (i = 0; i < 3000000; i++) printf "%d,name%d,user%d@example.com,a note about user number %d\n", i, i, i, i }' >rss.csv
  for load in "postgres '' big" "batch 100000 | postgres '' big"; do
    q 'DROP TABLE IF EXISTS big'
    /usr/bin/time -f '%M' -o rss.txt "$GPIPE" "read rss.csv | csv | $load" || fail "$load: load failed"
    rss_mb=$(($(tail -1 rss.txt) / 1024))
    expect_eq "$load: every row" 3000000 "$(q 'SELECT count(*) FROM big')"
    if [[ $rss_mb -lt 120 ]]; then pass; else fail "$load: peak RSS $rss_mb MB for a $(($(stat -c %s rss.csv) / 1000000)) MB input"; fi
  done
  rm -f rss.csv
fi

echo "postgres_load: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
