# Nightly: every ERROR and FATAL line of one day's archived log into a zstd file. The output is
# written under a temporary name and renamed only on success, so a failed run leaves no half file.
#
# cron (five past midnight, for yesterday):
#   5 0 * * *  cd /srv/gpipe && gpipe -f pipelines/archive-errors.gp --set day=$(date -d yesterday +\%F) --set out=/srv/archive
read sample-data/app-${day}.log.*
  | grep -w 'ERROR|FATAL'
  | write ${out}/errors-${day}.log.zst
