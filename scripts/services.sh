#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for the tests, on loopback ports of their own.
#
#   scripts/services.sh start    install Debian's postgresql and redis-server if missing, start both
#                                (unless this script already did) and write .services/env
#   scripts/services.sh stop     stop what this script started; nothing else
#   scripts/services.sh status   exit 0 when both are running (and .services/env is current)
#
# .services/env holds TEST_POSTGRES_URL and TEST_REDIS_URL; `source .services/env` before pytest.
# The PostgreSQL cluster (trust auth, loopback only, fsync off) is kept between runs so the
# next start is quick; the database bot_test is made anew each time the server starts.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/.services"
ENV_FILE="$DIR/env"
PG_PORT_FIRST=55432
REDIS_PORT_FIRST=56379

say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }

# -- installing --------------------------------------------------------------------------

pg_bin() {
  # Debian's binaries, newest major version: /usr/local/bin may hold others.
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/psql" ] && echo "$bin"
}

have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }

install_missing() {
  local packages=()
  pg_bin >/dev/null || packages+=(postgresql)
  have_redis || packages+=(redis-server)
  [ ${#packages[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${packages[*]}: run as root, or: sudo apt-get install ${packages[*]}"
  command -v apt-get >/dev/null || die "missing ${packages[*]} and no apt-get to install them"
  say "installing ${packages[*]} (apt-get)"
  # Keep the packages' own services from starting: this script runs its own, on other ports.
  local policy=/usr/sbin/policy-rc.d made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  local status=0
  mkdir -p "$DIR"
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
  } >"$DIR/apt.log" 2>&1 || status=$?
  [ -n "$made_policy" ] && rm -f "$policy"
  [ "$status" -eq 0 ] || { tail -n 20 "$DIR/apt.log" >&2; die "apt-get install ${packages[*]} failed (.services/apt.log)"; }
  pg_bin >/dev/null || die "postgresql installed but no binaries under /usr/lib/postgresql/*/bin"
  have_redis || die "redis-server installed but not on PATH"
}

# -- helpers -----------------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port=$1
  while port_in_use "$port"; do
    port=$((port + 1))
    [ "$port" -lt $(($1 + 200)) ] || die "no free port from $1 on"
  done
  echo "$port"
}

# PostgreSQL refuses to run as root: as root, its commands run as the postgres user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")  # from /: the checkout may be closed to that user
  else
    "$@"
  fi
}

pg_data() {
  # .services/pg when the postgres user can reach it; else a folder of its own under /tmp
  # (e.g. a checkout under /root, which other users cannot enter).
  if [ -f "$DIR/pgdata" ]; then cat "$DIR/pgdata"; return; fi
  local data="$DIR/pg"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$DIR"; then
    data="/tmp/bot-services-$(echo -n "$PWD" | md5sum | cut -c1-12)/pg"
  fi
  echo "$data" >"$DIR/pgdata"
  echo "$data"
}

pg_running() { [ -f "$1/postmaster.pid" ] && as_pg "$BIN/pg_ctl" status -D "$1" >/dev/null 2>&1; }

pg_port() { sed -n 4p "$1/postmaster.pid"; }

redis_pid() {
  local pid
  pid=$(cat "$DIR/redis.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

redis_port() { cat "$DIR/redis.port"; }

# -- PostgreSQL --------------------------------------------------------------------------

start_pg() {
  local data port
  data=$(pg_data)
  if pg_running "$data"; then
    PG_PORT=$(pg_port "$data")
    say "postgresql already running on 127.0.0.1:$PG_PORT"
    return
  fi
  if [ ! -f "$data/PG_VERSION" ] || [ "$(cat "$data/PG_VERSION")" != "$(basename "$(dirname "$BIN")")" ]; then
    rm -rf "$data"
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
    chmod 700 "$data"
    as_pg "$BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
    cat >>"$data/postgresql.conf" <<'EOF'

# scripts/services.sh: a throwaway test server, loopback TCP only, speed over durability
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  fi
  port=$(free_port "$PG_PORT_FIRST")
  as_pg "$BIN/pg_ctl" start -D "$data" -w -t 60 -l "$data/server.log" -o "-p $port" >/dev/null ||
    { tail -n 20 "$data/server.log" >&2 || true; die "postgresql did not start"; }
  PGOPTIONS="-c client_min_messages=warning" "$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS bot_test" -c "CREATE DATABASE bot_test" >/dev/null
  PG_PORT=$port
  say "postgresql started on 127.0.0.1:$PG_PORT ($data)"
}

stop_pg() {
  [ -f "$DIR/pgdata" ] || return 0
  local data
  data=$(cat "$DIR/pgdata")
  if pg_running "$data"; then
    as_pg "$BIN/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null
    say "postgresql stopped"
  fi
}

# -- Redis -------------------------------------------------------------------------------

start_redis() {
  if redis_pid >/dev/null; then
    REDIS_PORT=$(redis_port)
    say "redis already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  local port i
  port=$(free_port "$REDIS_PORT_FIRST")
  rm -f "$DIR/redis.pid"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR" >/dev/null
  for i in $(seq 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && break
    [ "$i" -lt 100 ] || { tail -n 20 "$DIR/redis.log" >&2 || true; die "redis did not start"; }
    sleep 0.1
  done
  echo "$port" >"$DIR/redis.port"
  REDIS_PORT=$port
  say "redis started on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  local pid i
  pid=$(redis_pid) || return 0
  kill "$pid"
  for i in $(seq 100); do  # a zombie (nobody reaps it) has no cmdline left
    grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$DIR/redis.pid"
  say "redis stopped"
}

# -- commands ----------------------------------------------------------------------------

write_env() {
  cat >"$ENV_FILE.tmp" <<EOF
# written by scripts/services.sh start; removed by stop
export TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PG_PORT/bot_test
export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

case "${1:-}" in
  start)
    install_missing
    BIN=$(pg_bin)
    mkdir -p "$DIR"
    start_pg
    start_redis
    write_env
    ;;
  stop)
    BIN=$(pg_bin) || exit 0
    stop_redis
    stop_pg
    rm -f "$ENV_FILE"
    ;;
  status)
    BIN=$(pg_bin) || exit 1
    [ -f "$DIR/pgdata" ] && pg_running "$(cat "$DIR/pgdata")" && redis_pid >/dev/null && [ -f "$ENV_FILE" ]
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
