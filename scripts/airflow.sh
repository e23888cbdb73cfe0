#!/usr/bin/env bash
# Apache Airflow for ferry's interop test, installed from PyPI into a cached virtual environment, one
# per Airflow version (so an Airflow 2 and an Airflow 3 environment live side by side).
#   scripts/airflow.sh install          create the venv (idempotent; a second run returns at once)
#   scripts/airflow.sh venv             install if needed, then print the venv's path
#   scripts/airflow.sh installed        print the venv's path if it is installed, else exit 1 (installs nothing)
#   scripts/airflow.sh python <args>    the venv's Python, in the same environment as `airflow` below
#   scripts/airflow.sh <airflow args>   run airflow with a SQLite metadata DB, e.g. `dags test ferry_x`
# Environment: FERRY_AIRFLOW (3, the default: Airflow 3.3.2; 2: Airflow 2.10.5, for DAGs exported with
# `--airflow 2`), FERRY_CACHE_DIR (default ~/.cache/ferry), AIRFLOW_HOME (default a folder in the
# cache, per version), AIRFLOW__CORE__DAGS_FOLDER (where the DAG files are).
#
# Pins: Airflow's constraints files live on GitHub, which is not reachable here, so the packages whose
# next releases could break what the test runs are pinned below, exactly, each with its reason (see
# docs/orchestration.md). Everything else resolves from Airflow's own requirements.
set -euo pipefail
# HOME may be unset (a CI runner, cron): fall back to the account's home directory.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"

CACHE_DIR="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"

case "${FERRY_AIRFLOW:-3}" in
  3)
    AIRFLOW_VERSION=3.3.2
    PYTHONS=(3.10 3.14) # Airflow 3.3 runs on Python 3.10 to 3.14
    PINS=(
      # Pins apache-airflow-core 3.3.2 and apache-airflow-task-sdk 1.3.2 exactly.
      "apache-airflow==${AIRFLOW_VERSION}"
      # The providers installed with Airflow, which airflow-core bounds from below only and which
      # release on their own schedule; standard holds the BashOperator every exported task is.
      "apache-airflow-providers-standard==1.21.0"
      "apache-airflow-providers-common-compat==1.23.0"
      "apache-airflow-providers-common-io==1.11.0"
      "apache-airflow-providers-common-sql==2.4.0"
      "apache-airflow-providers-smtp==3.2.0"
      # `airflow dags test` runs the task execution API in-process: FastAPI and Cadwyn behind
      # Starlette's TestClient on httpx, which Starlette 1.x already deprecates (it asks for httpx2).
      "fastapi==0.136.3"
      "starlette==1.10.0"
      "httpx==0.28.1"
      "cadwyn==7.0.0"
      "pydantic==2.14.4"
      # The metadata database (airflow-core already excludes one aiosqlite release that broke it).
      "sqlalchemy==2.1.9"
      "alembic==1.20.1"
      "aiosqlite==0.22.1"
      # The timetable's cron parser and dates, and the log library, each on a major release that
      # Airflow's lower bounds would let the next one replace.
      "croniter==7.0.0"
      "pendulum==3.3.0"
      "structlog==26.1.0"
    )
    ;;
  2)
    AIRFLOW_VERSION=2.10.5
    PYTHONS=(3.9 3.12) # Airflow 2.10 runs on Python 3.9 to 3.12
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
    ;;
  *)
    echo "error: FERRY_AIRFLOW=${FERRY_AIRFLOW} is not an Airflow version this script installs; use 3 (default) or 2" >&2
    exit 2
    ;;
esac

VENV="$CACHE_DIR/airflow-${AIRFLOW_VERSION}-venv"
# A change to the pins installs again.
STAMP="$VENV/.ferry-installed-$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-12)"
# Earlier versions of this script kept Airflow 2.10.5, with the same pins, in airflow-venv.
LEGACY="$CACHE_DIR/airflow-venv"
if [[ "$AIRFLOW_VERSION" == 2.10.5 && ! -d "$VENV" && -f "$LEGACY/.ferry-installed-2.10.5" ]]; then
  VENV="$LEGACY"
  STAMP="$LEGACY/.ferry-installed-2.10.5"
fi

suitable() {
  "$1" -c "import sys; sys.exit(0 if (${PYTHONS[0]/./, }) <= sys.version_info[:2] <= (${PYTHONS[1]/./, }) else 1)" 2>/dev/null
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  echo "installing $* with apt-get" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

find_python() {
  local candidate version
  for candidate in python3.11 python3.12 python3.13 python3.10 python3.14 python3.9 python3; do
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
  echo "error: Airflow ${AIRFLOW_VERSION} needs Python ${PYTHONS[0]} to ${PYTHONS[1]}, and none was found;" \
    "install one (e.g. apt-get install python3.11 python3.11-venv) and run this again" >&2
  exit 2
}

install() {
  [[ -f "$STAMP" ]] && return 0
  local python
  python="$(find_python)"
  echo "installing apache-airflow ${AIRFLOW_VERSION} into $VENV (a minute or so, once)" >&2
  rm -rf "$VENV"
  mkdir -p "$CACHE_DIR"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip setuptools wheel >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}" >&2
  "$VENV/bin/airflow" version >/dev/null
  touch "$STAMP"
}

# The environment `airflow` and `python` run in: a metadata DB per AIRFLOW_HOME, created on first use
# and migrated when the version changes.
prepare() {
  install
  export AIRFLOW_HOME="${AIRFLOW_HOME:-$CACHE_DIR/airflow-${AIRFLOW_VERSION}-home}"
  mkdir -p "$AIRFLOW_HOME"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__UNIT_TEST_MODE=False
  export AIRFLOW__LOGGING__LOGGING_LEVEL="${AIRFLOW__LOGGING__LOGGING_LEVEL:-WARNING}"
  if [[ ! -f "$AIRFLOW_HOME/.ferry-db-$AIRFLOW_VERSION" ]]; then
    "$VENV/bin/airflow" db migrate >/dev/null
    touch "$AIRFLOW_HOME/.ferry-db-$AIRFLOW_VERSION"
  fi
}

case "${1:-}" in
  install) install ;;
  venv) install && echo "$VENV" ;;
  installed) [[ -f "$STAMP" ]] && echo "$VENV" ;;
  python) prepare && shift && exec "$VENV/bin/python" "$@" ;;
  "") echo "usage: scripts/airflow.sh install | venv | installed | python <args> | <airflow arguments>" >&2 && exit 2 ;;
  *) prepare && exec "$VENV/bin/airflow" "$@" ;;
esac
