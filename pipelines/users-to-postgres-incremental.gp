# users-to-postgres.gp made incremental, for a users CSV that the CRM appends to (new sign-ups,
# and a changed user as a new row with the same id): every five minutes, only the rows appended
# since the last run are cleaned and upserted by id with COPY. The job's state is kept in the
# database (table gpipe_state) in the same transaction as the rows, and in the state file: a
# run killed at any moment neither loses nor repeats a row. The CSV header is read again from
# the file's first line on each run (docs/scheduled-jobs.md). The password comes from ~/.pgpass
# (or PGPASSWORD), never from the connection string.
#
# cron (every five minutes):
#   */5 * * * *  gpipe --state /var/lib/gpipe/users-pg.state --log-file /var/log/gpipe/users.log -f /srv/gpipe/pipelines/users-to-postgres-incremental.gp --set users=/srv/export/users.csv --set conninfo='host=db dbname=crm user=loader'
read ${users}
  | csv
  | set email = lower(trim(email))
  | set id = int(id)
  | where email =~ "@"
  | postgres ${conninfo} users --mode upsert --key id
