#!/usr/bin/env bash
# Makes sure the servers the tests talk to are up:
#   PostgreSQL on ${PGHOST:-127.0.0.1}:${PGPORT:-5432} (checked with pg_isready)
#   NATS with JetStream on 127.0.0.1:4222 (its INFO line must say "jetstream":true)
# Starts a server that is installed but stopped and waits for it (up to ENSURE_SERVICES_WAIT
# seconds, default 30). Exits non-zero, naming what is missing and how to install it, when a
# server is not installed or does not come up. Idempotent; prints one line per service.
#
#   bash scripts/ensure-services.sh             both
#   bash scripts/ensure-services.sh nats        only NATS (or: postgres)
set -euo pipefail

PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
NATS_HOST=127.0.0.1
NATS_PORT=4222
NATS_BIN=/usr/sbin/nats-server
NATS_STORE="${NATS_STORE_DIR:-/var/lib/nats-server}"
NATS_LOG="${NATS_LOG_FILE:-/var/log/nats-server.log}"
NATS_PID="${NATS_PID_FILE:-/run/nats-server.pid}"
WAIT_SECONDS="${ENSURE_SERVICES_WAIT:-30}"

fail() {
  echo "ensure-services: $*" >&2
  exit 1
}

# Polls `$@` once a second until it succeeds or WAIT_SECONDS pass.
wait_for() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 2 >/dev/null 2>&1; }

pg_is_local() { [[ "$PGHOST" == 127.* || "$PGHOST" == localhost || "$PGHOST" == ::1 || "$PGHOST" == /* ]]; }

# Prints "version cluster" of the local cluster on PGPORT (without pg_lsclusters: the newest
# installed version's main cluster).
pg_local_cluster() {
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local line
    line="$(pg_lsclusters -h 2>/dev/null | awk -v port="$PGPORT" '$3 == port { print $1, $2; exit }')"
    [[ -n "$line" ]] && echo "$line"
    return
  fi
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$version" ]] && echo "$version main"
}

ensure_postgres() {
  command -v pg_isready >/dev/null 2>&1 ||
    fail "PostgreSQL: pg_isready not found. Install PostgreSQL: apt-get install -y postgresql postgresql-client"
  if pg_up; then
    echo "postgres: ok ($PGHOST:$PGPORT)"
    return 0
  fi
  pg_is_local ||
    fail "PostgreSQL: nothing answers on $PGHOST:$PGPORT, and that host is not this machine; start it there or unset PGHOST"
  command -v pg_ctlcluster >/dev/null 2>&1 ||
    fail "PostgreSQL: not answering on $PGHOST:$PGPORT and not installed here (no pg_ctlcluster). Install it: apt-get install -y postgresql"
  local cluster
  cluster="$(pg_local_cluster)" ||
    fail "PostgreSQL: installed but no cluster on port $PGPORT (pg_lsclusters). Create one: pg_createcluster <version> main --port $PGPORT --start"
  local said
  # shellcheck disable=SC2086 # "version cluster" is two words on purpose
  said="$(pg_ctlcluster --skip-systemctl-redirect $cluster start 2>&1)" || true
  wait_for pg_up ||
    fail "PostgreSQL: tried to start cluster $cluster${said:+ (pg_ctlcluster: ${said//$'\n'/ })} but $PGHOST:$PGPORT did not answer within ${WAIT_SECONDS}s (see /var/log/postgresql/)"
  echo "postgres: started ($PGHOST:$PGPORT, cluster $cluster)"
}

# ---------------------------------------------------------------------------------------------
# NATS

# Prints the server's INFO line, or fails when nothing answers.
nats_info() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    printf "%s\n" "$line"
  ' "$NATS_HOST" "$NATS_PORT" 2>/dev/null
}

nats_answers() { nats_info >/dev/null; }

nats_has_jetstream() {
  local info
  info="$(nats_info)" || return 1
  [[ "$info" == INFO* && "$info" == *'"jetstream":true'* ]]
}

ensure_nats() {
  if nats_has_jetstream; then
    echo "nats: ok ($NATS_HOST:$NATS_PORT, JetStream on)"
    return 0
  fi
  if nats_answers; then
    fail "NATS: a server answers on $NATS_HOST:$NATS_PORT but without JetStream; restart it with -js (e.g. $NATS_BIN -a $NATS_HOST -p $NATS_PORT -js -sd $NATS_STORE)"
  fi
  local bin="$NATS_BIN"
  [[ -x "$bin" ]] || bin="$(command -v nats-server || true)"
  [[ -n "$bin" && -x "$bin" ]] ||
    fail "NATS: not answering on $NATS_HOST:$NATS_PORT and nats-server is not installed. Install it: apt-get install -y nats-server"
  mkdir -p "$NATS_STORE"
  if command -v start-stop-daemon >/dev/null 2>&1; then
    # The pid file ties --oknodo to this server, not to any nats-server running elsewhere.
    start-stop-daemon --start --oknodo --background --make-pidfile --pidfile "$NATS_PID" --exec "$bin" -- \
      -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$NATS_STORE" -l "$NATS_LOG" >/dev/null
  else
    nohup "$bin" -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$NATS_STORE" -l "$NATS_LOG" >/dev/null 2>&1 &
  fi
  wait_for nats_has_jetstream ||
    fail "NATS: started $bin but $NATS_HOST:$NATS_PORT did not answer with JetStream within ${WAIT_SECONDS}s (see $NATS_LOG)"
  echo "nats: started ($NATS_HOST:$NATS_PORT, JetStream on)"
}

(($# > 0)) || set -- postgres nats
for service in "$@"; do
  case "$service" in
    postgres | postgresql) ensure_postgres ;;
    nats) ensure_nats ;;
    *) fail "unknown service \"$service\" (postgres, nats)" ;;
  esac
done
