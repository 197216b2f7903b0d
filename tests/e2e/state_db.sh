#!/usr/bin/env bash
# --state into sqlite and postgres (docs/scheduled-jobs.md): the job's state is a row of the
# database's gpipe_state table committed with the rows, and the state file follows it.
#   1. a normal run: the row holds the state file's text, under its absolute path;
#   2. the state file behind the database (a crash between the two commits), ahead of it (the
#      database restored from a backup), missing, damaged: the database's state wins, no row
#      is lost or doubled; the database replaced (no row) or another job's row: exit 3; rows the
#      database refuses (--on-error skip) count as read;
#   3. an overlapping run is refused (the lock), with `read --follow | batch --every` loading;
#   4. which pipelines may run: an aggregate before the sink (one transaction), `batch` after it
#      refused, other sinks' refusals unchanged;
#   5. the incremental users jobs of pipelines/ over a growing CSV (its header read again from
#      the file's first line), into sqlite and postgres.
# Usage: state_db.sh GPIPE_BINARY
set -u
GPIPE=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$here/checks.sh"
expect_in() { # what needle file
  if grep -qF -- "$2" "$3"; then pass; else fail "$1: no [$2] in: $(head -c 600 "$3")"; fi
}

# PostgreSQL for section 5 (started first: its server runs as another user, from /).
# shellcheck source=postgres_cluster.sh
source "$here/postgres_cluster.sh"
pg_cluster_start || exit 1
q() { psql -X -Atq -v ON_ERROR_STOP=1 -c "$1"; }
cd "$work" || exit 1

rows() { # FROM COUNT: JSON lines with ids FROM…FROM+COUNT-1
  awk -v from="$1" -v n="$2" 'BEGIN { for (i = from; i < from + n; i++)
    printf "{\"id\":%d,\"level\":\"%s\"}\n", i, (i % 3 == 0 ? "ERROR" : "INFO") }' >>app.jsonl
}
job="read app.jsonl | json | where level == 'ERROR' | sqlite db.sqlite t --batch 7"
run() { "$GPIPE" --state st "$job" 2>"$work/err"; }
s() { sqlite3 db.sqlite "$1"; }
expect_rows() { # what ids_below: every ERROR id below, once
  local want=$((($2 + 2) / 3))
  expect_eq "$1" "$want|$want" "$(s 'SELECT count(*) || "|" || count(DISTINCT id) FROM t')"
}

# 1. A normal run.
rows 0 100
run || fail "first run: $(cat err)"
expect_rows "first run" 100
expect_eq "the row is the state file" "$(cat st)" "$(s "SELECT state FROM gpipe_state WHERE state_file = '$work/st'")"
expect_eq "one row" "1" "$(s 'SELECT count(*) FROM gpipe_state')"
expect_eq "generation in both" "$(awk -F'\t' '$1 == "database" { print $2 "|" $3 }' st)" \
  "$(s 'SELECT generation || "|" || job FROM gpipe_state')"
rows 100 50
run || fail "second run: $(cat err)"
expect_rows "second run: only the new rows" 150
generation=$(s 'SELECT generation FROM gpipe_state')
run || fail "a run with nothing new: $(cat err)"
expect_eq "a run with nothing new commits its state once" "$((generation + 1))" \
  "$(s 'SELECT generation FROM gpipe_state')"

