# Requests slower than half a second (latency_ms of 500 or more) in every app log, compressed
# archives included: timestamp, level and service of each.
#
# cron (every ten minutes, -e makes "nothing slow" exit 1 so the wrapper can tell):
#   */10 * * * *  gpipe -e -f /srv/gpipe/pipelines/slow-requests.gp --set logs='/var/log/app/app-*.log*'
read ${logs}
  | grep 'latency_ms=([5-9][0-9]{2}|[0-9]{4,})\b'   # RE2 syntax
  | field 0 1 3
