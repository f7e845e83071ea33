#!/usr/bin/env bash
# Builds the Kafka test broker: librdkafka's mock cluster (real Kafka wire protocol, fault
# injection) wrapped by test/infra/kafka-mock/mock-broker.c.
#
# librdkafka comes from the source bundled in the node-rdkafka npm tarball (deps/librdkafka), so
# only the npm registry is needed. Everything is cached under ~/.cache/walcast/kafka-mock/:
#   librdkafka-<node-rdkafka version>/   configured + `make libs` tree (~35 s on 2 cores, once)
#   bin/mock-broker-<version>-<sha of the C file>   the helper, statically linked
# A cached run takes well under a second. Prints the helper's absolute path as the last line of
# stdout (test/infra/kafka.ts runs this script and spawns that path).
#
# Env: NODE_RDKAFKA_VERSION (default 3.6.1, bundles librdkafka 2.12.0);
#      LIBRDKAFKA_SRC=<dir> uses an already extracted librdkafka source tree instead of npm pack.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_RDKAFKA_VERSION="${NODE_RDKAFKA_VERSION:-3.6.1}"
# rd_kafka_mock_broker_add and the mock features used by the helper need librdkafka >= 2.12.
MIN_RDKAFKA_HEX=$((0x020c0000))
# Outside the checkout so fresh clones (CI) reuse the build: WALCAST_CACHE_DIR overrides.
CACHE="${WALCAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/walcast}/kafka-mock"
HELPER_SRC="$ROOT/test/infra/kafka-mock/mock-broker.c"
LIBDIR="$CACHE/librdkafka-nrk$NODE_RDKAFKA_VERSION"

log() { echo "build-kafka-mock: $*" >&2; }

mkdir -p "$CACHE/bin"
# Jest workers (or two terminals) may run this at once: one builds, the others wait.
exec 9>"$CACHE/.lock"
flock 9

helper_hash="$(sha256sum "$HELPER_SRC" | cut -c1-12)"
BIN="$CACHE/bin/mock-broker-$NODE_RDKAFKA_VERSION-$helper_hash"
if [[ -x "$BIN" && -f "$LIBDIR/src/librdkafka.a" ]]; then
  echo "$BIN"
  exit 0
fi

rdkafka_version_hex() {
  local v
  v="$(sed -n 's/^#define RD_KAFKA_VERSION *\(0x[0-9a-fA-F]*\).*/\1/p' "$1/src/rdkafka.h")"
  [[ -n "$v" ]] || { log "cannot read RD_KAFKA_VERSION from $1/src/rdkafka.h"; exit 1; }
  echo $((v))
}

if [[ ! -f "$LIBDIR/src/librdkafka.a" ]]; then
  for tool in cc make tar; do
    command -v "$tool" >/dev/null || { log "missing '$tool' (apt-get install build-essential)"; exit 1; }
  done
  [[ -f /usr/include/zlib.h ]] || { log "missing zlib headers (apt-get install zlib1g-dev)"; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if [[ -n "${LIBRDKAFKA_SRC:-}" ]]; then
    log "using librdkafka source from $LIBRDKAFKA_SRC"
    cp -a "$LIBRDKAFKA_SRC" "$tmp/librdkafka"
    make -C "$tmp/librdkafka" clean >/dev/null 2>&1 || true
  else
    log "fetching node-rdkafka@$NODE_RDKAFKA_VERSION from npm (for its bundled librdkafka)"
    tarball="$(cd "$tmp" && npm pack --silent "node-rdkafka@$NODE_RDKAFKA_VERSION" | tail -n1)"
    tar -xzf "$tmp/$tarball" -C "$tmp" package/deps/librdkafka
    mv "$tmp/package/deps/librdkafka" "$tmp/librdkafka"
  fi
  hex="$(rdkafka_version_hex "$tmp/librdkafka")"
  if (( hex < MIN_RDKAFKA_HEX )); then
    log "node-rdkafka@$NODE_RDKAFKA_VERSION bundles librdkafka $(printf '0x%08x' "$hex"), need >= 2.12.0;"
    log "set NODE_RDKAFKA_VERSION to a newer release"
    exit 1
  fi
  log "building librdkafka $(printf '0x%08x' "$hex") (about 35 s on 2 cores; log: $CACHE/build.log)"
  (
    cd "$tmp/librdkafka"
    # The mock cluster needs no TLS/SASL/compression extras; disabling them keeps the
    # build free of system -dev packages other than zlib.
    ./configure --disable-ssl --disable-gssapi --disable-curl --disable-zstd --disable-sasl
    make -j"$(nproc)" libs
  ) >"$CACHE/build.log" 2>&1 || { log "librdkafka build failed, see $CACHE/build.log"; tail -n 20 "$CACHE/build.log" >&2; exit 1; }
  rm -rf "$LIBDIR"
  mv "$tmp/librdkafka" "$LIBDIR"
fi

# Link flags as librdkafka's configure found them (-lm -lz -ldl -lpthread -lrt).
libs="$(sed -n 's/^LIBS+=[[:space:]]*//p' "$LIBDIR/Makefile.config" | tr '\n' ' ')"
log "compiling $(basename "$BIN")"
rm -f "$CACHE/bin/mock-broker-$NODE_RDKAFKA_VERSION-"*
# The helper uses the mock's internal headers (to add a CreateTopics handler), hence -I src.
# shellcheck disable=SC2086
cc -O2 -Wall -std=gnu11 -I"$LIBDIR/src" -I"$LIBDIR" \
  -o "$BIN.tmp" "$HELPER_SRC" "$LIBDIR/src/librdkafka.a" $libs
mv "$BIN.tmp" "$BIN"
echo "$BIN"
