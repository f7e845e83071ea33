#!/usr/bin/env bash
# `npm run bench -- [--only spine,wal2json,nats,snapshot,bigtx] [--rows N]`: the benchmarks (bench/).
# Same preparation as scripts/test.sh (system packages, Node 24, node_modules),
# then a build, then dist/bench/index.js with the given arguments. Tables on stdout, progress
# on stderr; every server it needs is started and removed by the bench itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh >&2
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund >&2
fi
npm run --silent build >&2
exec node dist/bench/index.js "$@"
