#!/usr/bin/env bash
# Runs one integration run on a throwaway PostgreSQL cluster of its own, which it starts
# (scripts/pgcluster), exports (PGHOST, PGPORT, PGUSER, RENO_TEST_PGCLUSTER) and destroys
# when the run ends, however it ends. Some suites stop and start their cluster, so runs
# side by side (ctest -j: the shards of tests/CMakeLists.txt) must not share one.
#
# Usage: it-cluster.sh COMMAND [ARG...]   e.g. it-cluster.sh build/tests/reno_integration
#        --shard 2/4. The cluster's directory is made in $RENO_TEST_CLUSTERS when that is
# set (scripts/test sets it, and destroys whatever is left there in the end: a run that
# ctest kills at its timeout cannot clean up after itself), else in /tmp. The directory is
# also the run's scratch directory (RENO_TEST_SCRATCH, tests/harness.h): the clusters a
# suite starts there itself (the city's three, the standby) are destroyed with it, even when
# the run was killed before its teardown. Exits with the command's status.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
parent=${RENO_TEST_CLUSTERS:-/tmp}
dir=$(mktemp -d "$parent/reno-it.XXXXXX")
chmod 755 "$dir" # the cluster runs as postgres when the tests run as root
cleanup() {
    "$source_dir/scripts/pgcluster" destroy-all "$dir"
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pgenv=$("$source_dir/scripts/pgcluster" start "$dir/pg")
eval "$pgenv"
export RENO_TEST_PGCLUSTER="$dir/pg" RENO_TEST_SCRATCH="$dir"
status=0
"$@" || status=$?
exit "$status"
