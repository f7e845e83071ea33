#!/usr/bin/env bash
# The project's test command (npm test, .ci/run): system packages, Node 24 (scripts/node-env.sh),
# node_modules, Apache Kafka's jars, typecheck, lint, unit tests,
# integration tests (real PostgreSQL, Apache Kafka, NATS).
# Every step runs even after an earlier one failed, so one run shows all problems; exits 1 if
# anything failed. The last line is "<N> passed, <N> failed": jest test counts, where a failed
# non-test step (typecheck, lint, build) or a suite that could not run counts as one failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

passed=0
failed=0
problems=()
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

banner() { printf '\n==> %s\n' "$*"; }
fail_step() { problems+=("$1"); failed=$((failed + 1)); }
finish() {
  banner "summary"
  if [ ${#problems[@]} -gt 0 ]; then printf '  failed: %s\n' "${problems[@]}"; else echo "  all steps ok"; fi
  echo "$passed passed, $failed failed"
  if [ "$failed" -eq 0 ]; then exit 0; fi
  exit 1
}

# A non-test step: passes silently, or counts as one failure.
step() {
  local name=$1
  shift
  banner "$name"
  "$@" || fail_step "$name"
}

# Runs one jest project, adds its test counts from jest's --json report.
jest_project() {
  local project=$1
  shift
  local report="$results/$project.json"
  banner "jest $project"
  npx jest --selectProjects "$project" --ci --passWithNoTests --json --outputFile="$report" "$@"
  local rc=$?
  local counts=""
  if [ -s "$report" ]; then
    # Suites that fail to run (syntax/import errors, hooks) have no test results: count each as one.
    counts="$(node -e '
      const r = require(process.argv[1]);
      process.stdout.write(`${r.numPassedTests} ${r.numFailedTests + r.numRuntimeErrorTestSuites}`);
    ' "$report")"
  fi
  if [ -z "$counts" ]; then
    fail_step "jest $project (no report; exit $rc)"
    return
  fi
  local p=${counts% *} f=${counts#* }
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -eq 0 ] || problems+=("jest $project: $f failed")
  # Exit status set although no test failed: global setup/teardown failure, open handles...
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail_step "jest $project (exit $rc)"; fi
}

banner "system dependencies"
if ! bash scripts/install-deps.sh; then
  fail_step "scripts/install-deps.sh"
  finish
fi

banner "node"
# Node >= 22.22 first on PATH (Node 24 from the npm cache when the machine's is older): npm ci,
# tsc, eslint, jest and its workers below all run on it.
# shellcheck source=scripts/node-env.sh
if ! source scripts/node-env.sh; then
  fail_step "scripts/node-env.sh (Node >= 22.22)"
  finish
fi
echo "node $(node --version) ($(command -v node))"

if [ ! -d node_modules ]; then
  banner "npm ci"
  if ! npm ci --no-audit --no-fund; then
    fail_step "npm ci"
    finish
  fi
fi

if [ -f scripts/fetch-kafka.sh ]; then
  # Maven resolves Kafka into ~/.m2 once; prints the cached classpath file's path on stdout.
  step "fetch Apache Kafka" bash -c 'bash scripts/fetch-kafka.sh >/dev/null'
fi

if [ -f scripts/build-debezium-runner.sh ]; then
  # Debezium's jars from Maven Central, once (cached in ~/.m2 and ~/.cache/walcast/debezium).
  step "build Debezium reference runner" bash -c 'bash scripts/build-debezium-runner.sh >/dev/null'
fi

step "typecheck" npx tsc -p tsconfig.json --noEmit
step "lint" npx eslint connector config test bench scripts
# The CLI tests run the built connector (dist/connector/cli.js) as a user would.
step "build" npm run --silent build
jest_project unit
# Integration suites share one set of servers started by global setup; the project config caps
# workers at 2. No --forceExit: every suite closes what it opens (each was checked to exit on
# its own with --runInBand), and a new leak should show as jest's "did not exit" warning
# rather than be hidden.
jest_project integration
finish
