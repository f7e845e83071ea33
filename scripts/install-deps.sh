#!/usr/bin/env bash
# Installs the system packages the test suites and the demo need: PostgreSQL 15 with wal2json
# (the source), nats-server (JetStream sink tests), and a JDK with Maven (the real
# Apache Kafka brokers of the integration tests; scripts/fetch-kafka.sh resolves Kafka's jars;
# and the Debezium reference runner of the envelope comparison suite,
# scripts/build-debezium-runner.sh, which compiles Java, hence the JDK).
# Exits 0 at once when everything is present; installs with apt-get when root on Debian;
# otherwise says what to install and exits 1.
set -euo pipefail

PACKAGES=(postgresql-15 postgresql-15-wal2json postgresql-contrib nats-server openjdk-17-jdk-headless maven)

# Each check is "what is missing" -> "how we look for it".
missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=("postgres 15 (/usr/lib/postgresql/15/bin/postgres)")
[ -f /usr/lib/postgresql/15/lib/wal2json.so ] || missing+=("wal2json (/usr/lib/postgresql/15/lib/wal2json.so)")
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=("nats-server")
command -v java >/dev/null 2>&1 || missing+=("java (JDK >= 17)")
command -v javac >/dev/null 2>&1 || missing+=("javac (JDK >= 17)")
command -v mvn >/dev/null 2>&1 || missing+=("mvn")

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all system dependencies present"
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1 || [ ! -f /etc/debian_version ]; then
  cat >&2 <<EOF
install-deps: cannot install automatically (needs root on Debian/Ubuntu with apt-get).
Install these packages (Debian 12 names), then re-run:
  sudo apt-get install -y ${PACKAGES[*]}
On other systems: PostgreSQL 15 server with the wal2json plugin, nats-server >= 2.9 (JetStream),
a JDK >= 17 and Maven.
EOF
  exit 1
fi

# Only packages not installed yet: `apt-get install` of an installed one would upgrade it.
to_install=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || to_install+=("$pkg")
done
if [ ${#to_install[@]} -eq 0 ]; then
  echo "install-deps: all packages are installed but files are missing; try: apt-get install --reinstall ${PACKAGES[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: apt-get install ${to_install[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${to_install[@]}"

# Debian's postgresql-common creates and starts a default cluster on port 5432; the tests start
# their own throwaway clusters and do not need it, so leave it alone rather than guess.
[ -x /usr/lib/postgresql/15/bin/postgres ] && [ -f /usr/lib/postgresql/15/lib/wal2json.so ] \
  || { echo "install-deps: PostgreSQL 15 / wal2json still missing after install" >&2; exit 1; }
echo "install-deps: done"
