# Sourced by .ci/run before the tests: a throw-away PostgreSQL cluster on 127.0.0.1 for the
# event-sourcing store tests (tests/eventsourcing). Exports L0_TEST_POSTGRES_DSN.
# Needs root (apt-get, su postgres). Safe to source twice: a running cluster is reused.
l0_pg_setup() {
    local port="${L0_PG_PORT:-54329}"
    local dir="${L0_PG_DIR:-/tmp/l0-pg-$port}"
    local bindir
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    fi
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
        rm -rf "$dir" && mkdir -p "$dir" && chown postgres "$dir" && chmod 700 "$dir"
        su postgres -c "$bindir/initdb -D $dir -A trust -U postgres --no-sync" >/dev/null
    fi
    if ! su postgres -c "$bindir/pg_ctl -D $dir status" >/dev/null 2>&1; then
        su postgres -c "$bindir/pg_ctl -D $dir -l $dir/server.log -w -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' start" >/dev/null
    fi
    "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='l0'" | grep -q 1 \
        || "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE l0 LOGIN SUPERUSER" >/dev/null
    "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='l0_test'" | grep -q 1 \
        || "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE l0_test OWNER l0" >/dev/null
    export L0_TEST_POSTGRES_DSN="postgresql://l0@127.0.0.1:$port/l0_test"
    # The restart test stops and starts this cluster with these two commands.
    local opts="-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    export L0_TEST_POSTGRES_STOP="su postgres -c '$bindir/pg_ctl -D $dir -w -m fast stop'"
    export L0_TEST_POSTGRES_START="su postgres -c \"$bindir/pg_ctl -D $dir -l $dir/server.log -w -o '$opts' start\""
}
l0_pg_setup
unset -f l0_pg_setup
