# Nightly ETL: the users CSV cleaned (emails trimmed and in lower case, id as an integer, rows
# whose email has no @ dropped) and loaded into SQLite. Upserted by id, so a rerun (or a run after
# one that failed half-way) leaves one row per user; each batch is one transaction.
#
# cron (every night at 02:30):
#   30 2 * * *  cd /srv/gpipe && gpipe -f pipelines/users-to-sqlite.gp --set db=/srv/data/crm.db
read sample-data/users.csv
  | csv
  | set email = lower(trim(email))
  | set id = int(id)
  | where email =~ "@"
  | sqlite ${db} users --mode upsert --key id
