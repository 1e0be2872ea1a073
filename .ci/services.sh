#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1 and HAProxy is installed; install
# (Debian packages) and start whatever is missing. Prints the settings for the test suite as
# shell assignments (the two URLs, and that the HAProxy tests must run).
set -euo pipefail

PG_PORT=5432
REDIS_PORT=6379
CI_PG_PASSWORD=sheda-ci

log() { echo "services: $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

ensure_postgres() {
  if ! command -v pg_isready >/dev/null || ! command -v psql >/dev/null; then
    pg_up 2>/dev/null || apt_install postgresql postgresql-client
  fi
  if ! pg_up; then
    log "starting PostgreSQL"
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$version" ]; then apt_install postgresql; version=$(ls /etc/postgresql | sort -V | tail -n 1); fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
    pg_up || { log "PostgreSQL did not start"; exit 1; }
  fi
  # Trust auth (a developer machine) or a password we set on a machine we set up ourselves.
  if psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    echo "SHEDA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    return
  fi
  log "setting a password for the postgres role"
  as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD '$CI_PG_PASSWORD'\"" >&2
  echo "SHEDA_TEST_DATABASE_URL=postgres://postgres:$CI_PG_PASSWORD@127.0.0.1:$PG_PORT/postgres"
}

redis_up() {
  python3 - "$REDIS_PORT" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
PY
}

ensure_redis() {
  if ! redis_up; then
    command -v redis-server >/dev/null || apt_install redis-server
    log "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
    for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
    redis_up || { log "Redis did not start"; exit 1; }
  fi
  # Database 15: the suite flushes its own keys there and nowhere else.
  echo "SHEDA_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/15"
}

# HAProxy: the load balancer of the several-servers tests (tests/chat_cluster/test_balanced.py);
# the tests start their own instance on a free port, so it only needs to be installed.
ensure_haproxy() {
  command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || apt_install haproxy
  echo "SHEDA_REQUIRE_HAPROXY=1"
}

ensure_postgres
ensure_redis
ensure_haproxy
