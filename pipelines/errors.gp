# The main job: the timestamp of every ERROR line in the app logs.
#
# cron (hourly report):
#   15 * * * *  cd /srv/gpipe && gpipe -f pipelines/errors.gp > /var/reports/errors-$(date +\%H).txt
read sample-data/app*.log
  | grep ERROR
  | field 0
