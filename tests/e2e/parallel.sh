#!/usr/bin/env bash
# -j N must not change the output: every benchmark task (and a few more) with -j 1, -j 2 and -j 3
# gives byte-identical output, messages, dead-letter file and exit status, over inputs of many
# 1 MiB chunks.
# Usage: parallel.sh GPIPE_BINARY
set -u
GPIPE=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen="python3 $here/../../bench/gen_data.py"
$gen applog --size 6M --seed 21 >"$work/app.log"
$gen tweets --size 6M --seed 22 >"$work/tweets.jsonl"
$gen users --size 3M --seed 23 >"$work/users.csv"
zstd -q "$work/app.log" -o "$work/app.log.zst"
# A bad JSON line deep inside: under fail the first bad record in input order is the one reported.
{ head -c 4000000 "$work/tweets.jsonl"; echo '{"broken": '; tail -c +4000001 "$work/tweets.jsonl"; } >"$work/bad.jsonl"
# CSV with rows across lines in every chunk: CRLF and a byte order mark; a short row deep inside
# and a quote that never closes at the end (bad records under fail and skip).
{ printf '\xef\xbb\xbf'; sed 's/$/\r/' "$work/users.csv"; } >"$work/users-crlf.csv"
{ awk 'NR == 20000 { print "99,too,few" } { print }' "$work/users.csv"; echo '7,"never closed'; } \
  >"$work/users-bad.csv"
# A quote that never closes early on: under --max-line 64KiB the row is cut off after 64 KiB and
# reading goes on with the next line, in every chunk layout alike.
awk 'NR == 5000 { print "8,\"runaway"; for (i = 0; i < 3000; i++) print "no quote in this line " i }
     { print }' "$work/users.csv" >"$work/users-runaway.csv"
# The same with a row of 8 MB, longer than many chunks: under --max-line 4MiB it is cut off after
# 4 MiB, once the workers that carry it from chunk to chunk scan it (they do only as it doubles,
# and past --max-line).
awk 'NR == 5000 { print "8,\"runaway"; for (i = 0; i < 320000; i++) print "no quote in this line " i }
     { print }' "$work/users.csv" >"$work/users-runaway-long.csv"
# Lines over --max-line 1KiB: the first line, two in a row, and more; -j reports them in order
# with the bad records its threads find, and numbers the lines of a mapped file on its threads,
# skipped lines included.
awk 'function long(c) { s = ""; for (i = 0; i < 1500; i++) s = s c; return s }
     NR == 1 || NR == 30000 || NR == 30001 || NR == 51234 { print long("x") } { print }' \
  "$work/app.log" >"$work/long.log"
# A data row that starts with a byte order mark, mid-file, right after a skipped overlong line
# (where -j cuts a chunk): without a header the mark is data, in every chunk layout alike.
{ seq 60000 | sed 's/$/,x,y/'; head -c 2000 /dev/zero | tr '\0' z; echo
  printf '\xef\xbb\xbf1,2,3\n'; seq 100 | sed 's/$/,p,q/'; } >"$work/bom-mid.csv"
# The same in a CSV file, whose chunks are cut between rows: an overlong line ends a chunk.
awk 'function long(c) { s = ""; for (i = 0; i < 1500; i++) s = s c; return s }
     NR == 2 || NR == 15000 || NR == 15001 || NR == 40000 { print long("z") } { print }' \
  "$work/users.csv" >"$work/users-long.csv"
# Every 50th tweet broken: many bad records in every chunk, more than the messages kept.
awk 'NR % 50 == 0 { print substr($0, 1, 40); next } { print }' "$work/tweets.jsonl" \
  >"$work/many-bad.jsonl"
