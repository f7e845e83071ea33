#!/usr/bin/env bash
# Builds the Debezium reference runner (test/peers/debezium: Debezium 3.6.1's embedded engine +
# PostgreSQL connector + Kafka Connect's JsonConverter) for the envelope comparison suite.
#
# Maven resolves the jars into the local Maven repository (~/.m2) once, from Maven Central; the
# classpath and the compiled main go to a cache outside the checkout so fresh clones reuse them:
#   ~/.cache/walcast/debezium/<sha of pom.xml + sources>/{classpath.txt,classes/}
# A cached run takes well under a second. Prints the build's directory as the last line of
# stdout; run it as
#   java -cp "<dir>/classes:$(cat <dir>/classpath.txt)" walcast.peer.DebeziumRunner --prop k=v ...
# (test/peers/debezium-runner.ts does this). Needs mvn and a JDK >= 17 (apt-get install maven).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/test/peers/debezium"
CACHE="${WALCAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/walcast}/debezium"

log() { echo "build-debezium-runner: $*" >&2; }

for tool in mvn javac; do
  command -v "$tool" >/dev/null || { log "missing '$tool' (apt-get install maven openjdk-17-jdk-headless)"; exit 1; }
done

mkdir -p "$CACHE"
# Jest workers (or two terminals) may run this at once: one builds, the others wait.
exec 9>"$CACHE/.lock"
flock 9

hash="$(cd "$SRC" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)"
OUT="$CACHE/$hash"
if [[ -f "$OUT/classpath.txt" && -d "$OUT/classes" ]]; then
  echo "$OUT"
  exit 0
fi

tmp="$(mktemp -d "$CACHE/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "resolving Debezium's jars with Maven (minutes on a cold ~/.m2; log: $CACHE/build.log)"
mvn -B -q -f "$SRC/pom.xml" dependency:build-classpath -Dmdep.outputFile="$tmp/classpath.txt" >"$CACHE/build.log" 2>&1 \
  || { log "Maven failed, see $CACHE/build.log"; tail -n 30 "$CACHE/build.log" >&2; exit 1; }
log "compiling the runner"
mkdir -p "$tmp/classes"
javac --release 17 -encoding UTF-8 -nowarn -d "$tmp/classes" -cp "$(cat "$tmp/classpath.txt")" \
  $(find "$SRC/src/main/java" -name '*.java') >>"$CACHE/build.log" 2>&1 \
  || { log "javac failed, see $CACHE/build.log"; tail -n 30 "$CACHE/build.log" >&2; exit 1; }
# Older builds are of no further use.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$tmp")" -exec rm -rf {} +
mv "$tmp" "$OUT"
trap - EXIT
echo "$OUT"
