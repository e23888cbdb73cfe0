#!/usr/bin/env bash
# Installs the benchmark's peers from PyPI into cached virtual environments outside the checkout:
#   bench/peers/install.sh [sling] [dlt]    (both by default; a second run returns at once)
# stdout: one line per tool, "<tool> <version> ok <executable>" or "<tool> <version> failed <reason>";
# what it installs and how long it took go to stderr. Exit 0 when every tool asked for is ready.
# Environment: FERRY_CACHE_DIR (default ~/.cache/ferry); the environments are
# $FERRY_CACHE_DIR/peers/<tool>-<version>.
#
# - Sling: the PyPI package sling-linux-amd64 ships the Go binary itself (about 90 MB to download,
#   260 MB unpacked). The newer `sling` package downloads its binary from GitHub on first use,
#   which this project cannot rely on, so the binary package is pinned instead (its last release).
# - dlt: dlt with its sql_database source, the connectorx backend and PostgreSQL loading through
#   ADBC (parquet) and psycopg2; every package pinned in dlt-requirements.txt (pip freeze).
set -euo pipefail
# HOME may be unset (a CI runner, cron): fall back to the account's home directory.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"

SLING_VERSION=1.4.11
DLT_VERSION=1.31.0
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PEERS_DIR="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}/peers"
# Each step's messages, kept for the reason of a failure.
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

# dlt 1.31 and connectorx 0.4.6 publish wheels for CPython 3.10 to 3.13.
suitable() { "$1" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; }

find_python() {
  local candidate version
  for candidate in python3.11 python3.12 python3.13 python3.10 python3; do
    command -v "$candidate" >/dev/null 2>&1 && suitable "$candidate" || continue
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in a separate package.
    if ! "$candidate" -c 'import venv, ensurepip' 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
      version="$("$candidate" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      echo "installing python${version}-venv with apt-get" >&2
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv"; } >&2 || true
    fi
    echo "$candidate"
    return 0
  done
  return 1
}

# make_venv <dir> <pip arguments...>: a fresh venv at <dir> with the packages, or a non-zero exit.
make_venv() {
  local dir="$1" python
  shift
  python="$(find_python)" || {
    echo "no Python 3.10 to 3.13 found (install one, e.g. apt-get install python3.11 python3.11-venv)" >&2
    return 1
  }
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  "$python" -m venv "$dir" >&2 &&
    "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2 &&
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
}

# report <tool> <version> <dir> <executable> <start time or ''> <exit code>: the tool's stdout line.
report() {
  local tool="$1" version="$2" dir="$3" executable="$4" started="$5" code="$6" reason
  if [[ $code -eq 0 && -x "$executable" ]]; then
    echo "$tool $version ok $executable"
  else
    rm -rf "$dir"
    reason="$(grep -v '^\s*$' "$LOG" 2>/dev/null | tail -n 1)"
    echo "$tool $version failed ${reason:-the installation did not finish}"
    return 1
  fi
  if [[ -n "$started" ]]; then
    echo "installed $tool $version in $(($(date +%s) - started)) s" >&2
  fi
}

install_sling() {
  local dir="$PEERS_DIR/sling-$SLING_VERSION" started="" code=0 executable
  executable="$(printf '%s' "$dir"/lib/python3*/site-packages/sling_linux_amd64/bin/sling-linux-amd64)"
  if [[ ! -f "$dir/.ferry-installed" ]]; then
    started=$(date +%s)
    echo "installing sling-linux-amd64==$SLING_VERSION into $dir (about 90 MB from PyPI, once)" >&2
    make_venv "$dir" "sling-linux-amd64==$SLING_VERSION" 2>"$LOG" || code=$?
    cat "$LOG" >&2
    executable="$(printf '%s' "$dir"/lib/python3*/site-packages/sling_linux_amd64/bin/sling-linux-amd64)"
    if [[ $code -eq 0 ]] && "$executable" --version >/dev/null 2>&1; then touch "$dir/.ferry-installed"; else code=1; fi
  fi
  report sling "$SLING_VERSION" "$dir" "$executable" "$started" "$code"
}

install_dlt() {
  local dir="$PEERS_DIR/dlt-$DLT_VERSION" started="" code=0
  # The lock file is part of the stamp: changing a pin reinstalls.
  local stamp
  stamp="$dir/.ferry-installed-$(sha256sum "$HERE/dlt-requirements.txt" | cut -c1-12)"
  if [[ ! -f "$stamp" ]]; then
    started=$(date +%s)
    echo "installing dlt==$DLT_VERSION with connectorx, pyarrow and the ADBC PostgreSQL driver into $dir (about 150 MB from PyPI, once)" >&2
    make_venv "$dir" -r "$HERE/dlt-requirements.txt" 2>"$LOG" || code=$?
    cat "$LOG" >&2
    if [[ $code -eq 0 ]] && "$dir/bin/python" -c 'import dlt, connectorx, adbc_driver_postgresql, pymysql' 2>>"$LOG"; then
      touch "$stamp"
    else
      code=1
    fi
  fi
  report dlt "$DLT_VERSION" "$dir" "$dir/bin/python" "$started" "$code"
}

tools=("$@")
[[ ${#tools[@]} -eq 0 ]] && tools=(sling dlt)
status=0
for tool in "${tools[@]}"; do
  case "$tool" in
    sling) install_sling || status=1 ;;
    dlt) install_dlt || status=1 ;;
    *)
      echo "unknown tool '$tool': the peers are sling and dlt" >&2
      status=2
      ;;
  esac
done
exit $status
