#!/usr/bin/env bash
# Quick-start demo: installs what it needs (Debian packages, Node 24, npm modules, build), then
# runs walcast against a throwaway PostgreSQL with sample tables and a live workload. stdout
# carries the envelopes and nothing else (one JSON line each), so `npm run -s demo | jq -c .op`
# works: everything this script and its installers print goes to stderr. (`-s` silences npm's
# own "> walcast@… demo" banner, which npm writes to stdout.) Ctrl-C to stop. Extra args go to
# the demo (e.g. --seconds 20, --sink kafka --brokers 127.0.0.1:9092).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >&2
# Node 24 first on PATH when the machine's Node is older (npm itself was started by that one).
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh >&2
[ -d node_modules ] || npm ci --no-audit --no-fund >&2
# Build when dist is missing or older than a source file (a fresh clone, or after an edit).
if [ ! -f dist/scripts/demo.js ] \
  || [ -n "$(find connector config scripts test/infra -name '*.ts' -newer dist/scripts/demo.js -print -quit)" ]; then
  npm run --silent build >&2
fi
exec node dist/scripts/demo.js "$@"
