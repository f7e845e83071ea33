#!/usr/bin/env bash
# Resolves Apicurio Registry (io.apicurio:apicurio-registry-app, its `all` tar.gz: the Quarkus
# runner jar with its lib/) with Maven from Maven Central into the local Maven repository and
# unpacks it outside the checkout, for the integration tests' schema registry
# (test/infra/schema-registry.ts; Apicurio serves the Confluent API at /apis/ccompat/v7).
#
# 3.0.9 is the newest Apicurio 3.x whose `all` archive is on Maven Central and that runs on
# Java 17 (3.3.x is compiled for Java 21, class file 65; 3.1.x/3.2.x have no `all` archive there).
#
#   ~/.cache/walcast/apicurio/<version>/apicurio-registry-app-<version>-runner.jar
# A cached run takes a few milliseconds (no JVM). Prints the runner jar's absolute path as the
# last line of stdout; progress goes to stderr. Needs Java >= 17 and Maven.
#
# Env: WALCAST_CACHE_DIR overrides ~/.cache/walcast; MAVEN_REPO_LOCAL overrides ~/.m2/repository.
set -euo pipefail

VERSION=3.0.9
CACHE="${WALCAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/walcast}/apicurio"
DIR="$CACHE/$VERSION"
JAR="$DIR/apicurio-registry-app-$VERSION-runner.jar"
# Pinned (it is Maven 3.8's default) so the result does not depend on the installed Maven.
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:2.8"

log() { echo "fetch-apicurio: $*" >&2; }

if [[ -f "$JAR" && -f "$DIR/.complete" ]]; then
  echo "$JAR"
  exit 0
fi

mkdir -p "$CACHE"
# Jest workers (or two terminals) may run this at once: one resolves, the others wait.
exec 9>"$CACHE/.lock"
flock 9
if [[ -f "$JAR" && -f "$DIR/.complete" ]]; then
  echo "$JAR"
  exit 0
fi

for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { log "missing: $tool (a JDK >= 17 and Maven)"; exit 1; }
done

log "resolving io.apicurio:apicurio-registry-app:$VERSION (all.tar.gz, ~150 MB on the first run) with Maven"
repo_args=()
[[ -n "${MAVEN_REPO_LOCAL:-}" ]] && repo_args+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
tmp="$(mktemp -d "$CACHE/unpack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! mvn -q -B -Dstyle.color=never "${repo_args[@]}" "$DEPENDENCY_PLUGIN:copy" \
  "-Dartifact=io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all" "-DoutputDirectory=$tmp" >&2; then
  log "Maven could not resolve io.apicurio:apicurio-registry-app:$VERSION (is Maven Central reachable?)"
  exit 1
fi
mkdir "$tmp/app"
tar xzf "$tmp/apicurio-registry-app-$VERSION-all.tar.gz" -C "$tmp/app"
[[ -f "$tmp/app/apicurio-registry-app-$VERSION-runner.jar" ]] || { log "the archive has no runner jar"; exit 1; }
touch "$tmp/app/.complete"
rm -rf "$DIR"
mv "$tmp/app" "$DIR"
echo "$JAR"
