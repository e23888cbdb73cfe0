#!/usr/bin/env bash
# The Chromium the web UI's browser tests drive (playwright-core launches it; Playwright's own browser
# download is not used). Installs Debian's `chromium` package when it is missing, and says what to do
# where the distribution's package is only a stub for a snap (Ubuntu), which cannot run here.
#   scripts/chromium.sh ensure     install if needed, then print the browser's path
#   scripts/chromium.sh path       print the path if a usable browser is there, else exit 1
# FERRY_CHROMIUM names a browser binary of your own (Chromium or Chrome) and skips all of this.
set -euo pipefail

usable() {
  local bin="$1"
  [ -x "$bin" ] || return 1
  # Ubuntu's chromium-browser / chromium packages are scripts that only install or start the snap.
  if head -c 4096 "$bin" 2>/dev/null | grep -q -e '/snap/bin' -e 'snap install'; then return 1; fi
  case "$(readlink -f "$bin")" in /snap/*) return 1 ;; esac
  "$bin" --version >/dev/null 2>&1
}

find_browser() {
  if [ -n "${FERRY_CHROMIUM:-}" ]; then
    usable "$FERRY_CHROMIUM" && { echo "$FERRY_CHROMIUM"; return 0; }
    echo "chromium: FERRY_CHROMIUM=$FERRY_CHROMIUM is not a runnable browser" >&2
    return 1
  fi
  for bin in /usr/bin/chromium /usr/lib/chromium/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if usable "$bin"; then echo "$bin"; return 0; fi
  done
  return 1
}

snap_stub_help() {
  cat >&2 <<'MSG'
chromium: this distribution ships Chromium only as a snap (the apt package is a stub that installs it),
and a snap's browser cannot be driven by the tests (its confinement hides the test's profile folder).
Install a browser that is not a snap and point the tests at it, for example Google Chrome's .deb:
    sudo apt-get install ./google-chrome-stable_current_amd64.deb     (from google.com/chrome)
    export FERRY_CHROMIUM=/usr/bin/google-chrome-stable
or Debian's chromium in a Debian container, then run make test again.
MSG
}

case "${1:-ensure}" in
  path) find_browser ;;
  ensure)
    if find_browser; then exit 0; fi
    [ -n "${FERRY_CHROMIUM:-}" ] && exit 1
    if ! command -v apt-get >/dev/null 2>&1; then
      echo "chromium: no Chromium found and no apt-get to install one; install Chromium or Chrome and set FERRY_CHROMIUM to its path" >&2
      exit 1
    fi
    if apt-cache policy chromium 2>/dev/null | grep -q 'Candidate:.*snap' || { [ -r /etc/os-release ] && grep -qi '^ID=ubuntu' /etc/os-release; }; then
      snap_stub_help
      exit 1
    fi
    sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    echo "chromium: installing Debian's chromium package for the browser tests" >&2
    "${sudo[@]}" apt-get install -y --no-install-recommends chromium >&2 ||
      { "${sudo[@]}" apt-get update >&2 && "${sudo[@]}" apt-get install -y --no-install-recommends chromium >&2; }
    find_browser || { echo "chromium: installed, but no runnable browser found" >&2; exit 1; }
    ;;
  *) echo "usage: scripts/chromium.sh ensure|path" >&2; exit 2 ;;
esac
