# Starts Debian's PostgreSQL on 127.0.0.1 for the verifier's PostgreSQL tests
# and exports MOBIPASS_TEST_PG_URL. Sourced by .ci/run (set -euo pipefail);
# safe to source again: every step checks before it acts.
mobipass_pg_setup() {
  local version cluster_port
  version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    echo "PostgreSQL is not installed (.ci/apt/verifier.txt lists it)" >&2
    return 1
  fi
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main >/dev/null
  fi
  # Loopback only, whatever the cluster's configuration says.
  local confd="/etc/postgresql/$version/main/conf.d"
  mkdir -p "$confd"
  echo "listen_addresses = '127.0.0.1'" > "$confd/mobipass-loopback.conf"
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -qx online; then
    pg_ctlcluster "$version" main start
  fi
  cluster_port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
  local i
  for i in $(seq 1 30); do
    if su postgres -c "psql -p $cluster_port -qAtc 'SELECT 1'" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  if [ "$(su postgres -c "psql -p $cluster_port -qAtc \"SELECT 1 FROM pg_roles WHERE rolname = 'mobipass'\"")" != 1 ]; then
    su postgres -c "psql -p $cluster_port -qc \"CREATE ROLE mobipass LOGIN PASSWORD 'mobipass' CREATEDB\""
  fi
  if [ "$(su postgres -c "psql -p $cluster_port -qAtc \"SELECT 1 FROM pg_database WHERE datname = 'mobipass_test'\"")" != 1 ]; then
    su postgres -c "psql -p $cluster_port -qc 'CREATE DATABASE mobipass_test OWNER mobipass'"
  fi
  export MOBIPASS_TEST_PG_URL="postgres://mobipass:mobipass@127.0.0.1:$cluster_port/mobipass_test"
  echo "PostgreSQL $version on 127.0.0.1:$cluster_port; MOBIPASS_TEST_PG_URL set"
}
mobipass_pg_setup
