# Every ERROR and FATAL line of the rotating app logs, appended as it comes to one zstd file a
# day. Incremental: each run reads only what is new since the last (--state), the rotated files
# too (app.log.1, app.log.2.gz: include them in the glob), and appends it exactly once, even if
# a run is killed (docs/scheduled-jobs.md).
#
# cron (every five minutes):
#   */5 * * * *  gpipe --state /var/lib/gpipe/errors.state --log-file /var/log/gpipe/errors.log -f /srv/gpipe/pipelines/rotating-errors.gp --set logs='/var/log/app/app.log*' --set out=/srv/archive/errors-$(date +\%F).log.zst
read ${logs}
  | grep -w 'ERROR|FATAL'
  | write --append ${out}