# A header row longer than a chunk's 64 KiB batches (the csv stage carries it across them), and
# a bad row among the data.
awk 'BEGIN { for (r = 0; r <= 60; r++) { s = (r == 0 ? "c0" : r % 97); n = (r == 30 ? 10 : 9000)
             for (i = 1; i < n; i++) s = s "," (r == 0 ? "c" i : (r * i) % 97); print s } }' \
  >"$work/wide.csv"
# Lines over --max-line 1MiB, which -j reads as 1 MiB ranges on its threads (only a range's
# last line can be that long): the first line, one of exactly 1 MiB (kept) and one byte more,
# two in a row, one far longer than a range, and a last line without its newline.
python3 - "$work/app.log" >"$work/huge.log" <<'PY'
import sys
app = open(sys.argv[1], "rb").read().splitlines(keepends=True)
out = sys.stdout.buffer
out.write(b"x" * 1500000 + b"\n")
out.writelines(app[:20000])
out.write(b"y" * 1048576 + b"\n" + b"z" * 1048577 + b"\n")
out.writelines(app[20000:30000])
out.write(b"w" * 3000000 + b"\n" + b"v" * 1100000 + b"\n")
out.writelines(app[30000:])
out.write(b"ERROR u" * 300000)
PY
# Rows longer than a chunk (256 KiB), which -j's workers carry from chunk to chunk until they
# end: a header row of 280 KB, and a quoted field of 50,000 lines (550 KB) in the sixth row.
python3 - >"$work/long-rows.csv" <<'PY'
columns = 40000
print(",".join(f"c{i:05d}" for i in range(columns)))
for r in range(12):
    first = '"' + "\n".join(f"line {i}" for i in range(50000)) + '"' if r == 5 else str(r)
    print(",".join([first] + [str((r * i) % 10) for i in range(1, columns)]))
PY
# Random CSV (seeded): quoted fields with commas, "" and newlines, some of them thousands of
# lines long (rows across several chunks), CRLF or LF, a byte order mark, blank rows, lines over
# --max-line between rows and inside quoted fields, a quote that never closes, a last line
# without its newline.
python3 - "$work" <<'PY'
import random, sys
for seed in (1, 2, 3):
    r = random.Random(seed)
    rows, cols = r.randint(20000, 40000), r.randint(1, 8)
    eol = b"\r\n" if seed == 2 else b"\n"
    with open(f"{sys.argv[1]}/random{seed}.csv", "wb") as out:
        if seed == 3:
            out.write(b"\xef\xbb\xbf")
        out.write(b",".join(b"h%d" % i for i in range(cols)) + eol)
        for _ in range(rows):
            fields = []
            for _ in range(cols):
                k = r.random()
                if k < 0.6: fields.append(b"v%d" % r.randint(0, 10**6))
                elif k < 0.8: fields.append(b'"a,b ' + b"\n" * r.randint(0, 3) + b'q""x"')
                elif k < 0.802: fields.append(b'"' + b"line\n" * r.randint(50, 30000) + b'"')
                elif k < 0.80203: fields.append(b'"in' + eol + b"Q" * 1100000 + eol + b'out"')
                elif k < 0.9: fields.append(b"")
                elif k < 0.93: fields.append(b'x"y')
                else: fields.append(b'"unclosed' if r.random() < 0.001 else b"z")
            if r.random() < 0.0001: out.write(b"L" * 1100000 + b"\n")
            if r.random() < 0.01: out.write(eol)
            out.write(b",".join(fields) + eol)
        out.write(b'last,"no newline')
PY
# Lines over --max-line (600 KB: over a 512 KiB range, and over 1 KiB) inside quoted fields:
# one pass skips them and joins the row across them, and so must -j, whose chunks (ranges, or
# copies under 1 KiB) end there. A row across two of them (three fields: a bad row, reported
# after both), one that is good once joined, one between rows, and a quote still open after one
# at the end of the file. Each goes in where a row of users.csv starts.
python3 - "$work/users.csv" >"$work/gaps.csv" <<'PY'
import sys
users = open(sys.argv[1], "rb").read().splitlines(keepends=True)
out = sys.stdout.buffer
long = lambda c: c * 600000 + b"\n"
# The first line at or after line n that starts a row (users.csv has quoted newlines).
def row_start(n):
    quotes = sum(line.count(b'"') for line in users[:n])
    while quotes % 2:
        quotes += users[n].count(b'"')
        n += 1
    return n
