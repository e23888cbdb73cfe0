#!/usr/bin/env bash
# Local MariaDB and PostgreSQL for the demo and the tests.
#
#   scripts/services.sh start    make sure a source and a target are reachable (default)
#   scripts/services.sh stop     stop the servers this script started, and nothing else
#   scripts/services.sh status   say what is running and who owns it
#
# When the configured source (FERRY_SOURCE_URL, default mysql://127.0.0.1:3306) or target
# (FERRY_TARGET_URL, default postgres://127.0.0.1:5432) already answers, it is left alone:
# it may be the user's own server. Otherwise the script installs the distribution's packages
# if their binaries are missing, initialises data directories under FERRY_SERVICES_DIR, starts
# both servers on 127.0.0.1, creates the `ferry` user and the demo databases, and turns on
# row-based binary logging in MariaDB (change data capture reads it).
set -euo pipefail
# HOME may be unset (a CI runner, cron): fall back to the account's home directory.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"

action=${1:-start}
password=${FERRY_DEV_PASSWORD:-ferry-dev-pw}
if [ "$(id -u)" -eq 0 ]; then
  state=${FERRY_SERVICES_DIR:-/var/lib/ferry/services}
else
  state=${FERRY_SERVICES_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/ferry/services}
fi
my_dir=$state/mariadb
pg_dir=$state/postgres

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# host and port of a URL such as mysql://user:pass@host:port/db (the password is never printed)
url_host() { local u=${1#*://}; u=${u##*@}; u=${u%%/*}; u=${u%%\?*}; printf '%s' "${u%%:*}"; }
url_port() { local u=${1#*://}; u=${u##*@}; u=${u%%/*}; u=${u%%\?*}; [[ $u == *:* ]] && printf '%s' "${u##*:}" || printf '%s' "$2"; }

src_host=$(url_host "${FERRY_SOURCE_URL:-mysql://127.0.0.1:3306/shop}")
src_port=$(url_port "${FERRY_SOURCE_URL:-mysql://127.0.0.1:3306/shop}" 3306)
tgt_host=$(url_host "${FERRY_TARGET_URL:-postgres://127.0.0.1:5432/warehouse}")
tgt_port=$(url_port "${FERRY_TARGET_URL:-postgres://127.0.0.1:5432/warehouse}" 5432)

reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
is_local() { [[ $1 == 127.0.0.1 || $1 == localhost ]]; }
pid_alive() { [ -f "$1" ] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run '$*'; install it yourself or run as root"
  fi
}

apt_install() {
  say "installing $* from the distribution's packages"
  command -v apt-get >/dev/null || die "apt-get not found: install $* yourself, or point FERRY_SOURCE_URL/FERRY_TARGET_URL at running servers"
  # Keep the package scripts from starting a system-wide server on our ports.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
    made_policy=1
  fi
  local apt_lists=(/var/lib/apt/lists/*Packages*)
  [ -e "${apt_lists[0]}" ] || as_root apt-get update -qq
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
  [ "$made_policy" -eq 0 ] || as_root rm -f /usr/sbin/policy-rc.d
}

# Run a command as the account that owns a server's files (servers refuse to run as root).
as_owner() {
  local user=$1; shift
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

wait_for() { # description, command...
  local what=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "$what did not become ready in 30 s"
}

# ---------------------------------------------------------------- MariaDB
start_mariadb() {
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server mariadb-client
  local mariadbd owner=mysql
  mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  [ "$(id -u)" -eq 0 ] || owner=$(id -un)
  mkdir -p "$my_dir"
  cat >"$my_dir/my.cnf" <<EOF
[mariadbd]
datadir=$my_dir/data
socket=$my_dir/mysqld.sock
pid-file=$my_dir/mysqld.pid
log-error=$my_dir/error.log
port=$src_port
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
local-infile=1
max_allowed_packet=256M
max_connections=300
innodb_buffer_pool_size=1G
innodb_log_file_size=512M
innodb_flush_log_at_trx_commit=2
# row-based binary log, read by change data capture
server_id=1
log-bin=$my_dir/binlog/mariadb-bin
binlog_format=ROW
binlog_row_image=FULL
# every table map carries the table's column names and keys, so CDC follows schema changes (docs/cdc.md)
binlog_row_metadata=FULL
sync_binlog=0
binlog_expire_logs_seconds=259200
EOF
  mkdir -p "$my_dir/binlog"
  if [ "$(id -u)" -eq 0 ]; then chown -R "$owner:" "$my_dir"; chmod 755 "$state" "$my_dir"; fi
  if [ ! -d "$my_dir/data/mysql" ]; then
    say "initialising MariaDB data directory in $my_dir/data"
    as_owner "$owner" mariadb-install-db --defaults-file="$my_dir/my.cnf" --user="$owner" \
      --auth-root-authentication-method=socket --skip-test-db >"$my_dir/install.log" 2>&1 ||
      die "mariadb-install-db failed; see $my_dir/install.log"
  fi
  say "starting MariaDB on 127.0.0.1:$src_port"
  as_owner "$owner" nohup "$mariadbd" --defaults-file="$my_dir/my.cnf" >/dev/null 2>&1 &
  wait_for "MariaDB" mariadb-admin --socket="$my_dir/mysqld.sock" -u "$(mysql_admin_user)" ping
}

mysql_admin_user() { if [ "$(id -u)" -eq 0 ]; then echo root; else id -un; fi; }

setup_mariadb() {
  local q="'${password//\'/\'\'}'"
  mariadb --socket="$my_dir/mysqld.sock" -u "$(mysql_admin_user)" <<EOF
CREATE USER IF NOT EXISTS 'ferry'@'localhost' IDENTIFIED BY $q;
CREATE USER IF NOT EXISTS 'ferry'@'127.0.0.1' IDENTIFIED BY $q;
ALTER USER 'ferry'@'localhost' IDENTIFIED BY $q;
ALTER USER 'ferry'@'127.0.0.1' IDENTIFIED BY $q;
GRANT ALL PRIVILEGES ON *.* TO 'ferry'@'localhost';
GRANT ALL PRIVILEGES ON *.* TO 'ferry'@'127.0.0.1';
CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
EOF
}

# ---------------------------------------------------------------- PostgreSQL
pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
}

start_postgres() {
  local bin owner=postgres
  bin=$(pg_bin)
  if [ -z "$bin" ]; then apt_install postgresql; bin=$(pg_bin); fi
  [ -n "$bin" ] || die "PostgreSQL binaries not found after install"
  [ "$(id -u)" -eq 0 ] || owner=$(id -un)
  mkdir -p "$pg_dir/socket"
  if [ "$(id -u)" -eq 0 ]; then chown -R "$owner:" "$pg_dir"; chmod 755 "$state"; fi
  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    say "initialising PostgreSQL data directory in $pg_dir/data"
    as_owner "$owner" "$bin/initdb" -D "$pg_dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$pg_dir/initdb.log" 2>&1 ||
      die "initdb failed; see $pg_dir/initdb.log"
    cat >>"$pg_dir/data/postgresql.conf" <<EOF
# ferry's local development settings
listen_addresses = '127.0.0.1'
port = $tgt_port
unix_socket_directories = '$pg_dir/socket'
max_connections = 300
shared_buffers = 512MB
max_wal_size = 4GB
synchronous_commit = off
wal_level = logical
timezone = 'UTC'
EOF
  fi
  say "starting PostgreSQL on 127.0.0.1:$tgt_port"
  as_owner "$owner" "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 start >/dev/null ||
    die "PostgreSQL did not start; see $pg_dir/server.log"
}

pg_admin() { as_owner "$(pg_owner)" "$(pg_bin)/psql" -h "$pg_dir/socket" -p "$tgt_port" -U postgres -v ON_ERROR_STOP=1 -qX "$@"; }
pg_owner() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

setup_postgres() {
  local q="'${password//\'/\'\'}'"
  pg_admin -d postgres <<EOF
SELECT 'CREATE ROLE ferry LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ferry')\gexec
ALTER ROLE ferry LOGIN CREATEDB PASSWORD $q;
SELECT 'CREATE DATABASE warehouse OWNER ferry' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'warehouse')\gexec
EOF
}

# ---------------------------------------------------------------- actions
start() {
  mkdir -p "$state"
  if reachable "$src_host" "$src_port"; then
    if pid_alive "$my_dir/mysqld.pid"; then setup_mariadb; say "MariaDB (started by ferry) is running on $src_host:$src_port"
    else say "source $src_host:$src_port answers; leaving it alone"; fi
  elif is_local "$src_host"; then
    start_mariadb && setup_mariadb
  else
    die "source $src_host:$src_port does not answer; start it, or unset FERRY_SOURCE_URL to use a local MariaDB"
  fi
  if reachable "$tgt_host" "$tgt_port"; then
    if pid_alive "$pg_dir/data/postmaster.pid"; then setup_postgres; say "PostgreSQL (started by ferry) is running on $tgt_host:$tgt_port"
    else say "target $tgt_host:$tgt_port answers; leaving it alone"; fi
  elif is_local "$tgt_host"; then
    start_postgres && setup_postgres
  else
    die "target $tgt_host:$tgt_port does not answer; start it, or unset FERRY_TARGET_URL to use a local PostgreSQL"
  fi
}

stop() {
  if pid_alive "$my_dir/mysqld.pid"; then
    say "stopping MariaDB"
    mariadb-admin --socket="$my_dir/mysqld.sock" -u "$(mysql_admin_user)" shutdown || kill "$(head -n1 "$my_dir/mysqld.pid")"
  else say "no MariaDB started by ferry is running"; fi
  if pid_alive "$pg_dir/data/postmaster.pid"; then
    say "stopping PostgreSQL"
    as_owner "$(pg_owner)" "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null
  else say "no PostgreSQL started by ferry is running"; fi
}

status() {
  if pid_alive "$my_dir/mysqld.pid"; then say "MariaDB: running (started by ferry, data in $my_dir)"
  elif reachable "$src_host" "$src_port"; then say "MariaDB/MySQL: $src_host:$src_port answers (not started by ferry)"
  else say "MariaDB: not running"; fi
  if pid_alive "$pg_dir/data/postmaster.pid"; then say "PostgreSQL: running (started by ferry, data in $pg_dir)"
  elif reachable "$tgt_host" "$tgt_port"; then say "PostgreSQL: $tgt_host:$tgt_port answers (not started by ferry)"
  else say "PostgreSQL: not running"; fi
}

case "$action" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
