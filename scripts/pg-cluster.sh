#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for tests and benchmarks.
#
#   eval "$(bash scripts/pg-cluster.sh start)"   # sets QIANTANG_TEST_PG and QIANTANG_PG_DIR
#   bash scripts/pg-cluster.sh stop "$QIANTANG_PG_DIR"
#
# PostgreSQL refuses to run as root, so the cluster belongs to the system user
# `qiantang-pg` (created if missing), lives in a fresh temporary folder, listens
# on 127.0.0.1 only, and trusts local connections as the database user qiantang.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "pg-cluster: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
run_as() { if [[ $(id -u) == 0 ]]; then runuser -u qiantang-pg -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    if [[ $(id -u) == 0 ]] && ! id qiantang-pg >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin qiantang-pg
    fi
    dir=$(mktemp -d /tmp/qiantang-pg-XXXXXX)
    [[ $(id -u) == 0 ]] && chown qiantang-pg "$dir"
    port=${QIANTANG_PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
    run_as "$bin/initdb" -D "$dir/data" -U qiantang --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    run_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "export QIANTANG_TEST_PG=postgresql://qiantang@127.0.0.1:$port/postgres"
    echo "export QIANTANG_PG_DIR=$dir"
    ;;
  stop)
    dir=${2:?usage: pg-cluster.sh stop DIR}
    run_as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-cluster.sh start | stop DIR" >&2
    exit 2
    ;;
esac