cuts = [row_start(n) for n in (5000, 15000, 30000)]
out.writelines(users[:cuts[0]])
out.write(b'5001,"across\n' + long(b"q") + b"two\n" + long(b"r") + b'gaps",x\n')
out.writelines(users[cuts[0]:cuts[1]])
out.write(b'15001,"good\n' + long(b"s") + b'once joined",a@b.c,DE,2026-01-01,\n')
out.writelines(users[cuts[1]:cuts[2]])
out.write(long(b"t"))
out.writelines(users[cuts[2]:])
out.write(b'99999,"open\n' + long(b"u"))
PY
# The same with CRLF: one pass joins the lines around a skipped one with "\n", so a row that is
# exactly --max-line long that way (1 KiB, and 512 KiB for ranges) is not cut; a line ending in
# "\r\r\n" keeps its "\r"; and a header cell across a skipped line names its column with "\n"
# in every chunk.
python3 - "$work" <<'PY'
import sys
def write(name, head, middle):
    with open(f"{sys.argv[1]}/{name}", "wb") as out:
        out.write(head)
        for i in range(30000):
            out.write(b"%d,v%d,w\r\n" % (i, i) + middle.get(i, b""))
gap = lambda c, n: c * n + b"\r\n"
exact = lambda c, ml, gap_bytes: b'9,"a\r\n' + gap(b"X", gap_bytes) + gap(c, ml - 5)
write("gaps-crlf.csv", b"h0,h1,h2\r\n", {
    9000: exact(b"B", 1024, 2000) + gap(b"Y", 2000) + b'end",z\r\n',
    20000: exact(b"C", 524288, 600000) + gap(b"Y", 600000) + b'end",z\r\n',
    # A line whose text ends in "\r" before two skipped lines, in a row and after a whole row.
    12000: b'x,"y\r\r\n' + gap(b"X", 2000) + gap(b"X", 2000) + b'q",z\r\n',
    25000: b'x,"y\r\r\n' + gap(b"X", 600000) + gap(b"X", 600000) + b'q",z\r\n',
    27000: b"x,y,z\r\r\n" + gap(b"X", 600000),
    # Such a line opening a row exactly --max-line long as one pass joins it (its "\r" kept,
    # then "\n"): the scan must not count the "\r" of the line end before the gap.
    14000: b'x,"a\r\r\n' + gap(b"X", 2000) + gap(b"B", 1018) + b'end",z\r\n',
    26000: b'x,"a\r\r\n' + gap(b"X", 600000) + gap(b"B", 524282) + b'end",z\r\n'})
write("gaps-header.csv", b'"h\r\n' + gap(b"X", 2000) + b'1",h2,h3\r\n', {})
write("gaps-header-rr.csv", b'"h\r\r\n' + gap(b"X", 2000) + b'1",h2,h3\r\n', {})
PY
# Bad rows early and late: a stage after the threads that stops early (head) has seen the bad
# records of the rows before it, as in one pass. (Both report those of the batch that holds the
# last row taken, whole: the rows here are in the first 64 KiB, or far after.)
awk 'NR == 2 || NR == 50 || NR == 700 || NR == 20000 { print "bad,row" } { print }' \
  "$work/users.csv" >"$work/bad-early.csv"
cd "$work" || exit 1

