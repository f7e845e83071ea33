#!/usr/bin/env bash
# Quick-start demo: installs what it needs (Debian packages, Node 24, npm modules, build), then runs
# walcast against a throwaway PostgreSQL with sample tables and a live workload; envelopes are
# printed on stdout, logs on stderr. Ctrl-C to stop. Extra args go to the demo
# (e.g. --seconds 20, --sink kafka --brokers 127.0.0.1:9092).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Node 24 first on PATH when the machine's Node is older (npm itself was started by that one).
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
exec node dist/scripts/demo.js "$@"
