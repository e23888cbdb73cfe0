#!/usr/bin/env bash
# A local Spark Connect server for development and the tests.
#
#   scripts/spark.sh start    install what is missing, start the server, wait until it answers (default)
#   scripts/spark.sh stop     stop the server this script started, and nothing else
#   scripts/spark.sh status   say whether it runs, where, and where its log is
#
# Spark itself comes from the PySpark wheel on PyPI: the wheel carries the whole set of Spark jars
# (pyspark/jars/, including spark-connect_2.13-<version>.jar with the Connect server), plus
# bin/spark-submit. It is installed into a virtual environment cached outside the checkout,
# ${FERRY_CACHE_DIR:-$HOME/.cache/ferry}/spark-venv, so a second run is fast. The JDBC drivers come
# from Debian packages (libmariadb-java, libpostgresql-jdbc-java) and are given to spark-submit with
# --jars so both the driver and the executors load them. The server runs local[2] on
# 127.0.0.1:${FERRY_SPARK_PORT:-15002}; its log and pid file live in the cache directory.
set -euo pipefail
# HOME may be unset (a CI runner, cron): fall back to the account's home directory.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"

action=${1:-start}
pyspark_version=${FERRY_PYSPARK_VERSION:-4.0.1}
port=${FERRY_SPARK_PORT:-15002}
driver_memory=${FERRY_SPARK_DRIVER_MEMORY:-1g}
cache=${FERRY_CACHE_DIR:-$HOME/.cache/ferry}
venv=$cache/spark-venv
run_dir=$cache/spark
pid_file=$run_dir/connect-server.pid
log_file=$run_dir/connect-server.log
mariadb_jar=/usr/share/java/mariadb-java-client.jar
postgres_jar=/usr/share/java/postgresql.jar

say() { printf 'spark: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
pid_alive() { [ -f "$1" ] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run '$*'; install it yourself or run as root"
  fi
}

apt_updated=0
apt_install() {
  say "installing $* from the distribution's packages"
  command -v apt-get >/dev/null || die "apt-get not found: install $* yourself"
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_java() {
  if ! command -v java >/dev/null; then apt_install openjdk-17-jre-headless; fi
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${major:-0}" -ge 17 ] 2>/dev/null || die "Spark 4 needs Java 17 or newer; java on PATH is version ${major:-unknown}"
}

ensure_jdbc_jars() {
  local missing=()
  [ -f "$mariadb_jar" ] || missing+=(libmariadb-java)
  [ -f "$postgres_jar" ] || missing+=(libpostgresql-jdbc-java)
  [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
  [ -f "$mariadb_jar" ] || die "libmariadb-java is installed but $mariadb_jar is missing"
  [ -f "$postgres_jar" ] || die "libpostgresql-jdbc-java is installed but $postgres_jar is missing"
}

ensure_venv() {
  local marker=$venv/.pyspark-$pyspark_version
  [ -f "$marker" ] && return 0
  mkdir -p "$cache"
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      rm -rf "$venv"
      command -v python3 >/dev/null || apt_install python3
      apt_install python3-venv
      python3 -m venv "$venv"
    fi
  fi
  say "installing pyspark $pyspark_version into $venv (about 450 MB, once)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "pyspark==$pyspark_version"
  rm -f "$venv"/.pyspark-*
  touch "$marker"
}

spark_home() { "$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'; }

start() {
  mkdir -p "$run_dir"
  if pid_alive "$pid_file"; then
    if reachable "$port"; then say "Spark Connect server (started by ferry) is running on sc://127.0.0.1:$port"; return 0; fi
    say "Spark Connect server (pid $(head -n1 "$pid_file")) is starting; waiting"
    wait_ready
    return 0
  fi
  if reachable "$port"; then
    say "something already answers on 127.0.0.1:$port; leaving it alone (set FERRY_SPARK_PORT to use another port)"
    return 0
  fi
  ensure_java
  ensure_jdbc_jars
  ensure_venv
  local home connect_jar
  home=$(spark_home)
  connect_jar=$(ls "$home"/jars/spark-connect_*.jar 2>/dev/null | head -n1 || true)
  [ -n "$connect_jar" ] || die "no spark-connect jar in $home/jars; pyspark $pyspark_version does not carry the Connect server"
  say "starting Spark Connect server on 127.0.0.1:$port (local[2], driver memory $driver_memory)"
  # setsid: the server outlives the shell (and make) that started it; stop kills it by its pid.
  rm -f "$pid_file"
  # Run from the cache directory: nothing Spark writes (metastore, warehouse) lands in the checkout.
  cd "$run_dir"
  SPARK_HOME=$home SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$venv/bin/python \
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "$home/bin/spark-submit" \
    --class org.apache.spark.sql.connect.service.SparkConnectServer \
    --name "ferry Spark Connect server" \
    --master 'local[2]' \
    --driver-memory "$driver_memory" \
    --jars "$mariadb_jar,$postgres_jar" \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf spark.connect.grpc.binding.port="$port" \
    --conf spark.driver.host=127.0.0.1 \
    --conf spark.driver.bindAddress=127.0.0.1 \
    --conf spark.ui.enabled=false \
    --conf spark.sql.shuffle.partitions=4 \
    --conf spark.sql.session.timeZone=UTC \
    --conf spark.executor.extraJavaOptions=-Duser.timezone=UTC \
    --conf spark.local.dir="$run_dir/tmp" \
    --conf spark.sql.warehouse.dir="$run_dir/warehouse" \
    --conf spark.driver.extraJavaOptions="-Duser.timezone=UTC -Dderby.system.home=$run_dir/derby" \
    >"$log_file" 2>&1 </dev/null &
  # The pid file is written by the server process itself (setsid may fork), before it starts.
  for _ in $(seq 1 20); do [ -s "$pid_file" ] && break; sleep 0.1; done
  wait_ready
}

wait_ready() {
  for _ in $(seq 1 240); do
    if reachable "$port"; then say "Spark Connect server is ready on sc://127.0.0.1:$port (log: $log_file)"; return 0; fi
    if ! pid_alive "$pid_file"; then
      tail -n 30 "$log_file" >&2 || true
      die "the Spark Connect server exited while starting; full log: $log_file"
    fi
    sleep 0.5
  done
  tail -n 30 "$log_file" >&2 || true
  die "the Spark Connect server did not answer on 127.0.0.1:$port within 120 s; log: $log_file"
}

stop() {
  if ! pid_alive "$pid_file"; then say "no Spark Connect server started by ferry is running"; rm -f "$pid_file"; return 0; fi
  local pid
  pid=$(head -n1 "$pid_file")
  say "stopping Spark Connect server (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then say "still running after 30 s; killing it"; kill -9 "$pid"; fi
  rm -f "$pid_file"
}

status() {
  if pid_alive "$pid_file"; then
    if reachable "$port"; then say "running (started by ferry, pid $(head -n1 "$pid_file")) on sc://127.0.0.1:$port; log: $log_file"
    else say "starting (pid $(head -n1 "$pid_file")); log: $log_file"; fi
  elif reachable "$port"; then say "127.0.0.1:$port answers (not started by ferry)"
  else say "not running"; fi
}

case "$action" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