tasks=(
  "read app.log | grep ERROR | field 0"
  "read app.log | grep 'latency_ms=[0-9]{3,}' | count"
  "read app.log.zst | grep ERROR | field 0"
  "read app.log | count by 1"
  "read tweets.jsonl | json | where retweet_count > 10 | field user.screen_name"
  "read tweets.jsonl | json | select user.screen_name lang | to jsonl"
  "read users.csv | csv | where country == \"DE\" | set email = lower(email) | select name email | to csv"
  "read app.log | kv | where latency_ms > 300 | field order user _line"
  "read app.log | parse '(?P<ts>\\S+) (?P<level>[A-Z]+)' | where level == 'WARN' | field ts _offset | head 500"
  "read app.log | set 9 = \$0 | grep -v INFO | tail 20"
  "read bad.jsonl | json | field id"
  "--max-line 1MiB read huge.log | grep ERROR | field 0"
  "--on-error skip --max-line 1MiB read huge.log | grep -v INFO | field _line _offset 1"
  "--on-error skip --max-line 1MiB read huge.log huge.log | count by _file 1"
  "read users.csv | csv | field _line _offset name notes"
  "--on-error skip read wide.csv | csv | where c5 != '0' | field _line c5 c8999"
  "read users-crlf.csv | csv | select id notes | to csv"
  "read users.csv users-crlf.csv | csv | count by country"
  "read users.csv | csv --columns a,b,c,d,e,f | field a f"
  "read users.csv | csv --no-header | field 0 5"
  "read users-bad.csv | csv | field id"
  "--on-error skip read users-bad.csv | csv | field id _line"
  "--on-error skip --max-line 64KiB read users-runaway.csv | csv | field id _line"
  "--max-line 64KiB read users-runaway.csv | csv | field id"
  "--on-error skip read bad.jsonl | json | field id"
  "--on-error skip --max-line 1KiB read long.log | grep ERROR | field _line _offset 0"
  "--on-error skip --max-line 1KiB read long.log | grep ERROR | tail 3000 | field _line _offset 0"
  "--on-error dead-letter=dead.txt --max-line 1KiB read long.log bad.jsonl | json | field id"
  "--on-error skip read many-bad.jsonl | json | count"
  "--on-error dead-letter=dead.txt read many-bad.jsonl | json | where lang == 'ja' | field id"
  "--on-error skip --max-error-rate 1% read many-bad.jsonl | json | field id"
  "--on-error dead-letter=dead.txt read users-bad.csv users-runaway.csv | csv | count"
  "read app.log tweets.jsonl | grep 'ERROR|\"ja\"' | head 200000 | field _file _line"
  "--on-error skip --max-line 1KiB read long.log app.log | kv | where latency_ms > 900 | field _line"
  "--max-line 1KiB read app.log long.log | grep WARN | field _line"
  "--on-error skip --max-line 1KiB read users-long.csv users.csv | csv | count by country"
  "--on-error skip --max-line 1KiB read users-long.csv | csv | where country == 'DE' | tail 50 | field _line id"
  "--on-error skip --max-line 1KiB read users-long.csv | csv | where country == 'DE' | field _line id"
  "--on-error skip --max-line 1KiB read users-long.csv | csv | field _line _offset id"
  "--max-line 1KiB read users.csv users-long.csv | csv | field id"
  "--on-error skip --max-line 1KiB read bom-mid.csv | csv --columns a,b,c | where b != 'x' | to jsonl"
  "read long-rows.csv | csv | set n = len(c00000) | field _line _offset n c39999"
  "read users-crlf.csv | csv | field _line _offset id"
  "--on-error skip --max-line 1MiB read random1.csv random2.csv random3.csv | csv | field _file _line _offset h0"
  "--on-error skip read random1.csv random2.csv random3.csv | csv | count by h0"
  "--on-error skip read users-bad.csv | csv | field _line _offset id"
  "--on-error skip --max-line 1KiB read bom-mid.csv | csv --columns a,b,c | field _line _offset a"
  "--on-error skip --max-line 4MiB read users-runaway-long.csv | csv | field id _line _offset"
  "--max-line 4MiB read users-runaway-long.csv | csv | field id"
  "read long-rows.csv users.csv long-rows.csv | csv | field _file _line _offset"
  "--on-error skip --max-line 512KiB read gaps.csv | csv | field _line _offset id name"
  "--on-error skip --max-line 1KiB read gaps.csv | csv | field _line _offset id name"
  "--max-line 512KiB read gaps.csv | csv | field id"
  "--on-error skip --max-line 512KiB read gaps.csv users.csv gaps.csv | csv | count by _file country"
  "--on-error skip --max-line 1KiB read gaps-crlf.csv | csv | field _line _offset h0 h1 h2"
  "--on-error skip --max-line 512KiB read gaps-crlf.csv | csv | field _line _offset h0 h1 h2"
  "--on-error skip --max-line 1KiB read gaps-header.csv | csv | to jsonl"
  "--on-error skip --max-line 1KiB read gaps-header-rr.csv | csv | to jsonl"
  "--on-error dead-letter=dead.txt --max-line 1KiB read gaps.csv gaps-crlf.csv | csv | field h0 id"
  "--on-error dead-letter=dead.txt --max-line 512KiB read gaps-crlf.csv gaps.csv | csv | field h0 id"
  "--on-error skip read bad-early.csv | csv | head 1"
  "--on-error dead-letter=dead.txt read bad-early.csv | csv | head 3000 | field _line id"
  # Aggregates run on the threads (partial states, merged): many groups, first seen in every
  # chunk, must come out in the order of one pass; _line read by the aggregate; a bad record.
  "read app.log | count by 0"
  "read app.log | kv | where latency_ms > 100 | count by user level"
  "read app.log long.log | grep ERROR | count by _file _line"
  "read bad.jsonl | json | count by lang"
  "--on-error skip read bad.jsonl | json | count by lang"
  "read tweets.jsonl | json | count by user.screen_name | head 1000"
  # sample decides from each record's place (its file and offset), bucket from its text: both
  # run on the threads, and must keep, drop and bucket the same records as one pass; the
  # stages with state between records (running, window, dedup) run after the threads.
  "read app.log | sample 10% | field _line _offset 0"
  "read app.log app.log.zst | sample 5% --seed 9 | field _file _offset 1"
  "read app.log | sample 3% | count by 1"
  "read users.csv users-crlf.csv | csv | sample 25% | field _file _line _offset id"
  "--on-error skip --max-line 1KiB read long.log | sample 20% | field _line 0"
  "read tweets.jsonl | json | sample 10% by lang user.id | count by lang"
  "read app.log | bucket 1m | count by _bucket 1"
  "read tweets.jsonl | json | bucket 1h on created_at | sample 50% | field _bucket id"
  "--on-error skip read bad.jsonl | json | bucket 10s | count by _bucket"
  "read app.log | grep ERROR | kv | running sum avg latency_ms | window 50 max latency_ms | dedup user | field _line running_sum running_avg window_max"
)
passed=0
failed=0
# Each task runs at -j 1 and then: chunks at 2 and 3 threads, mapped at 2. Under the sanitizers
# (GPIPE_SANITIZED, ten times slower), one of each way of reading: chunks at 2, mapped at 3.
jobs=(2 3 "2 --mmap")
[[ -n ${GPIPE_SANITIZED:-} ]] && jobs=(2 "3 --mmap")
for task in "${tasks[@]}"; do
  opts=""
  pipeline=$task
  if [[ $task == --* ]]; then opts=${task%% read *}; pipeline="read ${task#* read }"; fi
  rm -f dead.txt
  $GPIPE $opts -j 1 "$pipeline" >one.out 2>one.err; s1=$?
  touch dead.txt && mv dead.txt one.dead
  # Files are read into chunks by default, and mapped (chunks view the mapping) under --mmap.
  for j in "${jobs[@]}"; do
    # shellcheck disable=SC2086 # j holds a count and maybe a flag
    $GPIPE $opts -j $j "$pipeline" >many.out 2>many.err; sj=$?
    touch dead.txt && mv dead.txt many.dead
    if [[ $s1 -eq $sj ]] && cmp -s one.out many.out && [[ -s one.out || $s1 -ne 0 ]] &&
       cmp -s one.err many.err && cmp -s one.dead many.dead; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL -j $j: $task (status $s1 vs $sj)"
      diff one.out many.out | head -5
      diff one.err many.err | head -5
      diff one.dead many.dead | head -5
    fi
  done
