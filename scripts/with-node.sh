#!/usr/bin/env bash
# `bash scripts/with-node.sh <command> [args...]`: runs the command on a Node that satisfies
# package.json "engines" (scripts/node-env.sh: Node 24 from the npm cache when the machine's
# is older). package.json's scripts go through it, so `npm run build`, `npm run test:unit`...
# run on Node 24 even when npm itself was started by an older Node. A no-op switch when the
# Node on PATH is recent enough.
set -euo pipefail
# shellcheck source=scripts/node-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
exec "$@"
