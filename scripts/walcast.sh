#!/usr/bin/env bash
# `bash scripts/walcast.sh <command> [options]`: the walcast CLI from this checkout on a Node that
# satisfies "engines" (Node 24 from the npm cache when the machine's is older; see
# scripts/node-env.sh). Installs node_modules and builds when dist/ is missing. Same arguments,
# output and exit codes as `npx walcast` (stdout is the command's own; our notes go to stderr).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The CLI's stderr is its own: no line about which Node runs it.
WALCAST_NODE_QUIET=1
# shellcheck source=scripts/node-env.sh
source "$root/scripts/node-env.sh"
if [ ! -f "$root/dist/connector/cli.js" ]; then
  (
    cd "$root"
    [ -d node_modules ] || npm ci --no-audit --no-fund >&2
    npm run --silent build >&2
  )
fi
# V8 heap sizing that keeps RSS near 200 MB under full load (connector/cli/memory-flags.ts).
exec node --max-semi-space-size=12 --max-old-space-size=1024 --heap-growing-percent=100 "$root/dist/connector/cli.js" "$@"
