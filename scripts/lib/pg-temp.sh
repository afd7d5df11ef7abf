# Throwaway PostgreSQL cluster helpers. Source this file; it defines:
#   pg_temp_start   start a private cluster, export PG* for it
#   pg_temp_stop    stop it and remove its directory
#
# PostgreSQL refuses to run as root, and CI runs as root: the cluster runs as
# the `postgres` user (created by Debian's postgresql package) in a temporary
# directory that user owns, on a free port, with a unix socket in that
# directory and TCP on 127.0.0.1 only.

pg_temp_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    return 1
}

pg_temp_as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    elif [ "$(id -un)" = postgres ]; then
        "$@"
    else
        sudo -u postgres -- "$@"
    fi
}

pg_temp_free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$(( 20000 + RANDOM % 30000 ))
        # Nothing answers on it (bash's /dev/tcp fails to connect) and no socket file.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"; return 0
        fi
    done
    return 1
}

# pg_temp_start [extra postgres -c settings...]
# Exports: PGHOST PGPORT PGUSER PGDATABASE PGDATA_DIR PG_BIN PG_CTL_USER PG_TEMP_DIR
pg_temp_start() {
    local bin dir port
    bin=$(pg_temp_bin) || { echo "pg-temp: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
    dir=$(mktemp -d /tmp/session-syncd-pg.XXXXXX)
    chmod 755 "$dir"
    chown postgres: "$dir" 2>/dev/null || true
    port=$(pg_temp_free_port) || { echo "pg-temp: no free port" >&2; return 1; }
    pg_temp_as_postgres "$bin/initdb" -D "$dir/data" -U postgres \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { echo "pg-temp: initdb failed:" >&2; cat "$dir/initdb.log" >&2; return 1; }
    # Swift Testing runs the suites at once: each test's daemon holds 3 connections (query, leader
    # lock, status) beside the test's own, so 200 ran out in CI ("too many clients already").
    local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=1000"
    local s
    for s in "$@"; do opts="$opts -c $s"; done
    pg_temp_as_postgres "$bin/pg_ctl" -D "$dir/data" -o "$opts" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { echo "pg-temp: server did not start:" >&2; tail -n 30 "$dir/server.log" >&2; return 1; }
    export PG_TEMP_DIR="$dir" PGDATA_DIR="$dir/data" PG_BIN="$bin" PG_CTL_USER=postgres
    export PGHOST="$dir" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
    unset PGPASSWORD PGSERVICE PGSSLMODE PGOPTIONS
}

pg_temp_stop() {
    local dir="${1:-${PG_TEMP_DIR:-}}"
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    local bin; bin=$(pg_temp_bin)
    if [ -f "$dir/data/postmaster.pid" ]; then
        # A test may have left the postmaster SIGSTOPped; wake it so it can stop.
        kill -CONT "$(head -n1 "$dir/data/postmaster.pid")" 2>/dev/null || true
        pg_temp_as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}
