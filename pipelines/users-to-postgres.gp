# The same ETL as users-to-sqlite.gp, into PostgreSQL: the users CSV cleaned (emails trimmed and
# in lower case, id as an integer, rows whose email has no @ dropped) and upserted by id with
# COPY. The password comes from ~/.pgpass (or PGPASSWORD), never from the connection string.
#
# cron (every night at 02:40):
#   40 2 * * *  cd /srv/gpipe && gpipe -f pipelines/users-to-postgres.gp --set conninfo='host=db dbname=crm user=loader'
read sample-data/users.csv
  | csv
  | set email = lower(trim(email))
  | set id = int(id)
  | where email =~ "@"
  | postgres ${conninfo} users --mode upsert --key id
