# Sourced by .ci/run before the tests: a throw-away redis-server on 127.0.0.1 for the rate-limit
# coordinator tests (tests/ratelimit). Exports L0_TEST_REDIS_URL and L0_TEST_REDIS_STOP.
# Needs root for apt-get. Safe under `set -euo pipefail` and to source twice (a running server is reused).
l0_redis_setup() {
    local port="${L0_REDIS_PORT:-}"
    local dir
    if ! command -v redis-server >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    fi
    if [ -z "$port" ]; then
        if [ -f /tmp/l0-redis.port ] && redis-cli -p "$(cat /tmp/l0-redis.port)" ping >/dev/null 2>&1; then
            port="$(cat /tmp/l0-redis.port)"
        else
            port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
        fi
    fi
    dir="/tmp/l0-redis-$port"
    if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
        mkdir -p "$dir"
        redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
            --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
        local i
        for i in $(seq 1 50); do
            redis-cli -p "$port" ping >/dev/null 2>&1 && break
            sleep 0.1
        done
        redis-cli -p "$port" ping >/dev/null
    fi
    echo "$port" > /tmp/l0-redis.port
    export L0_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    export L0_TEST_REDIS_STOP="redis-cli -p $port shutdown nosave"
}
l0_redis_setup
unset -f l0_redis_setup
