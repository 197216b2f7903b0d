# A throwaway PostgreSQL server for tests and benchmarks (Debian's `postgresql` package), on a
# Unix socket in a temporary directory (no TCP: listen_addresses=''). Source it, then:
#
#   pg_cluster_start          # initdb + pg_ctl start; exports PGHOST, PGPORT, PGUSER, PGDATABASE
#   ... psql / gpipe 'postgres "" table' ...   (an empty CONNINFO uses the PG* variables)
#   pg_cluster_stop           # also run on every exit path: EXIT, INT and TERM traps
#
# Run as root (CI), initdb and the server run as the `postgres` user, who owns the directory; run
# as anyone else (a developer machine), as that user. PG_BIN overrides where the server binaries
# are; PG_CLUSTER_OPTIONS adds server options (-c name=value …). The caller's own EXIT trap is
# kept: it runs after the server is stopped.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
pg_cluster_dir=""

pg_cluster_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_cluster_stop() {
  [[ -n "$pg_cluster_dir" ]] || return 0
  if [[ -f "$pg_cluster_dir/data/postmaster.pid" ]]; then
    pg_cluster_as_owner "$PG_BIN/pg_ctl" -D "$pg_cluster_dir/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$pg_cluster_dir"
  pg_cluster_dir=""
}

pg_cluster_start() {
  if [[ ! -x "$PG_BIN/initdb" ]]; then
    echo "postgres_cluster: no initdb in ${PG_BIN:-/usr/lib/postgresql/*/bin} (apt-get install postgresql)" >&2
    return 1
  fi
  # Stop the server however the caller exits, then run the caller's own EXIT trap.
  local previous=""
  eval "set -- $(trap -p EXIT)"
  [[ $# -ge 3 ]] && previous=$3
  # shellcheck disable=SC2064
  trap "pg_cluster_stop; $previous" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pg_cluster_dir=$(mktemp -d /tmp/gpipe-pg-XXXXXX)
  chmod 755 "$pg_cluster_dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pg_cluster_dir"
  if ! pg_cluster_as_owner "$PG_BIN/initdb" -D "$pg_cluster_dir/data" -U gpipe -A trust -E UTF8 \
    --locale=C >"$pg_cluster_dir/initdb.log" 2>&1; then
    echo "postgres_cluster: initdb failed:" >&2
    tail -5 "$pg_cluster_dir/initdb.log" >&2
    return 1
  fi
  # shellcheck disable=SC2086
  if ! pg_cluster_as_owner "$PG_BIN/pg_ctl" -D "$pg_cluster_dir/data" -l "$pg_cluster_dir/server.log" \
    -o "-c listen_addresses='' -k $pg_cluster_dir -c max_wal_size=4GB ${PG_CLUSTER_OPTIONS:-}" \
    -w start >/dev/null; then
    echo "postgres_cluster: the server did not start:" >&2
    tail -5 "$pg_cluster_dir/server.log" >&2
    return 1
  fi
  export PGHOST=$pg_cluster_dir PGPORT=5432 PGUSER=gpipe PGDATABASE=postgres
}
