#!/usr/bin/env bash
# The sqlite sink (docs/spec.md §4):
#   1. round trips: generated CSV and JSON lines (nulls, quotes, tabs, newlines, non-ASCII,
#      19-digit integers, beyond-64-bit integers, 007) and the corpora (csv-spectrum, tweets)
#      read back with sqlite3 equal what went in (load_check.py);
#   2. a column widens (INTEGER to REAL to TEXT) when a later batch needs it, and a field first
#      seen in a later batch adds a column;
#   3. a row the database rejects goes through the bad-record policy, and only that row (also
#      from the middle of a statement of many rows); upsert and replace by --key;
#   4. killed (SIGKILL) mid-run, the table holds only whole batches (rows % --batch == 0);
#   5. -j in front of the sink loads the same rows;
#   6. the job in pipelines/;
#   7. peak RSS bounded by the load batch on a 200 MB input.
# Usage: sqlite_load.sh GPIPE_BINARY [CORPORA_DIR]
set -u
GPIPE=$(realpath "$1")
corpora=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
source "$here/checks.sh"
readback() {  # db table -> JSON array of its rows in insertion order
  sqlite3 -json "$1" "SELECT * FROM \"$2\" ORDER BY rowid" >"$work/back.json"
}
round_trip() {  # what kind input pipeline-parser
  local what=$1 kind=$2 input=$3 parser=$4
  rm -f "$work/rt.db"
  if ! "$GPIPE" "read '$input' | $parser | sqlite '$work/rt.db' t" 2>"$work/err"; then
    fail "$what: load failed: $(head -3 "$work/err")"
    return
  fi
  readback "$work/rt.db" t
  if out=$(python3 "$here/load_check.py" "$kind" "$input" "$work/back.json" 2>&1); then
    pass
  else
    fail "$what: $out"
  fi
}