done
# Standard input from a pipe (not mapped: copied into chunks), into an aggregate on the threads.
for pipeline in "count by 1" "grep ERROR | count by 3" "json | count by lang"; do
  input=app.log
  [[ $pipeline == json* ]] && input=tweets.jsonl
  $GPIPE -j 1 "$pipeline" <"$input" >one.out 2>one.err; s1=$?
  cat "$input" | $GPIPE -j 2 "$pipeline" >many.out 2>many.err; sj=$?
  if [[ $s1 -eq 0 && $sj -eq 0 && -s one.out ]] && cmp -s one.out many.out && cmp -s one.err many.err; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL -j 2 from a pipe: $pipeline (status $s1 vs $sj)"
    diff one.out many.out | head -5
  fi
done
# A file cut short while it is read (a log truncated by its rotation) is an input error with
# the file's name and exit 3, never a crash nor a quiet end: mapped (--mmap), the threads touch
# its lost pages; read, the end comes before the size the file had. The reader of the output
# stops reading after 100 KB, so gpipe is at most a few MiB in when the file is cut to 1 MiB.
# Usage: expect_truncation_error SOURCE COPY PIPELINE JOBS (JOBS: -j's count, maybe a flag).
expect_truncation_error() {
  local source=$1 copy=$2 pipeline=$3 jobs=$4
  cp "$source" "$copy"
  # shellcheck disable=SC2086 # jobs holds a count and maybe a flag
  { $GPIPE -j $jobs "$pipeline" 2>shrink.err; echo $? >shrink.status; } |
    { head -c 100000 >/dev/null; truncate -s 1M "$copy"; cat >/dev/null; }
  if [[ $(cat shrink.status) -eq 3 ]] &&
     grep -qFx "gpipe: error: '$copy' shrank while it was being read" shrink.err; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL -j $jobs: $copy truncated while read: status $(cat shrink.status)"
    head -3 shrink.err
  fi
}
for j in "2 --mmap" "3 --mmap" 1 2; do
  expect_truncation_error app.log shrink.log 'read shrink.log | grep -v NOMATCH' "$j"
done
# The same for a csv file, whose rows the threads frame in ranges they read (-j 2) or in chunks
# copied on the reading thread (--max-line below a range).
cat users.csv users.csv users.csv >users9.csv
for j in 1 2 "2 --max-line 64KiB"; do
  expect_truncation_error users9.csv shrink.csv 'read shrink.csv | csv | to csv' "$j"
done
# csv rows are cut by the threads from ranges they read, whatever the read-path probe found for
# the file (mapped blocks would be copied into chunks on the reading thread); only --mmap maps.
expect_ranges() {  # expect_ranges yes|no OPTIONS…
  local want=$1
  shift
  "$GPIPE" -v "$@" 'read users9.csv | csv | count' >/dev/null 2>ranges.err
  local got=no
  grep -qF 'users9.csv: cut into ranges' ranges.err && got=yes
  if [[ $got == "$want" ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL csv ranges with '$*': $got, expected $want"
    grep -F 'input ' ranges.err
  fi
}
GPIPE_READ_PROBE=map expect_ranges yes -j 2
GPIPE_READ_PROBE=read expect_ranges yes -j 2
expect_ranges no -j 2 --mmap
echo "parallel: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