# 2. The state file behind the database: the database's state wins.
cp st st.behind
rows 150 40
run || fail "run 3: $(cat err)"
cp st.behind st
rows 190 10
run || fail "state file behind: $(cat err)"
expect_rows "state file behind: no row doubled" 200
expect_eq "state file rewritten" "$(cat st)" "$(s 'SELECT state FROM gpipe_state')"
# The database restored from a backup: it is behind the file, and wins too.
cp db.sqlite db.backup
rows 200 30
run || fail "run before the restore: $(cat err)"
cp db.backup db.sqlite
rm -f db.sqlite-wal db.sqlite-shm
rows 230 20
run || fail "database restored: $(cat err)"
expect_in "database restored: a warning" "the database lost its last commits" err
expect_rows "database restored: the rows after the backup loaded again, once" 250
# The state file missing, then damaged.
rm st
rows 250 10
run || fail "state file missing: $(cat err)"
expect_in "state file missing: a warning" "is missing: the job goes on from the state in" err
expect_rows "state file missing" 260
echo garbage >st
rows 260 10
run || fail "state file damaged: $(cat err)"
expect_in "state file damaged: a warning" "the job goes on from the state in table gpipe_state" err
expect_rows "state file damaged" 270
expect_eq "state file damaged: rewritten" "$(cat st)" "$(s 'SELECT state FROM gpipe_state')"
# The database replaced: its table has no row for a job whose file says it loaded.
mv db.sqlite db.kept
run
expect_eq "database replaced: exit 3" "3" "$?"
expect_in "database replaced: the message" "has no row for it" err
test -e db.sqlite && fail "database replaced: a database made anyway" || pass
mv db.kept db.sqlite
# Another job's row under this path: a fresh job into another database, then its file here.
mv st st.a
job="read app.jsonl | json | where level == 'ERROR' | sqlite other.sqlite t"
run || fail "another job: $(cat err)"
mv st st.b
cp st.a st
run
expect_eq "another job's row: exit 3" "3" "$?"
expect_in "another job's row: the message" "holds the state of another job" err
job="read app.jsonl | json | where level == 'ERROR' | sqlite db.sqlite t --batch 7"

# Rows the database refuses (--on-error skip) count as read: the next run does not meet them.
refused_run() { # DB_COMMAND…: loads r.jsonl into table u
  "$GPIPE" --on-error skip --state st4 "read r.jsonl | json | $1" 2>err
}
printf '{"id":1}\n{"id":2}\n{"id":1}\n{"id":3}\n' >r.jsonl
sqlite3 refused.sqlite 'CREATE TABLE u (id INTEGER UNIQUE)'
refused_run "sqlite refused.sqlite u --batch 2" || fail "refused rows: $(cat err)"
expect_in "refused row: skipped" "1 bad record skipped" err
printf '{"id":4}\n' >>r.jsonl
refused_run "sqlite refused.sqlite u --batch 2" || fail "refused rows, second run: $(cat err)"
expect_eq "refused row: not met again" "" "$(cat err)"
expect_eq "refused row: the others once" "1,2,3,4" "$(sqlite3 refused.sqlite 'SELECT group_concat(id) FROM u')"
rm -f st4 r.jsonl
printf '{"id":1}\n{"id":2}\n{"id":1}\n{"id":3}\n' >r.jsonl
q 'CREATE TABLE u (id BIGINT UNIQUE)'
refused_run "postgres '' u" || fail "postgres refused rows: $(cat err)"
expect_in "postgres refused row: skipped" "1 bad record skipped" err
printf '{"id":4}\n' >>r.jsonl
refused_run "postgres '' u" || fail "postgres refused rows, second run: $(cat err)"
expect_eq "postgres refused row: not met again" "" "$(cat err)"
expect_eq "postgres refused row: the others once" "1,2,3,4" "$(q 'SELECT string_agg(id::text, $$,$$ ORDER BY id) FROM u')"

# 3. An overlapping run is refused; a followed input loads as it grows.
rm -f f.csv st2 follow.sqlite
printf 'id,level\n1,ERROR\n2,INFO\n' >f.csv
"$GPIPE" --state st2 "read --follow f.csv | csv | batch 100 --every 100ms | sqlite follow.sqlite t" 2>follow.err &
follower=$!
sleep 0.5
printf '3,ERROR\n4,ERROR\n' >>f.csv
sleep 0.6
expect_eq "followed: rows loaded as they come" "4" "$(sqlite3 follow.sqlite 'SELECT count(*) FROM t' 2>&1)"
"$GPIPE" --state st2 "read f.csv | csv | sqlite follow.sqlite t" 2>err
expect_eq "overlapping run: exit 3" "3" "$?"
expect_in "overlapping run: the message" "is in use by another gpipe run (pid $follower" err
kill -TERM $follower
wait $follower
expect_eq "followed: SIGTERM ends it with 0" "0" "$?"
printf '5,INFO\n' >>f.csv
"$GPIPE" --state st2 "read f.csv | csv | sqlite follow.sqlite t" 2>err || fail "after follow: $(cat err)"
expect_eq "after follow: each row once" "5|5" "$(sqlite3 follow.sqlite 'SELECT count(*) || "|" || count(DISTINCT id) FROM t')"

