# Tweets per language from a growing tweet dump (JSON lines, new files added and old ones
# compressed), incrementally: each run appends the counts of the tweets new since the last run
# as partial states (--partial), and `merge` adds them up into totals at any time:
#   gpipe 'read /data/lang-counts.partial.jsonl | merge'
# The state is committed after the counts are appended, so a killed run's counts are cut away and
# its tweets counted again by the next run (docs/scheduled-jobs.md).
#
# cron (every five minutes):
#   */5 * * * *  gpipe --state /var/lib/gpipe/tweets.state --partial --log-file /var/log/gpipe/tweets.log -f /srv/gpipe/pipelines/tweet-languages.gp --set dump='/data/tweets/*.jsonl*' --set out=/data/lang-counts.partial.jsonl
read ${dump}
  | json
  | count by lang
  | write --append ${out}
