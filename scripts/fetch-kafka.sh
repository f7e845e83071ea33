#!/usr/bin/env bash
# Resolves Apache Kafka (the broker, org.apache.kafka:kafka_2.13, and its runtime dependencies)
# for the integration tests' real brokers (test/infra/kafka-broker.ts), with Maven, into the
# local Maven repository (~/.m2/repository). Needs a JDK >= 17 and Maven; reaches Maven Central
# only when a jar is missing.
#
# The dependency list is test/infra/kafka/pom.xml. The classpath it resolves to is cached outside
# the checkout, keyed by the pom's content:
#   ~/.cache/walcast/kafka/classpath-<sha of pom.xml>.txt
# A cached run takes a few milliseconds (no JVM). Prints the classpath file's absolute path as
# the last line of stdout; progress goes to stderr.
#
# Env: WALCAST_CACHE_DIR overrides ~/.cache/walcast; MAVEN_REPO_LOCAL overrides ~/.m2/repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/test/infra/kafka/pom.xml"
CACHE="${WALCAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/walcast}/kafka"
# Pinned (it is Maven 3.8's default) so the result does not depend on the installed Maven.
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:2.8"

log() { echo "fetch-kafka: $*" >&2; }

mkdir -p "$CACHE"
pom_hash="$(sha256sum "$POM" | cut -c1-12)"
OUT="$CACHE/classpath-$pom_hash.txt"

# Every jar of a cached classpath must still be there (someone may have cleaned ~/.m2).
cached_ok() {
  [[ -s "$OUT" ]] || return 1
  local jar
  while IFS= read -r -d ':' jar; do [[ -f "$jar" ]] || return 1; done < <(tr -d '\n' <"$OUT"; printf ':')
}

if cached_ok; then
  echo "$OUT"
  exit 0
fi

# Jest workers (or two terminals) may run this at once: one resolves, the others wait.
exec 9>"$CACHE/.lock"
flock 9
if cached_ok; then
  echo "$OUT"
  exit 0
fi

missing=()
command -v java >/dev/null 2>&1 || missing+=("java (a JDK >= 17, e.g. apt-get install openjdk-17-jre-headless)")
command -v mvn >/dev/null 2>&1 || missing+=("mvn (apt-get install maven)")
if [[ ${#missing[@]} -gt 0 ]]; then
  log "missing: ${missing[*]}"
  exit 1
fi
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [[ -z "$java_major" || "${java_major%%.*}" -lt 17 ]]; then
  log "Kafka 4 needs Java >= 17; found '${java_major:-unknown}' ($(command -v java))"
  exit 1
fi

log "resolving $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:kafka \1:p' "$POM") with Maven (first run downloads ~60 MB into the local repository)"
repo_args=()
[[ -n "${MAVEN_REPO_LOCAL:-}" ]] && repo_args+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
tmp="$(mktemp "$CACHE/classpath.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
if ! mvn -q -B -Dstyle.color=never -f "$POM" "${repo_args[@]}" "$DEPENDENCY_PLUGIN:build-classpath" \
  -Dmdep.outputFile="$tmp" -Dmdep.includeScope=runtime >&2; then
  log "Maven could not resolve $POM (is Maven Central reachable?)"
  exit 1
fi
[[ -s "$tmp" ]] || { log "Maven wrote an empty classpath"; exit 1; }
rm -f "$CACHE"/classpath-*.txt
mv "$tmp" "$OUT"
echo "$OUT"