# 4. Which pipelines: an aggregate's output is one transaction, at the end.
rm -f agg.sqlite st3
"$GPIPE" --state st3 "read app.jsonl | json | count by level | sqlite agg.sqlite counts --batch 1" 2>err ||
  fail "aggregate: $(cat err)"
rows 270 30
"$GPIPE" --state st3 "read app.jsonl | json | count by level | sqlite agg.sqlite counts --batch 1" 2>err ||
  fail "aggregate, second run: $(cat err)"
expect_eq "aggregate: counts of each run's new records" "ERROR|10 ERROR|90 INFO|20 INFO|180" \
  "$(sqlite3 agg.sqlite 'SELECT level, count FROM counts ORDER BY 1, 2' | tr '\n' ' ' | sed 's/ $//')"
"$GPIPE" --state st3 "read app.jsonl | json | count by level | batch 5 | sqlite agg.sqlite counts" 2>err
expect_eq "batch after an aggregate: exit 2" "2" "$?"
expect_in "batch after an aggregate: the message" "is loaded in one transaction" err
"$GPIPE" --state st3 "read app.jsonl | head 5 | sqlite agg.sqlite h" 2>err
expect_eq "head before sqlite: exit 2" "2" "$?"
"$GPIPE" --state st3 "read app.jsonl | batch 5 | write x.log" 2>err
expect_eq "batch before write: exit 2" "2" "$?"

# 5. The incremental users jobs of pipelines/: a growing CSV, whose header each run reads again.
users_check() { # what count_command
  expect_eq "$1: one row per user, emails cleaned, ids integers" "42|42|42|integer" "$2"
}
head -30 "$root/sample-data/users.csv" >users.csv
"$GPIPE" --state su -f "$root/pipelines/users-to-sqlite-incremental.gp" --set users=users.csv \
  --set db=crm.db 2>err || fail "users sqlite, first run: $(cat err)"
tail -n +31 "$root/sample-data/users.csv" >>users.csv
printf '41,Zoe Example,  Zoe@Example.COM ,FR,2026-04-01,new\n42,Li Example,li@example.com,CN,2026-04-02,\n' >>users.csv
"$GPIPE" --state su -f "$root/pipelines/users-to-sqlite-incremental.gp" --set users=users.csv \
  --set db=crm.db 2>err || fail "users sqlite, second run: $(cat err)"
users_check "users sqlite" "$(sqlite3 crm.db "SELECT count(*) || '|' || count(DISTINCT id) || '|' || sum(email = lower(trim(email))) || '|' || min(typeof(id)) FROM users")"
expect_eq "users sqlite: the appended row cleaned" "zoe@example.com" "$(sqlite3 crm.db 'SELECT email FROM users WHERE id = 41')"
"$GPIPE" --state sp -f "$root/pipelines/users-to-postgres-incremental.gp" --set users=users.csv \
  --set conninfo= 2>err || fail "users postgres, first run: $(cat err)"
printf '43,Ann Example,ann@example.com,SE,2026-04-03,\n' >>users.csv
"$GPIPE" --state sp -f "$root/pipelines/users-to-postgres-incremental.gp" --set users=users.csv \
  --set conninfo= 2>err || fail "users postgres, second run: $(cat err)"
expect_eq "users postgres: one row per user, the new one added" "43|43|43|bigint" \
  "$(q "SELECT count(*) || '|' || count(DISTINCT id) || '|' || sum((email = lower(trim(email)))::int) || '|' || pg_typeof(min(id)) FROM users")"
expect_eq "users postgres: the row is the state file" "$(cat sp)" \
  "$(q "SELECT state FROM gpipe_state WHERE state_file = '$work/sp'")"

cd / || exit 1
echo "state_db: $passed passed, $failed failed"
((failed == 0))
