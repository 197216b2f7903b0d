# users-to-sqlite.gp made incremental, for a users CSV that the CRM appends to (new sign-ups,
# and a changed user as a new row with the same id): every five minutes, only the rows appended
# since the last run are cleaned and upserted by id. The job's state is kept in the database
# (table gpipe_state) in the same transaction as the rows, and in the state file: a run killed
# at any moment neither loses nor repeats a row. The CSV header is read again from the file's
# first line on each run (docs/scheduled-jobs.md).
#
# cron (every five minutes):
#   */5 * * * *  gpipe --state /var/lib/gpipe/users-sqlite.state --log-file /var/log/gpipe/users.log -f /srv/gpipe/pipelines/users-to-sqlite-incremental.gp --set users=/srv/export/users.csv --set db=/srv/data/crm.db
read ${users}
  | csv
  | set email = lower(trim(email))
  | set id = int(id)
  | where email =~ "@"
  | sqlite ${db} users --mode upsert --key id
