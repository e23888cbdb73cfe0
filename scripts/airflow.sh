#!/usr/bin/env bash
# Apache Airflow for ferry's interop test, installed from PyPI into a cached virtual environment.
#   scripts/airflow.sh install        create the venv (idempotent; a second run returns at once)
#   scripts/airflow.sh <airflow args> run airflow with a SQLite metadata DB, e.g. `dags test ferry_x`
# Environment: FERRY_CACHE_DIR (default ~/.cache/ferry), AIRFLOW_HOME (default a folder in the cache),
# AIRFLOW__CORE__DAGS_FOLDER (where the DAG files are).
#
# Pins: the Airflow constraints files live on GitHub, which is not reachable here, so the version of
# Airflow and of the dependencies whose newer releases break it are pinned below instead (see
# docs/orchestration.md).
set -euo pipefail
# HOME may be unset (a CI runner, cron): fall back to the account's home directory.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"

AIRFLOW_VERSION=2.10.5
PINS=(
  "apache-airflow==${AIRFLOW_VERSION}"
  # Airflow 2.10's web layer and ORM, as its constraints file for Python 3.11 pins them.
  "flask==2.2.5"
  "flask-appbuilder==4.5.3"
  "flask-session==0.5.0"
  "werkzeug==2.2.3"
  "connexion==2.14.2"
  "sqlalchemy==1.4.54"
  "flask-sqlalchemy==2.5.1"
  "marshmallow==3.23.1"
  "pendulum==3.0.0"
  "apache-airflow-providers-common-sql==1.20.0"
)

CACHE_DIR="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
VENV="$CACHE_DIR/airflow-venv"
STAMP="$VENV/.ferry-installed-$AIRFLOW_VERSION"

# Airflow 2.10 runs on Python 3.9 to 3.12.
suitable() { "$1" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  echo "installing $* with apt-get" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

find_python() {
  local candidate version
  for candidate in python3.11 python3.12 python3.10 python3; do
    command -v "$candidate" >/dev/null 2>&1 && suitable "$candidate" || continue
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in a separate package.
    if ! "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
      version="$("$candidate" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      apt_install "python${version}-venv" || apt_install python3-venv || true
    fi
    echo "$candidate"
    return
  done
  if ! command -v python3 >/dev/null 2>&1 && apt_install python3 python3-venv && suitable python3; then
    echo python3
    return
  fi
  echo "error: Airflow ${AIRFLOW_VERSION} needs Python 3.9 to 3.12, and none was found;" \
    "install one (e.g. apt-get install python3.11 python3.11-venv) and run this again" >&2
  exit 2
}

install() {
  [[ -f "$STAMP" ]] && return 0
  local python
  python="$(find_python)"
  echo "installing apache-airflow ${AIRFLOW_VERSION} into $VENV (a few minutes, once)" >&2
  rm -rf "$VENV"
  mkdir -p "$CACHE_DIR"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip setuptools wheel >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}" >&2
  "$VENV/bin/airflow" version >/dev/null
  touch "$STAMP"
}

run_airflow() {
  install
  export AIRFLOW_HOME="${AIRFLOW_HOME:-$CACHE_DIR/airflow-home}"
  mkdir -p "$AIRFLOW_HOME"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__UNIT_TEST_MODE=False
  export AIRFLOW__LOGGING__LOGGING_LEVEL="${AIRFLOW__LOGGING__LOGGING_LEVEL:-WARNING}"
  # The metadata DB is created on first use and migrated when the version changes.
  if [[ ! -f "$AIRFLOW_HOME/.ferry-db-$AIRFLOW_VERSION" ]]; then
    "$VENV/bin/airflow" db migrate >/dev/null
    touch "$AIRFLOW_HOME/.ferry-db-$AIRFLOW_VERSION"
  fi
  exec "$VENV/bin/airflow" "$@"
}

case "${1:-}" in
  install) install ;;
  venv) install && echo "$VENV" ;;
  "") echo "usage: scripts/airflow.sh install | venv | <airflow arguments>" >&2 && exit 2 ;;
  *) run_airflow "$@" ;;
esac
