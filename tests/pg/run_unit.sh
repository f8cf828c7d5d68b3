#!/usr/bin/env bash
# run_unit.sh UNIT_TEST_BINARY - runs a unit test against PostgreSQL: a
# throwaway cluster (tests/pg/cluster.sh) with one database, named to the
# test in CHAMPION_TEST_PG_URL; the cluster is stopped by its PID however
# the test ends.
set -u
. "$(cd "${BASH_SOURCE[0]%/*}" && pwd)/cluster.sh"
trap pg_stop EXIT
trap 'exit 130' INT TERM
pg_start || exit 1
url=$(pg_createdb unit) || exit 1
CHAMPION_TEST_PG_URL=$url "$@"