# 1. Generated data: every awkward value, in CSV and in JSON lines.
python3 "$here/load_check.py" generate "$work"
round_trip "generated csv" csv "$work/gen.csv" csv
round_trip "generated jsonl" jsonl "$work/gen.jsonl" json
schema=$(sqlite3 "$work/rt.db" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('t')")
expect_eq "jsonl column types" \
  "id INTEGER, n INTEGER, r REAL, flag INTEGER, obj TEXT, list TEXT, nothing , only_some TEXT, huge TEXT, n19 INTEGER, text TEXT" \
  "$schema"

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
rm -f w.db
"$GPIPE" 'read w1.csv | csv | sqlite w.db t' || fail "widen: first load"
"$GPIPE" 'read w2.csv | csv | sqlite w.db t' || fail "widen: second load"
expect_eq "INTEGER widened to REAL" "k INTEGER, v REAL" \
  "$(sqlite3 w.db "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('t')")"
expect_eq "REAL values" "1|10.0 2|20.0 3|2.5" "$(sqlite3 w.db 'SELECT k, v FROM t' | tr '\n' ' ' | sed 's/ $//')"
"$GPIPE" 'read w3.csv | csv | sqlite w.db t' || fail "widen: third load"
expect_eq "widened to TEXT, column added" "k TEXT, v TEXT, extra TEXT" \
  "$(sqlite3 w.db "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('t')")"
expect_eq "values after widening" "1|10.0|,2|20.0|,3|2.5|,007|abc|new" \
  "$(sqlite3 w.db 'SELECT k, v, extra FROM t ORDER BY rowid' | paste -sd,)"
# In one run: two files, so two batches.
rm -f w.db
"$GPIPE" 'read w1.csv w3.csv | csv | sqlite w.db t' || fail "widen in one run"
expect_eq "widened in one run" "1|10|,2|20|,007|abc|new" \
  "$(sqlite3 w.db 'SELECT k, v, extra FROM t ORDER BY rowid' | paste -sd,)"
expect_eq "typeof after widening in one run" "text,text" \
  "$(sqlite3 w.db "SELECT DISTINCT typeof(k) FROM t" | paste -sd,),$(sqlite3 w.db "SELECT DISTINCT typeof(v) FROM t" | paste -sd,)"

# Positional fields, lines, names that need quoting.
printf 'a b c\nd e f\n' >pos.txt
rm -f p.db
"$GPIPE" 'read pos.txt | field 0 2 | sqlite p.db "odd \"table\""' || fail "positional load"
expect_eq "positional columns" "c0,c2" \
  "$(sqlite3 p.db "SELECT group_concat(name) FROM pragma_table_info('odd \"table\"')")"
"$GPIPE" 'read pos.txt | sqlite p.db lines' || fail "lines load"
expect_eq "line column" "a b c,d e f" "$(sqlite3 p.db 'SELECT line FROM lines' | paste -sd,)"

# 3. Rejected rows, modes.
printf 'id,n\n1,a\n2,b\n1,c\n3,d\n' >dup.csv
rm -f d.db
sqlite3 d.db 'CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT NOT NULL)'
"$GPIPE" --on-error=skip 'read dup.csv | csv | sqlite d.db t' 2>err.txt
expect_eq "skip: status" 0 $?
expect_eq "skip: the other rows" "1|a,2|b,3|d" "$(sqlite3 d.db 'SELECT * FROM t ORDER BY id' | paste -sd,)"
if grep -q 'dup.csv:4: rejected by SQLite: UNIQUE constraint failed: t.id' err.txt; then pass; else fail "skip: reason: $(cat err.txt)"; fi
rm -f d.db
sqlite3 d.db 'CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT NOT NULL)'
"$GPIPE" --on-error=dead-letter=dead.txt 'read dup.csv | csv | sqlite d.db t' 2>/dev/null
expect_eq "dead-letter: status" 0 $?
if grep -q '1,c$' dead.txt; then pass; else fail "dead-letter: $(cat dead.txt)"; fi
rm -f d.db
sqlite3 d.db 'CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT NOT NULL)'
"$GPIPE" 'read dup.csv | csv | sqlite d.db t --batch 2' 2>err.txt
expect_eq "fail: status" 4 $?
expect_eq "fail: the batch before stays, the failing one is rolled back" "1|a,2|b" \
  "$(sqlite3 d.db 'SELECT * FROM t ORDER BY id' | paste -sd,)"
rm -f d.db
"$GPIPE" 'read dup.csv | csv | sqlite d.db t --mode upsert --key id' || fail "upsert"
expect_eq "upsert" "1|c,2|b,3|d" "$(sqlite3 d.db 'SELECT * FROM t ORDER BY id' | paste -sd,)"
printf 'id,m\n2,new\n' >up2.csv
"$GPIPE" 'read up2.csv | csv | sqlite d.db t --mode upsert --key id' || fail "upsert 2"
expect_eq "upsert keeps the other columns" "1|c|,2|b|new,3|d|" \
  "$(sqlite3 d.db 'SELECT id, n, m FROM t ORDER BY id' | paste -sd,)"
"$GPIPE" 'read up2.csv | csv | sqlite d.db t --mode replace --key id' || fail "replace"
expect_eq "replace sets the whole row" "1|c|,2||new,3|d|" \
  "$(sqlite3 d.db 'SELECT id, n, m FROM t ORDER BY id' | paste -sd,)"
"$GPIPE" 'read dup.csv | csv | sqlite d.db t --mode upsert' 2>err.txt
expect_eq "upsert without --key: status" 2 $?

# 3b. Rows go in many to a statement: a refused row in the middle of one (a NULL into NOT NULL,
# a duplicate key) still goes alone through --on-error, and its neighbours load; with a --batch
# that ends statements early, a large one, and the load batches of a `batch` stage.
python3 -c "
print('id,n')
for i in range(1, 5001):
    if i == 1000: print(f'{i},')
    elif i == 3333: print('77,dup')
    else: print(f'{i},x{i}')
" >spanning.csv
for load in "sqlite m.db m --batch 100" "sqlite m.db m --batch 1000000" "batch 2500 | sqlite m.db m"; do
  rm -f m.db dead.txt
  sqlite3 m.db 'CREATE TABLE m (id INTEGER PRIMARY KEY, n TEXT NOT NULL)'
  "$GPIPE" --on-error=dead-letter=dead.txt "read spanning.csv | csv | $load" 2>err.txt
  expect_eq "$load: status" 0 $?
  expect_eq "$load: the refused rows alone, in order" "1001,3334" "$(cut -d: -f2 dead.txt | paste -sd,)"
  expect_eq "$load: every other row, once" "4998|4998|999|1001|3332|3334" \
    "$(sqlite3 m.db "SELECT count(*), count(DISTINCT id), (SELECT group_concat(id, '|') FROM (SELECT id FROM m WHERE id IN (999, 1001, 3332, 3334) ORDER BY id)) FROM m")"
done

# 4. Killed mid-run: whole batches only.
python3 -c "
import sys
w = sys.stdout.write
w('id,name,value\n')
for i in range(1000000):
    w(f'{i},name{i},{i * 7 % 1000}.5\n')
" >big.csv
for run in 1 2 3; do
  rm -f k.db k.db-wal k.db-shm
  "$GPIPE" 'read big.csv | csv | sqlite k.db t --batch 1000' &
  pid=$!
  # Wait until some batches are in, then kill at a moment of its own choosing.
  for _ in $(seq 200); do
    n=$(sqlite3 k.db 'SELECT count(*) FROM t' 2>/dev/null || echo 0)
    [[ ${n:-0} -ge $((run * 10000)) ]] && break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n=$(sqlite3 k.db 'SELECT count(*) FROM t')
  if [[ $n -gt 0 && $((n % 1000)) -eq 0 && $n -lt 1000000 ]]; then
    pass
  else
    fail "killed run $run: $n rows, not whole batches of 1000 (or not killed mid-run)"
  fi
  expect_eq "killed run $run: the rows are a prefix" "$n" "$(sqlite3 k.db 'SELECT max(id) + 1 FROM t')"
done

# 5. -j in front of the sink: the same rows, in input order.
head -200001 big.csv >mid.csv
rm -f j1.db j2.db
"$GPIPE" -j 1 'read mid.csv | csv | where value > 500 | sqlite j1.db t' || fail "-j 1 load"
"$GPIPE" -j 2 'read mid.csv | csv | where value > 500 | sqlite j2.db t' || fail "-j 2 load"
expect_eq "-j 2 equals -j 1" "$(sqlite3 j1.db 'SELECT * FROM t ORDER BY rowid' | md5sum)" \
  "$(sqlite3 j2.db 'SELECT * FROM t ORDER BY rowid' | md5sum)"

# `to` cannot come before it.
"$GPIPE" 'read mid.csv | csv | to csv | sqlite x.db t' 2>err.txt
expect_eq "to before sqlite: status" 2 $?
if grep -q "stores their fields" err.txt; then pass; else fail "to before sqlite: $(cat err.txt)"; fi

# 6. The job in pipelines/, run twice (upserted by id: no duplicates).
root=$(cd "$here/../.." && pwd)
for run in 1 2; do
  (cd "$root" && "$GPIPE" -f pipelines/users-to-sqlite.gp --set db="$work/crm.db") || fail "pipelines/users-to-sqlite.gp run $run"
done
expect_eq "pipelines/users-to-sqlite.gp: 40 users, emails cleaned, ids integers" "40|40|40|integer" \
  "$(sqlite3 "$work/crm.db" "SELECT count(*), sum(email = lower(trim(email))), sum(email LIKE '%@%'), typeof(id) FROM users GROUP BY 4")"

# 7. Peak memory is bounded by the load batch (and SQLite's page cache), not by the input:
# 200 MB through the default --batch, and through a `batch` stage of 100000 records.
# Not under AddressSanitizer (GPIPE_SANITIZED, set by tests/CMakeLists.txt), whose quarantine
# keeps freed memory resident.
if [[ -n ${GPIPE_SANITIZED:-} ]]; then
  echo "sqlite_load: peak RSS not checked under a sanitizer"
else
  awk 'BEGIN { print "id,name,email,note"; for (i = 0; i < 3000000; i++) printf "%d,name%d,user%d@example.com,a note about user number %d\n", i, i, i, i }' >rss.csv
  for load in "sqlite rss.db t" "batch 100000 | sqlite rss.db t"; do
    rm -f rss.db*
    /usr/bin/time -f '%M' -o rss.txt "$GPIPE" "read rss.csv | csv | $load" || fail "$load: load failed"
    rss_mb=$(($(tail -1 rss.txt) / 1024))
    expect_eq "$load: every row" 3000000 "$(sqlite3 rss.db 'SELECT count(*) FROM t')"
    if [[ $rss_mb -lt 120 ]]; then pass; else fail "$load: peak RSS $rss_mb MB for a $(($(stat -c %s rss.csv) / 1000000)) MB input"; fi
  done
  rm -f rss.csv rss.db*
fi

echo "sqlite_load: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
