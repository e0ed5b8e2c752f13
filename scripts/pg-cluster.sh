#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests, listening on 127.0.0.1 only.
#   pg-cluster.sh start DIR PORT   -> prints the connection URL of the maintenance database
#   pg-cluster.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}
find_bin() {
  local name=$1 path
  path=$(dpkg -L postgresql-15 2>/dev/null | grep "/bin/$name\$" | head -n 1 || true)
  [ -n "$path" ] || path=$(ls /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$path" ] || path=$(command -v "$name" || true)
  [ -n "$path" ] || { echo "pg-cluster: $name not found (apt-get install postgresql-15)" >&2; exit 1; }
  echo "$path"
}
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ctl=$(find_bin pg_ctl)
case "$cmd" in
  start)
    port=${3:?port}
    initdb=$(find_bin initdb)
    mkdir -p "$dir"
    # initdb refuses root: the cluster belongs to postgres, which must be able to reach DIR.
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod 711 "$(dirname "$dir")"; fi
    as_owner "$initdb" -D "$dir/data" -A trust -U gmv -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://gmv@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
